#!/usr/bin/env bash
# The docker driver against a real engine, through ctrtool: limits and
# labels of a created container, logs, exec, stats, list, events (die,
# oom), and images: tag, push with X-Registry-Auth to a registry with
# htpasswd auth (a wrong password fails), pull back. Everything the test
# makes is removed; the base test image stays.
. "$(dirname "$0")/lib.sh"
need_tools docker dockerd docker-registry htpasswd busybox curl python3

DOCKER_ENV_DIR=$T/denv
. "$SYSTEM_DIR/docker-env.sh"
CTRTOOL=$top_builddir/tests/system/ctrtool
[ -x "$CTRTOOL" ] || fail "no $CTRTOOL (make check builds it)"

ID=$$r$RANDOM
EVENTS_PID=
PUSHED=

docker_cleanup() {
	[ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
	if docker_ping; then
		docker ps -aq --filter "name=stadion-dt$ID" | xargs -r docker rm -f >/dev/null 2>&1
		[ -n "$PUSHED" ] && docker rmi -f "$PUSHED" >/dev/null 2>&1
	fi
	docker_env_stop
}
trap '_rc=$?; docker_cleanup; (exit $_rc); _cleanup' EXIT

docker_env_start || fail "the docker test environment did not start"
log "ok - engine, test image and registry (127.0.0.1:$REGISTRY_PORT) ready"

ct() { "$CTRTOOL" docker - "$@"; }

# app_json ID CMD CPUS MEM
app_json() {
	printf '{"id":"%s","cmd":"%s","instances":1,"cpus":%s,"mem":%s,"container":{"type":"DOCKER","docker":{"image":"%s","network":"HOST","forcePullImage":false,"parameters":[]},"portMappings":[],"volumes":[]},"portDefinitions":[{"port":0,"protocol":"tcp"}],"labels":{"team":"edge"},"env":{}}' \
	    "$1" "$2" "$3" "$4" "$TEST_IMAGE"
}

# ---------------------------------------------------------------- run
PORT=$(free_port) || fail "no free port"
H=$(ct create-run "$(app_json /dt/web 'echo web up on $PORT0; httpd -f -p $PORT0' 0.5 64)" "dt$ID.web" "$PORT") ||
    fail "create-run failed"
[[ "$H" =~ ^[0-9a-f]{64}$ ]] || fail "create-run printed no container id: $H"
log "ok - created and started $H"

got=$(docker inspect -f '{{.HostConfig.CpuQuota}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuShares}} {{.HostConfig.Memory}} {{.HostConfig.NetworkMode}} {{index .Config.Labels "stadion.app"}} {{index .Config.Labels "stadion.instance"}} {{index .Config.Labels "team"}}' "$H")
[ "$got" = "50000 100000 512 67108864 host /dt/web dt$ID.web edge" ] || fail "docker inspect: $got"
log "ok - limits, network and labels as asked"

web_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/"; }
wait_for 20 web_up || fail "httpd in the container does not answer on $PORT"
log "ok - the container serves on 127.0.0.1:$PORT"

out=$(ct inspect "$H") || fail "inspect failed"
printf '%s' "$out" | grep -q '"state":"running"' || fail "inspect: $out"
printf '%s' "$out" | grep -q '"instance_id":"dt'"$ID"'.web"' || fail "inspect labels: $out"
printf '%s' "$out" | grep -qE '"pid":[1-9]' || fail "inspect pid: $out"
printf '%s' "$out" | grep -qE '"started_at":[1-9]' || fail "inspect started_at: $out"
log "ok - inspect"

logs_ok() { ct logs "$H" | grep -qx "web up on $PORT"; }
wait_for 10 logs_ok || fail "logs: $(ct logs "$H")"
log "ok - logs"

out=$(ct exec "$H" echo hi) || fail "exec failed"
[ "$out" = hi ] || fail "exec output: $out"
ct exec "$H" sh -c 'echo oops >&2; exit 3' >/dev/null 2>&1
[ $? = 3 ] || fail "exec exit code not passed on"
log "ok - exec output and exit code"

out=$(ct stats "$H") || fail "stats failed"
printf '%s' "$out" | grep -q '"mem_limit_bytes":67108864' || fail "stats: $out"
printf '%s' "$out" | grep -qE '"pids":[1-9]' || fail "stats pids: $out"
log "ok - stats"

out=$(ct list stadion.instance "dt$ID.web") || fail "list failed"
[ "$(printf '%s\n' "$out" | awk '{ print $1 }')" = "$H" ] || fail "list: $out"
[ -z "$(ct list stadion.instance "dt$ID.nothing")" ] || fail "list of nothing found something"
log "ok - list by label"

# ---------------------------------------------------------------- events
ct events 1000 >"$T/events" 2>"$T/events.err" &
EVENTS_PID=$!
# The stream is open once a start shows up: start a marker until it does.
M=$(ct create-run "$(app_json /dt/marker true 0.1 16)" "dt$ID.marker") || fail "marker create failed"
marker_seen() {
	grep -q "^start $M" "$T/events" && return 0
	docker start "$M" >/dev/null 2>&1
	return 1
}
wait_for 30 marker_seen || fail "no start event: $(cat "$T/events" "$T/events.err")"
log "ok - start event"

docker kill "$H" >/dev/null || fail "docker kill"
die_seen() { grep -q "^die $H exit=137 oom=0 app=/dt/web instance=dt$ID.web" "$T/events"; }
wait_for 20 die_seen || fail "no die event for $H: $(cat "$T/events")"
log "ok - die event with exit code and labels"

O=$(ct create-run "$(app_json /dt/oom 'x=$(head -c 100000000 /dev/zero | tr \"\\\\0\" a); echo survived' 0.5 8)" "dt$ID.oom") ||
    fail "oom create failed"
oom_seen() { grep -q "^oom $O" "$T/events" && grep -q "^die $O exit=137 oom=1" "$T/events"; }
wait_for 60 oom_seen || fail "no oom/die events for $O: $(cat "$T/events")"
out=$(ct inspect "$O")
printf '%s' "$out" | grep -q '"oom":true' || fail "inspect after OOM: $out"
log "ok - OOM: oom event, die with oom, inspect says oom"

out=$(ct wait "$O") || fail "wait failed"
printf '%s' "$out" | grep -q '"exit_code":137' || fail "wait: $out"
log "ok - wait"

for h in "$H" "$M" "$O"; do
	ct rm "$h" || fail "rm $h"
done
destroy_seen() { grep -q "^destroy $O" "$T/events"; }
wait_for 20 destroy_seen || fail "no destroy event: $(cat "$T/events")"
out=$(ct inspect "$H" 2>&1) && fail "inspect of a removed container succeeded: $out"
printf '%s' "$out" | grep -q "not found" || fail "inspect of a removed container: $out"
log "ok - remove, destroy event, then not found"

# ---------------------------------------------------------------- images
REG=127.0.0.1:$REGISTRY_PORT
PUSHED=$REG/stadion-test/busybox:dt$ID
auth() { printf '{"username":"%s","password":"%s","serveraddress":"%s"}' "$REGISTRY_USER" "$1" "$REG"; }
ct tag "$TEST_IMAGE" "$REG/stadion-test/busybox" "dt$ID" || fail "tag"
docker image inspect "$PUSHED" >/dev/null 2>&1 || fail "tag made no $PUSHED"
log "ok - tag"

out=$(ct push "$PUSHED" "$(auth wrong-password)" 2>&1) && fail "push with a wrong password succeeded"
log "ok - push with a wrong password fails: $out"
out=$(ct push "$PUSHED" 2>&1) && fail "push without credentials succeeded"
ct push "$PUSHED" "$(auth "$REGISTRY_PASSWORD")" || fail "push with the right password"
log "ok - push with the right password"

ct rmi "$PUSHED" || fail "rmi"
docker image inspect "$PUSHED" >/dev/null 2>&1 && fail "rmi left $PUSHED"
ct pull "$PUSHED" "$(auth wrong-password)" 2>/dev/null && fail "pull with a wrong password succeeded"
ct pull "$PUSHED" "$(auth "$REGISTRY_PASSWORD")" || fail "pull with auth"
docker image inspect "$PUSHED" >/dev/null 2>&1 || fail "pull made no $PUSHED"
ct images | grep -q "\"$PUSHED\"" || fail "images does not list $PUSHED"
ct rmi "$PUSHED" || fail "rmi after pull"
PUSHED=
log "ok - remove, pull back with auth, list, remove"
