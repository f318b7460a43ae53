# shellcheck shell=bash
# lib.sh -- shared helpers of the system tests (sourced, bash only).
#
# A test sources this file, calls need_tools for the clients it uses, then
# start_daemon. Every test gets its own temp dir ($T) with the state dir and
# the zones dir, and its own random loopback ports ($DNS_PORT, $HTTP_PORT).
# On exit the daemon is stopped; when the test failed its log is printed.
#
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (a client tool is
# missing; under CI=true or STADION_NO_SKIP=1 a missing tool fails instead).
#
# Environment: top_builddir / top_srcdir (set by make check), STADIOND (binary
# to test), STADION_KEEP_TMP=1 (keep the temp dir), STADION_TEST_TIMEOUT
# (seconds before a hung test is killed, default 300).

set -u

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${STADIOND:=$top_builddir/src/stadiond}"
TEST_NAME=$(basename "$0" .sh)
SYSTEM_DIR=$top_srcdir/tests/system

# Sanitizer builds: a UBSan report comes with its stack.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"

T=$(mktemp -d "${TMPDIR:-/tmp}/stadion-$TEST_NAME.XXXXXX") || exit 99
DAEMON_PID=
DAEMON_LOG=$T/stadiond.log
DAEMON_ARGS=()
DNS_PORT=
HTTP_PORT=
WATCHDOG_PID=
FAILED=0
: > "$DAEMON_LOG"
mkdir -p "$T/state" "$T/zones"

# ---------------------------------------------------------------- reporting

log() { printf '%s: %s\n' "$TEST_NAME" "$*"; }

print_daemon_log() {
	[ -s "$DAEMON_LOG" ] || return 0
	echo "----- stadiond log ($DAEMON_LOG, last 200 lines) -----"
	tail -n 200 "$DAEMON_LOG"
	echo "----- end of stadiond log -----"
}

# fail MESSAGE...: report and exit 1 (the EXIT trap prints the log).
fail() {
	FAILED=1
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# check DESCRIPTION COMMAND...: run COMMAND, fail with DESCRIPTION unless it succeeds.
check() {
	local what=$1
	shift
	if "$@"; then
		log "ok - $what"
	else
		fail "$what"
	fi
}

skip() {
	printf '%s: SKIP: %s\n' "$TEST_NAME" "$*"
	exit 77
}

# need_tools TOOL...: skip (77) when a client is missing, but fail under CI
# where everything is installed, so that nothing is skipped silently there.
need_tools() {
	local t missing=
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -z "$missing" ] && return 0
	if [ "${CI:-}" = true ] || [ "${STADION_NO_SKIP:-0}" = 1 ]; then
		fail "missing tools:$missing"
	fi
	skip "missing tools:$missing"
}

_daemon_sanitizer_errors() {
	grep -E 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' \
	    "$DAEMON_LOG" 2>/dev/null
}

_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		local i
		for i in $(seq 1 50); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	# A sanitizer report fails the test even when every check passed.
	if [ "$rc" -eq 0 ] && _daemon_sanitizer_errors >/dev/null; then
		echo "$TEST_NAME: FAIL: sanitizer report in the daemon log" >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		print_daemon_log >&2
	fi
	if [ "${STADION_KEEP_TMP:-0}" = 1 ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "${CI:-}" != true ]; }; then
		echo "$TEST_NAME: temp dir kept: $T" >&2
	else
		rm -rf "$T"
	fi
	[ "$rc" -eq 0 ] && log "PASS"
	exit "$rc"
}
trap _cleanup EXIT
trap 'fail "interrupted"' INT TERM

# A hung daemon or client must not hang the suite.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "${STADION_TEST_TIMEOUT:-300}" &
	sp=$!
	wait "$sp" || exit 0
	echo "$TEST_NAME: FAIL: timed out after ${STADION_TEST_TIMEOUT:-300} s" >&2
	kill -TERM $$
) &
WATCHDOG_PID=$!

# ---------------------------------------------------------------- ports

# free_port: print a loopback port free for both TCP and UDP right now.
free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 "$SYSTEM_DIR/free_port.py"
	else
		local p
		for _ in $(seq 1 50); do
			p=$((20000 + RANDOM % 41000))
			if ! { command -v ss >/dev/null && ss -Hlntu "( sport = :$p )" | grep -q .; }; then
				echo "$p"
				return 0
			fi
		done
		return 1
	fi
}

# loopback_53_free ADDR: port 53 of ADDR is free (and ours to bind) for
# TCP and UDP.
loopback_53_free() {
	python3 - "$1" <<'EOF'
import socket, sys
for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, t)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((sys.argv[1], 53))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}

# loopback_53_addr: print a random 127.x.y.z whose port 53 is free (40
# tries; none: status 1).
loopback_53_addr() {
	local a
	for _ in $(seq 1 40); do
		a=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))
		if loopback_53_free "$a"; then
			echo "$a"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------- daemon

# Host ports of app instances: a block of 200 of this test's own, so that
# tests running side by side do not hand out each other's ports (stadiond
# also passes over ports that are bound on the host).
APP_PORT_MIN=$((21000 + (RANDOM % 190) * 200))
APP_PORT_MAX=$((APP_PORT_MIN + 199))

