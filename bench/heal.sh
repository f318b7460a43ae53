#!/usr/bin/env bash
# bench/heal.sh -- how fast a crashed instance is back: from a kill -9 of
# its main process to its replacement healthy and in DNS.
#
#   bench/heal.sh              (from anywhere; needs a built stadiond)
#
# Cases, ROUNDS each (default 10), the same image, command and port:
#   docker   stadiond with the docker driver: an app of 2 instances
#            (stadion-test/busybox httpd, host network) with an HTTP
#            health check; kill -9 of one container's main process (the
#            engine sees the container die, as in a crash), then until
#            the SRV answer holds 2 records again and not the killed one.
#   docker0  the same with backoffSeconds 0: what the back-off's first
#            second leaves of it, stadion's own part.
#   process  the same app with the process driver (busybox httpd).
#   restart  Docker alone: the same container run with --restart=always,
#            killed the same way, until it answers HTTP again: what the
#            engine's own restart policy gives, without health checks or
#            DNS. The reference of the ratio. Kills come 10.5 s apart, as
#            Docker resets its restart delay after 10 s of running.
# The apps set backoffResetSeconds 1: each crash comes after the task ran
# longer than that, so it is the first failure in a row and waits
# backoffSeconds (1 s), as the crash of a task that was long healthy does.
# Target: under 2 s for a container whose image is present.
#
# Environment: STADIOND (default _build/default/src/stadiond), ROUNDS.
# Loopback only. Prints a table; everything started is stopped on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
: "${STADIOND:=$top/_build/default/src/stadiond}"
ROUNDS=${ROUNDS:-10}
WAIT=$top/bench/dnswait.py
IMAGE=stadion-test/busybox:latest
T=$(mktemp -d "${TMPDIR:-/tmp}/stadion-heal.XXXXXX")
RUN=$$
DAEMON_PID=
HTTP_PORT=
DNS_PORT=

say() { printf 'heal: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$STADIOND" ] || die "no $STADIOND: build first"
for c in curl python3 docker busybox; do
	command -v "$c" >/dev/null || die "$c not found"
done

DOCKER_ENV_DIR=$T/denv
# shellcheck source=../tests/system/docker-env.sh
. "$top/tests/system/docker-env.sh"

api() {
	curl -sS --max-time 30 -X "$1" -H 'Content-Type: application/json' \
	    ${3:+--data "$3"} "http://127.0.0.1:$HTTP_PORT$2"
}

jq_py() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	api DELETE "/v2/apps/heal?force=true" >/dev/null 2>&1 || true
	for _ in $(seq 1 200); do
		[ "$(api GET /v2/deployments 2>/dev/null)" = "[]" ] && break
		sleep 0.05
	done
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	wait "$DAEMON_PID" 2>/dev/null || true
	DAEMON_PID=
}

