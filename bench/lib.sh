# shellcheck shell=bash
# bench/lib.sh -- what the bench scripts share (sourced; bash): messages,
# tools, loopback ports, the temp dir and the processes stopped on exit,
# polling, and starting and stopping stadiond.
#
# The caller sets top (the top of the source tree) and, for the messages'
# prefix, BENCH_TAG (default "bench"). Traffic goes to 127.0.0.1 only.

: "${top:?bench/lib.sh: set top, the top of the tree, first}"

say() { printf '%s: %s\n' "${BENCH_TAG:-bench}" "$*" >&2; }
die() { say "$*"; exit 1; }

# need COMMAND PACKAGE: die unless COMMAND is installed.
need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found (apt-get install $2)"
}

# ---------------------------------------------------------------- temp dir

# bench_tmpdir PREFIX: make the temp dir T (PREFIX.XXXXXX under $TMPDIR)
# and install bench_cleanup as the EXIT trap; a signal exits (130), which
# runs it too. Scripts with more to clean up install their own trap and
# call bench_stop_pids and bench_rm_tmp from it.
bench_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}

# Processes to stop on exit (SIGTERM, then wait).
PIDS=()

bench_stop_pids() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	PIDS=()
}

# bench_rm_tmp: remove T, unless KEEP=1.
bench_rm_tmp() {
	if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
}

bench_cleanup() {
	bench_stop_pids
	bench_rm_tmp
}

# ---------------------------------------------------------------- ports

# free_port: a loopback port free for TCP and UDP right now.
free_port() {
	python3 "$top/tests/system/free_port.py"
}

# port_block N: "FIRST LAST" of N consecutive loopback ports free right
# now, for the instances' host ports (stadiond also passes over any port
# that is busy later).
port_block() {
	python3 - "$1" <<'EOF'
import random, socket, sys
n = int(sys.argv[1])
def free(p):
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(200):
    base = random.randrange(20000, 60000 - n)
    if all(free(p) for p in range(base, base + n)):
        print(base, base + n - 1)
        sys.exit(0)
sys.exit(1)
EOF
}

# ---------------------------------------------------------------- polling

# wait_until SECONDS COMMAND...: poll COMMAND every WAIT_STEP s (0.1)
# until it succeeds; status 1 when SECONDS ran out.
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep "${WAIT_STEP:-0.1}"
	done
}

# dns_noerror PORT NAME TYPE: 127.0.0.1@PORT answers NAME TYPE with NOERROR.
dns_noerror() {
	dig -r @127.0.0.1 -p "$1" +time=1 +tries=1 "$2" "$3" 2>/dev/null | grep -q 'status: NOERROR'
}

