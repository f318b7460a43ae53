#!/usr/bin/env bash
# loadloop.py against the real stadiond: a client that finds two loopback
# HTTP servers only through DNS (SRV, TTL 1 s) sees every request answered,
# the 1:3 weights as a 1:3 share of the answers, no failure when an instance
# is deregistered before its server stops (TTL + 1 s later), "connect:"
# failures when a registered server dies, "dns:" failures for an unknown
# name, and never contacts a non-loopback address.
. "$(dirname "$0")/lib.sh"
need_tools curl python3

LOADLOOP=$SYSTEM_DIR/loadloop.py
TTL=1
Z=marathon.mesos
SRV=_web._tcp.$Z

printf '{"ttl": %d}\n' "$TTL" > "$T/stadiond.json"
start_daemon -c "$T/stadiond.json"

# ---------------------------------------------------------------- backends

cat > "$T/backend.py" <<'EOF'
import http.server, sys
port, body = int(sys.argv[1]), (sys.argv[2] + "\n").encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
EOF

BACKEND_PIDS=()
# start_backend VAR BODY: a server answering BODY on a free port; sets
# VAR_PORT and VAR_PID.
start_backend() {
	local var=$1 body=$2 port pid
	port=$(free_port) || fail "no free port"
	python3 "$T/backend.py" "$port" "$body" 2>> "$T/backend-$var.log" &
	pid=$!
	BACKEND_PIDS+=("$pid")
	wait_for 10 curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" ||
	    fail "backend $body on $port did not start"
	printf -v "${var}_PORT" %s "$port"
	printf -v "${var}_PID" %s "$pid"
}

# stop_backend PID: kill one of our backends and reap it.
stop_backend() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

kill_backends() {
	local p
	for p in "${BACKEND_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	[ -n "${LOOP_PID:-}" ] && kill "$LOOP_PID" 2>/dev/null
	return 0
}
trap '_rc=$?; kill_backends; (exit $_rc); _cleanup' EXIT

# put_instance ID ADDRESS PORT WEIGHT: register or replace an instance of web.
put_instance() {
	http PUT "/v1/services/web/instances/$1" \
	    "$(printf '{"address":"%s","ports":[{"port":%s}],"weight":%s,"health":"healthy"}' "$2" "$3" "$4")"
	case "$HTTP_CODE" in 200|201) ;; *) fail "PUT instance $1 answered $HTTP_CODE: $HTTP_BODY" ;; esac
}

# ---------------------------------------------------------------- client

# loadloop NAME ARGS...: run the client to $T/NAME.json, summary to the log.
loadloop() {
	local name=$1
	shift
	python3 "$LOADLOOP" --dns "127.0.0.1:$DNS_PORT" --out "$T/$name.json" "$@" \
	    > "$T/$name.stdout" 2> "$T/$name.stderr"
	local rc=$?
	log "$name: $(cat "$T/$name.stdout")"
	[ "$rc" = 0 ] || fail "$name: loadloop exited $rc: $(cat "$T/$name.stderr")"
}

# stat NAME EXPR: a Python expression on the stats of run NAME (bound to s).
stat() {
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (bool, list, dict)) or v is None else v)' \
	    "$T/$1.json" "$2" || fail "cannot evaluate $2 on $T/$1.json"
}

# expect NAME EXPR: fail unless EXPR holds on the stats of run NAME.
expect() {
	[ "$(stat "$1" "bool($2)")" = true ] ||
	    fail "$1: not ($2); stats: $(cat "$T/$1.json")"
	log "ok - $1: $2"
}

# ---------------------------------------------------------------- arguments

python3 "$LOADLOOP" --dns 192.0.2.1:53 --srv "$SRV" --duration 1 > /dev/null 2>&1
[ $? = 2 ] || fail "a non-loopback DNS server was not refused with 2"
python3 "$LOADLOOP" --dns "127.0.0.1:$DNS_PORT" --srv "$SRV" > /dev/null 2>&1
[ $? = 2 ] || fail "no --duration nor --stop-file was not refused with 2"
python3 "$LOADLOOP" --dns "127.0.0.1:$DNS_PORT" --srv "$SRV" --duration 1 --cache lru > /dev/null 2>&1
[ $? = 2 ] || fail "--cache lru was not refused with 2"
log "ok - bad arguments exit 2"