cleanup() {
	stop_daemon
	pkill -KILL -f "$T/state" 2>/dev/null || true
	if docker_ping; then
		docker ps -aq --filter "label=stadion.heal=$RUN" | xargs -r docker rm -f >/dev/null 2>&1
	fi
	docker_env_stop >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT

start_daemon() {
	HTTP_PORT=$(python3 "$top/tests/system/free_port.py")
	DNS_PORT=$(python3 "$top/tests/system/free_port.py")
	rm -rf "$T/state"
	"$STADIOND" -f --state-dir "$T/state" --zones-dir "$T" \
	    --dns-listen "127.0.0.1:$DNS_PORT" --http-listen "127.0.0.1:$HTTP_PORT" \
	    --port-range-min 40100 --port-range-max 40299 --log-level notice \
	    "$@" >>"$T/stadiond.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 1 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/health" && return 0
		sleep 0.05
	done
	die "stadiond did not start (log: $T/stadiond.log)"
}

# healthy N: the app has N healthy tasks and no deployment.
healthy() {
	[ "$(api GET /v2/apps/heal | jq_py 'j["app"]["tasksHealthy"]')" = "$1" ] &&
	    [ "$(api GET /v2/deployments)" = "[]" ]
}

wait_healthy() {
	for _ in $(seq 1 600); do
		healthy 2 && return 0
		sleep 0.05
	done
	die "the app did not become healthy (log: $T/stadiond.log)"
}

# pid_of RECORD: the main process of the task whose SRV record is RECORD.
pid_of() {
	local port=${1%% *} task
	task=$(api GET /v2/apps/heal/tasks | jq_py \
	    "[t['id'] for t in j['tasks'] if $port in t['ports']][0]")
	if [ "$CASE" != process ]; then
		docker inspect -f '{{.State.Pid}}' "stadion-$task"
	else
		jq_py 'j["pid"]' <"$T/state/proc/$task/record.json"
	fi
}

# heal_case CASE APPJSON: ROUNDS crashes of a stadion app.
heal_case() {
	local json=$2 rec pid out i
	CASE=$1
	start_daemon
	api POST /v2/apps "$json" >/dev/null
	wait_healthy
	for i in $(seq 1 "$ROUNDS"); do
		# Longer than backoffResetSeconds: a first failure, every time.
		sleep 1.2
		rec=$(dig @127.0.0.1 -p "$DNS_PORT" +short _heal._tcp.marathon.mesos SRV |
		    awk 'NR == 1 { print $3 " " $4 }')
		[ -n "$rec" ] || die "no SRV record"
		pid=$(pid_of "$rec")
		out=$(python3 "$WAIT" heal "$DNS_PORT" heal 2 "$rec" "$pid" 30) ||
		    die "$CASE round $i: not healed: $out (log: $T/stadiond.log)"
		echo "$out" | jq_py 'j["back_ms"]' >>"$T/$CASE.ms"
		wait_healthy
	done
	stop_daemon
}

# restart_case: the engine's restart policy on the same container.
restart_case() {
	local port=40400 id pid out i
	id=$(docker run -d --restart=always --network host --label "stadion.heal=$RUN" \
	    "$IMAGE" sh -c "mkdir -p /tmp/w && echo ok >/tmp/w/index.html && exec httpd -f -p $port -h /tmp/w")
	for i in $(seq 1 "$ROUNDS"); do
		for _ in $(seq 1 200); do
			curl -sf -o /dev/null "http://127.0.0.1:$port/" && break
			sleep 0.05
		done
		# Docker resets its restart delay (100 ms, doubling) once a
		# container has run 10 s: each crash is then a first one too.
		sleep 10.5
		pid=$(docker inspect -f '{{.State.Pid}}' "$id")
		out=$(python3 "$WAIT" answer "$port" "$pid" 30) ||
		    die "restart round $i: not back: $out"
		echo "$out" | jq_py 'j["back_ms"]' >>"$T/restart.ms"
	done
	docker rm -f "$id" >/dev/null
}

stats() {
	python3 - "$1" <<'EOF'
import statistics, sys
v = sorted(float(x) for x in open(sys.argv[1]) if x.strip())
print("%6d %9.0f %9.0f %9.0f" % (len(v), statistics.median(v), v[0], v[-1]))
EOF
}

say "starting the Docker test environment"
docker_env_engine >/dev/null && docker_env_image >/dev/null || die "no Docker engine"
# app BACKOFF CMD [CONTAINER]: the app of 2 instances with an HTTP check.
app() {
	printf '{"id":"/heal","instances":2,"backoffSeconds":%s,"backoffResetSeconds":1,"cmd":"%s",%s"healthChecks":[{"protocol":"HTTP","path":"/index.html"}]}' \
	    "$1" "$2" "${3:+\"container\":$3,}"
}
DCMD='mkdir -p /tmp/www && echo ok > /tmp/www/index.html && exec httpd -f -p $PORT0 -h /tmp/www'
DCTR="{\"type\":\"DOCKER\",\"docker\":{\"image\":\"$IMAGE\",\"network\":\"HOST\"}}"
say "docker: $ROUNDS crashes"
heal_case docker "$(app 1 "$DCMD" "$DCTR")"
say "docker, backoffSeconds 0: $ROUNDS crashes"
heal_case docker0 "$(app 0 "$DCMD" "$DCTR")"
say "process: $ROUNDS crashes"
heal_case process "$(app 1 'mkdir -p www && echo ok > www/index.html && exec busybox httpd -f -p $PORT0 -h www')"
say "restart: $ROUNDS crashes"
restart_case

printf '\nheal: %s; command: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" "ROUNDS=$ROUNDS bench/heal.sh"
printf '%s CPUs, %s; stadion %s; docker engine %s\n' "$(nproc)" "$(uname -r)" \
    "$(git -C "$top" describe --always --dirty 2>/dev/null || echo '?')" \
    "$(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?')"
printf '\nkill -9 of the main process -> back (ms)\n'
printf '%-44s %6s %9s %9s %9s\n' case rounds median min max
printf '%-44s %s\n' "stadion, docker: healthy and in DNS" "$(stats "$T/docker.ms")"
printf '%-44s %s\n' "  the same, backoffSeconds 0" "$(stats "$T/docker0.ms")"
printf '%-44s %s\n' "stadion, process: healthy and in DNS" "$(stats "$T/process.ms")"
printf '%-44s %s\n' "docker --restart=always: answers HTTP" "$(stats "$T/restart.ms")"
python3 - "$T/docker.ms" "$T/restart.ms" "$T/docker0.ms" <<'EOF'
import statistics, sys
d = statistics.median(float(x) for x in open(sys.argv[1]) if x.strip())
r = statistics.median(float(x) for x in open(sys.argv[2]) if x.strip())
print("ratio stadion docker / docker restart policy (medians): %.2f" % (d / r))
d0 = statistics.median(float(x) for x in open(sys.argv[3]) if x.strip())
print("ratio stadion docker, backoffSeconds 0 / docker restart policy: %.2f" % (d0 / r))
print("target (docker, under 2000 ms): %s" % ("met" if d < 2000 else "NOT met"))
EOF