# server_up NAME QNAME QTYPE: start the server NAME (start_NAME PORT) on a
# free port, PORT[NAME], and wait until it answers QNAME QTYPE with
# NOERROR (20 s); else print its logs ($T/NAME/*.log) and die.
server_up() {
	PORT[$1]=$(free_port)
	"start_$1" "${PORT[$1]}"
	wait_until 20 dns_noerror "${PORT[$1]}" "$2" "$3" || {
		cat "$T/$1"/*.log >&2 2>/dev/null || true
		die "$1 does not answer on port ${PORT[$1]}"
	}
}

# knot_bench_start PORT < REST: knotd on 127.0.0.1@PORT with one worker of
# each kind, run dir and pid file in $T/knot, its database in $T/knot/db;
# the rest of its config from stdin, going on from the database: section
# (more of its options, then log:, key:, template:, zone: ...). Stopped on
# exit; logs to $T/knot/knot.log.
knot_bench_start() {
	mkdir -p "$T/knot/db"
	{
		cat <<EOF
server:
    rundir: "$T/knot"
    pidfile: "$T/knot/knot.pid"
    listen: 127.0.0.1@$1
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$T/knot/db"
EOF
		cat
	} > "$T/knot/knot.conf"
	knotd -c "$T/knot/knot.conf" > "$T/knot/knot.log" 2>&1 &
	PIDS+=($!)
}

# ---------------------------------------------------------------- docker

# bench_docker_up: the Docker test environment of the system tests
# (tests/system/docker-env.sh, its state in $T/denv): an engine and the
# image stadion-test/busybox:latest. Sets DOCKER_UP=1: the caller's
# clean-up then removes its containers and calls docker_env_stop.
# shellcheck disable=SC2034  # read by the caller's clean-up
DOCKER_UP=0
bench_docker_up() {
	DOCKER_ENV_DIR=$T/denv
	mkdir -p "$DOCKER_ENV_DIR"
	# shellcheck source=tests/system/docker-env.sh
	. "$top/tests/system/docker-env.sh"
	# shellcheck disable=SC2034  # read by the caller's clean-up
	DOCKER_UP=1
	docker_env_engine || die "no Docker engine"
	docker_env_image || die "no image $TEST_IMAGE"
}

# ---------------------------------------------------------------- stadiond

# stadiond_health LOG: until stadiond answers GET /health on HTTP_PORT
# (10 s); else print LOG and die.
stadiond_health() {
	wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/health" ||
	    { cat "$1" >&2; die "stadiond did not start"; }
}

# stadion_dns_start PORT [ARGS...]: the stadiond of a DNS bench on
# 127.0.0.1@PORT, one DNS thread, state and log under $T/stadion, HTTP on
# a free port (HTTP_PORT); stopped on exit.
stadion_dns_start() {
	local port=$1
	shift
	HTTP_PORT=$(free_port)
	mkdir -p "$T/stadion/state" "$T/stadion/zones"
	"$STADIOND" -f --threads 1 --log-level warning \
	    --state-dir "$T/stadion/state" --zones-dir "$T/stadion/zones" \
	    --dns-listen "127.0.0.1:$port" --http-listen "127.0.0.1:$HTTP_PORT" \
	    "$@" > "$T/stadion/stadiond.log" 2>&1 &
	PIDS+=($!)
	stadiond_health "$T/stadion/stadiond.log"
}

# api METHOD PATH [BODY]: the body on stdout; fails on no answer.
api() {
	curl -sS --max-time 30 -X "$1" -H 'Content-Type: application/json' \
	    ${3:+--data "$3"} "http://127.0.0.1:$HTTP_PORT$2"
}

no_deployments() {
	[ "$(api GET /v2/deployments 2>/dev/null)" = "[]" ]
}

# The stadiond of an app bench: DAEMON_PID, its ports, its state dir, the
# apps daemon_stop deletes (DAEMON_APPS; none given: every app).
DAEMON_APPS=
DAEMON_PID=
HTTP_PORT=
DNS_PORT=
STATE=

# daemon_start DIR BLOCK ARGS...: stadiond with its state, zones and log
# under DIR, on free loopback ports (DNS_PORT, HTTP_PORT), its instances'
# host ports in a block of BLOCK free ones (PORT_LO-PORT_HI), ARGS added.
daemon_start() {
	local dir=$1 block=$2
	shift 2
	STATE=$dir/state
	mkdir -p "$STATE" "$dir/zones"
	DNS_PORT=$(free_port)
	HTTP_PORT=$(free_port)
	read -r PORT_LO PORT_HI < <(port_block "$block") || die "no block of free ports"
	"$STADIOND" -f --log-level notice \
	    --state-dir "$STATE" --zones-dir "$dir/zones" \
	    --dns-listen "127.0.0.1:$DNS_PORT" --http-listen "127.0.0.1:$HTTP_PORT" \
	    --port-range-min "$PORT_LO" --port-range-max "$PORT_HI" \
	    "$@" > "$dir/stadiond.log" 2>&1 &
	DAEMON_PID=$!
	stadiond_health "$dir/stadiond.log"
}

# proc_pids [APPID]: pids of the process driver's instances (of APPID) in
# the daemon's state dir.
proc_pids() {
	[ -n "$STATE" ] && [ -d "$STATE/proc" ] || return 0
	python3 - "$STATE/proc" "${1:-}" <<'EOF'
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*/record.json"):
    try:
        r = json.load(open(f))
    except (OSError, ValueError):
        continue
    if sys.argv[2] in ("", r.get("labels", {}).get("stadion.app")) and r.get("pid", 0) > 0:
        print(r["pid"])
EOF
}

# daemon_stop: delete the apps (DAEMON_APPS, or every app; instances
# outlive stadiond on purpose), wait for their deployments, stop stadiond,
# then kill what is left of the process driver's instances (each is the
# leader of its own process group).
daemon_stop() {
	local id ids=$DAEMON_APPS pid
	[ -n "$DAEMON_PID" ] || return 0
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		if [ -z "$ids" ]; then
			ids=$(api GET /v2/apps 2>/dev/null | python3 -c \
			    'import json, sys; print("\n".join(a["id"] for a in json.load(sys.stdin)["apps"]))' 2>/dev/null || true)
		fi
		for id in $ids; do
			api DELETE "/v2/apps$id?force=true" >/dev/null 2>&1 || true
		done
		[ -z "$ids" ] || wait_until 60 no_deployments || say "deployments left at exit"
		kill -TERM "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	for pid in $(proc_pids ""); do
		kill -KILL -- "-$pid" 2>/dev/null || true
	done
	DAEMON_PID=
}
