#!/usr/bin/env bash
# Blocking queries: GET ...?index=N&wait=10s returns as soon as the registry
# index passes N (X-Stadion-Index > N), and after the wait when nothing changes.
. "$(dirname "$0")/lib.sh"
need_tools curl

start_daemon
register web i1 127.0.0.11 31001
idx=$(index_now) || fail "no index"
[ "$idx" -ge 1 ] || fail "index $idx after a registration"
log "index $idx"

# watch NAME PATH: start a blocking GET in the background.
watch_bg() {
	local name=$1 path=$2
	( t0=$(date +%s.%N)
	  curl -s -S --max-time 40 -D "$T/$name.headers" -o "$T/$name.body" \
	      -w '%{http_code}' "http://127.0.0.1:$HTTP_PORT$path" > "$T/$name.code"
	  t1=$(date +%s.%N)
	  echo "$t0 $t1" | awk '{ printf "%.2f\n", $2 - $1 }' > "$T/$name.time" ) &
}
watch_header() { tr -d '\r' < "$T/$1.headers" | awk -F': *' 'tolower($1) == "x-stadion-index" { print $2 }'; }

for path in "/v1/services/web/instances" "/v1/services/web" "/v1/services"; do
	watch_bg w "$path?index=$idx&wait=10s"
	pid=$!
	sleep 1
	kill -0 $pid 2>/dev/null || fail "watch on $path returned at once (index $idx not passed yet): $(cat "$T/w.body")"
	register web "i-$RANDOM$RANDOM" 127.0.0.12 31002
	wait $pid
	took=$(cat "$T/w.time")
	[ "$(cat "$T/w.code")" = 200 ] || fail "watch on $path answered $(cat "$T/w.code")"
	new=$(watch_header w)
	[ -n "$new" ] && [ "$new" -gt "$idx" ] || fail "watch on $path: X-Stadion-Index '$new' not > $idx"
	awk -v t="$took" 'BEGIN { exit !(t < 4) }' || fail "watch on $path took $took s after the change"
	grep -q '127.0.0.12' "$T/w.body" || [ "$path" = /v1/services ] || fail "watch body without the change: $(cat "$T/w.body")"
	log "ok - watch on $path returned ${took} s after its start (index $idx -> $new)"
	idx=$new
done

# Nothing changes: the watch ends after its wait with the same index.
watch_bg idle "/v1/services/web?index=$idx&wait=2s"
pid=$!
wait $pid
took=$(cat "$T/idle.time")
[ "$(cat "$T/idle.code")" = 200 ] || fail "idle watch answered $(cat "$T/idle.code")"
[ "$(watch_header idle)" = "$idx" ] || fail "idle watch: index $(watch_header idle), expected $idx"
awk -v t="$took" 'BEGIN { exit !(t >= 1.8 && t < 6) }' || fail "idle watch with wait=2s took $took s"
log "ok - idle watch returned after ${took} s with index $idx"

# An index already passed answers at once.
watch_bg old "/v1/services/web?index=1&wait=10s"
pid=$!
wait $pid
awk -v t="$(cat "$T/old.time")" 'BEGIN { exit !(t < 2) }' || fail "watch on a passed index took $(cat "$T/old.time") s"
log "ok - an index already passed answers at once"

# Many watchers are all woken by one change.
pids=()
for i in $(seq 1 20); do
	watch_bg m$i "/v1/services?index=$idx&wait=15s"
	pids+=($!)
done
sleep 1
register other o1 127.0.0.51 80
for i in $(seq 1 20); do
	wait "${pids[$((i - 1))]}"
	[ "$(cat "$T/m$i.code")" = 200 ] || fail "watcher $i answered $(cat "$T/m$i.code")"
	[ "$(watch_header m$i)" -gt "$idx" ] || fail "watcher $i: index $(watch_header m$i)"
	awk -v t="$(cat "$T/m$i.time")" 'BEGIN { exit !(t < 5) }' || fail "watcher $i took $(cat "$T/m$i.time") s"
done
log "ok - 20 watchers woken by one registration"

# A watch pending at shutdown does not hold the daemon up, and is answered.
idx=$(index_now) || fail "no index"
watch_bg late "/v1/services?index=$idx&wait=30s"
pid=$!
sleep 0.5
stop_daemon
wait $pid
[ "$(cat "$T/late.code")" = 200 ] || fail "watch pending at shutdown got '$(cat "$T/late.code")', expected an answer (200)"
log "ok - a watch pending at shutdown is answered"