# _daemon_cmd: the stadiond command line for this test's ports and dirs.
# Names outside the zones are not forwarded (the host's resolvers are not
# on the loopback): a test that forwards gives --forwarder and
# --recursion-allow, whose networks add to this "none".
_daemon_cmd() {
	DAEMON_CMD=("$STADIOND" -f --state-dir "$T/state" --zones-dir "$T/zones"
	    --dns-listen "127.0.0.1:$DNS_PORT" --http-listen "127.0.0.1:$HTTP_PORT"
	    --port-range-min "$APP_PORT_MIN" --port-range-max "$APP_PORT_MAX"
	    --recursion-allow none --log-level debug "${DAEMON_ARGS[@]}")
	# DNS_V6=1: also listen on [::1] (same port).
	if [ "${DNS_V6:-0}" = 1 ]; then
		DAEMON_CMD+=(--dns-listen "[::1]:$DNS_PORT")
	fi
}

# have_ipv6: the loopback has ::1.
have_ipv6() {
	python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null
}

# wait_health SECONDS: poll GET /health until it answers 200.
wait_health() {
	local deadline=$((SECONDS + $1)) code
	while [ $SECONDS -lt $deadline ]; do
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			wait "$DAEMON_PID" 2>/dev/null
			log "stadiond exited during start-up (status $?)"
			DAEMON_PID=
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
		    "http://127.0.0.1:$HTTP_PORT/health" 2>/dev/null)
		[ "$code" = 200 ] && return 0
		sleep 0.1
	done
	log "no answer on /health after $1 s"
	return 1
}

# start_daemon [ARGS...]: start stadiond in the background on fresh random
# ports (kept across restarts) and wait until /health answers. Extra ARGS
# are remembered for restart_daemon. Retries with other ports when a port
# was taken in the meantime.
start_daemon() {
	[ -x "$STADIOND" ] || fail "no daemon binary at $STADIOND (build first)"
	DAEMON_ARGS=("$@")
	local attempt
	for attempt in 1 2 3; do
		DNS_PORT=$(free_port) && HTTP_PORT=$(free_port) || fail "no free port"
		[ "$DNS_PORT" != "$HTTP_PORT" ] || continue
		_launch && return 0
		grep -qiE 'in use|cannot bind|cannot serve' "$DAEMON_LOG" || break
		log "start-up failed, retrying on other ports"
	done
	fail "stadiond did not start: ${DAEMON_CMD[*]}"
}

_launch() {
	_daemon_cmd
	echo "### $(date '+%T') ${DAEMON_CMD[*]}" >> "$DAEMON_LOG"
	"${DAEMON_CMD[@]}" >> "$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	wait_health "${STADION_START_TIMEOUT:-30}"
}

# stop_daemon: SIGTERM, wait, and require a clean exit (status 0).
stop_daemon() {
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || fail "stadiond is not running"
	local i status
	for i in $(seq 1 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID"
		DAEMON_PID=
		fail "stadiond did not stop within 10 s of SIGTERM"
	fi
	wait "$DAEMON_PID"
	status=$?
	DAEMON_PID=
	[ "$status" -eq 0 ] || fail "stadiond exited with status $status after SIGTERM"
	log "ok - stadiond stopped cleanly"
}

# restart_daemon: stop, then start again on the same ports and state dir.
restart_daemon() {
	stop_daemon
	_launch || fail "stadiond did not start again: ${DAEMON_CMD[*]}"
}

# crash_daemon: kill -9, as a crash would (nothing is cleaned up).
crash_daemon() {
	[ -n "$DAEMON_PID" ] || fail "stadiond is not running"
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	log "stadiond killed with SIGKILL"
}

# relaunch_daemon: start again on the same ports and state dir, after
# stop_daemon or crash_daemon.
relaunch_daemon() {
	_launch || fail "stadiond did not start again: ${DAEMON_CMD[*]}"
}

# daemon_alive: fail unless the daemon still runs.
daemon_alive() {
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}

# ---------------------------------------------------------------- HTTP

# http METHOD PATH [BODY]: sets HTTP_CODE, HTTP_BODY and HTTP_HEADERS.
http() {
	local method=$1 path=$2
	shift 2
	local args=(-s -S --max-time 20 -X "$method" -o "$T/http.body" -D "$T/http.headers"
	    -w '%{http_code}')
	if [ $# -gt 0 ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$1")
	fi
	HTTP_CODE=$(curl "${args[@]}" "http://127.0.0.1:$HTTP_PORT$path") || HTTP_CODE=000
	HTTP_BODY=$(cat "$T/http.body" 2>/dev/null)
	HTTP_HEADERS=$(tr -d '\r' < "$T/http.headers" 2>/dev/null)
}

# header NAME: value of a response header of the last http call.
header() {
	printf '%s\n' "$HTTP_HEADERS" | awk -v n="$(echo "$1" | tr 'A-Z' 'a-z')" '
	    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) {
	      v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v } }' | tail -n 1
}