# ---------------------------------------------------------------- runs

start_backend A alpha
start_backend B beta
put_instance a 127.0.0.1 "$A_PORT" 1
put_instance b 127.0.0.1 "$B_PORT" 1

loadloop even --srv "$SRV" --duration 2
expect even 's["requests"] >= 100 and s["failed"] == 0 and s["ok"] == s["requests"]'
expect even 'set(s["bodies"]) == {"alpha", "beta"} and min(s["bodies"].values()) >= 20'
expect even 'sum(s["targets"].values()) == s["requests"] and not s["running"]'

# Weights 1 and 3: beta answers 3/4. Bounds far in the binomial's tails.
put_instance b 127.0.0.1 "$B_PORT" 3
sleep $((TTL + 1))
loadloop weighted --srv "$SRV" --duration 2.5 --cache none
expect weighted 's["failed"] == 0 and s["ok"] >= 200'
expect weighted '0.62 <= s["bodies"].get("beta", 0) / s["ok"] <= 0.88'
expect weighted 's["dns_queries"] >= s["requests"]'

# Zero downtime: deregister a, stop its server only TTL + 1 s later.
rm -f "$T/stop"
python3 "$LOADLOOP" --dns "127.0.0.1:$DNS_PORT" --srv "$SRV" --stop-file "$T/stop" \
    --duration 20 --out "$T/drain.json" > "$T/drain.stdout" 2> "$T/drain.stderr" &
LOOP_PID=$!
# The stats file is rewritten every second while the client runs.
_drain_running() { [ "$(stat drain 'bool(s["running"] and s["ok"] > 0)' 2>/dev/null)" = true ]; }
wait_for 5 _drain_running || fail "drain: no running stats with answers in $T/drain.json"
log "ok - drain: stats while running"
expect_http 200 DELETE /v1/services/web/instances/a
sleep $((TTL + 1))
stop_backend "$A_PID"
sleep 1
touch "$T/stop"
wait "$LOOP_PID"
rc=$?
LOOP_PID=
log "drain: $(cat "$T/drain.stdout")"
[ "$rc" = 0 ] || fail "drain: loadloop exited $rc: $(cat "$T/drain.stderr")"
expect drain 'not s["running"] and s["failed"] == 0 and s["ok"] >= 200'
expect drain 's["bodies"].get("alpha", 0) > 0 and s["bodies"].get("beta", 0) > 0'
expect drain 's["duration"] < 10'

# A registered server dies: connection refused.
stop_backend "$B_PID"
loadloop dead --srv "$SRV" --duration 1
expect dead 's["ok"] == 0 and s["failed"] == s["requests"] > 0'
expect dead 's["reasons"].get("connect: refused", 0) == s["failed"]'
expect dead 'len(s["first_errors"]) == 20 and s["first_errors"][0]["target"] == "127.0.0.1:'"$B_PORT"'"'

# An unknown name.
loadloop unknown --srv "_nope._tcp.$Z" --duration 1
expect unknown 's["ok"] == 0 and s["failed"] == s["requests"] > 0'
expect unknown 'all(r.startswith("dns: ") for r in s["reasons"])'

# A non-loopback instance is never contacted.
http PUT /v1/services/far/instances/x \
    '{"address":"192.0.2.7","ports":[{"port":80}],"weight":1,"health":"healthy"}'
case "$HTTP_CODE" in 200|201) ;; *) fail "PUT far/x answered $HTTP_CODE: $HTTP_BODY" ;; esac
loadloop far --srv "_far._tcp.$Z" --duration 1 --max-requests 50
expect far 's["requests"] == 50 and s["reasons"] == {"non-loopback target": 50}'
expect far 's["targets"] == {"192.0.2.7:80": 50}'

stop_daemon