# expect_http CODE METHOD PATH [BODY]: http call that must answer CODE.
expect_http() {
	local want=$1
	shift
	http "$@"
	[ "$HTTP_CODE" = "$want" ] ||
	    fail "$1 $2 answered $HTTP_CODE, expected $want: $HTTP_BODY"
}

# instance_json ID ADDRESS PORT [WEIGHT [HEALTH [PORTNAME]]]
instance_json() {
	local id=$1 addr=$2 port=$3 weight=${4:-1} health=${5:-none} pname=${6:-http}
	printf '{"id":"%s","address":"%s","ports":[{"port":%s,"name":"%s","protocol":"tcp"}],"weight":%s,"health":"%s"}' \
	    "$id" "$addr" "$port" "$pname" "$weight" "$health"
}

# register SERVICE ID ADDRESS PORT [WEIGHT [HEALTH [PORTNAME]]]: POST, expect 201.
register() {
	local svc=$1
	shift
	expect_http 201 POST "/v1/services/$svc/instances" "$(instance_json "$@")"
}

# index_now: the registry index (X-Stadion-Index of GET /v1/services).
index_now() {
	http GET /v1/services
	[ "$HTTP_CODE" = 200 ] || fail "GET /v1/services answered $HTTP_CODE"
	local idx
	idx=$(header X-Stadion-Index)
	[[ "$idx" =~ ^[0-9]+$ ]] || fail "no X-Stadion-Index header in: $HTTP_HEADERS"
	echo "$idx"
}

# ---------------------------------------------------------------- DNS

# q ARGS...: dig against the daemon (no ~/.digrc, short timeouts).
q() {
	dig -r @127.0.0.1 -p "$DNS_PORT" +time=3 +tries=1 +norec "$@"
}

# kq ARGS...: kdig against the daemon.
kq() {
	kdig @127.0.0.1 -p "$DNS_PORT" +time=3 +retry=0 +norec "$@"
}

# q_short NAME TYPE [ARGS...]: answer data, sorted, one per line.
q_short() {
	q +short "$@" | sort
}

# dig_status OUTPUT: the rcode in a dig or kdig answer.
dig_status() {
	printf '%s\n' "$1" | sed -n 's/.*status: \([A-Z]*\).*/\1/p' | head -n 1
}

# dig_flags OUTPUT: the header flags (" qr aa rd ") of a dig or kdig answer.
dig_flags() {
	printf '%s\n' "$1" | sed -n 's/.*[Ff]lags: \([a-z ]*\);.*/ \1 /p' | head -n 1
}

# dig_count OUTPUT SECTION: ANSWER/AUTHORITY/ADDITIONAL count from the header.
dig_count() {
	printf '%s\n' "$1" | sed -n "s/.*$2: \\([0-9]*\\).*/\\1/p" | head -n 1
}

# dig_section OUTPUT SECTION: the records of a section of a dig answer
# (SECTION: ANSWER, AUTHORITY or ADDITIONAL), comments stripped.
dig_section() {
	printf '%s\n' "$1" | awk -v s=";; $2 SECTION:" '
	    index($0, s) == 1 { on = 1; next }
	    on && /^$/ { exit }
	    on && !/^;/ { print }'
}

# count_rr OUTPUT TYPE: records of TYPE in a dig or kdig answer (all sections).
count_rr() {
	printf '%s\n' "$1" | awk -v t="$2" '!/^;/ && NF >= 5 && $4 == t { n++ } END { print n + 0 }'
}

# rr_types RECORDS: the distinct record types of presentation-form records.
rr_types() {
	printf '%s\n' "$1" | awk 'NF >= 4 { print $4 }' | sort -u
}

# soa_serial ZONE: the serial of ZONE's SOA.
soa_serial() {
	local s
	s=$(q +short "$1" SOA | awk '{ print $3 }')
	[[ "$s" =~ ^[0-9]+$ ]] || fail "no SOA serial for $1"
	echo "$s"
}

# expect_status WANT OUTPUT WHAT
expect_status() {
	local got
	got=$(dig_status "$2")
	[ "$got" = "$1" ] || { printf '%s\n' "$2" >&2; fail "$3: status $got, expected $1"; }
	log "ok - $3: $1"
}

# has_flag OUTPUT FLAG
has_flag() {
	case "$(dig_flags "$1")" in *" $2 "*) return 0 ;; esac
	return 1
}

# ---------------------------------------------------------------- stadionctl

# stadionctl_run ARGS...: run $STADIONCTL; sets OUT, ERR and RC. A
# sanitizer report fails the test.
stadionctl_run() {
	"$STADIONCTL" "$@" > "$T/out" 2> "$T/err"
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	if grep -qE 'Sanitizer|runtime error:' "$T/err"; then
		cat "$T/err" >&2
		fail "sanitizer report from: stadionctl $*"
	fi
}

# expect_rc CODE WHAT: the last stadionctl_run exited with CODE.
expect_rc() {
	[ "$RC" = "$1" ] || fail "$2: exit $RC, expected $1; stdout: $OUT; stderr: $ERR"
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
