#!/usr/bin/env bash
# bench/health.sh -- CPU cost of stadion's health checker (src/health/)
# against HAProxy's health checks of the same 1,000 instances, on loopback.
#
#   bench/health.sh            (from the top of a tree built in _build/default)
#
# Targets: bench/health_targets.py, one python3 (asyncio) process on
# INSTANCES consecutive loopback ports, answers "GET /health" with 200 OK
# and closes; a connection without a request (a TCP check) is only
# counted. It counts requests and connections per target port, read over
# its control port at the start and the end of every measured window.
#
# Checkers, for each protocol in PROTOS (HTTP: GET /health; TCP: connect;
# CHECKERS picks and orders them):
#   stadion-burst   bench/health_bench.c (built here with cc against
#                   _build/default/libstadion.a): one event loop, health_new
#                   and INSTANCES watches (health_watch), intervalSeconds
#                   INTERVAL, started = now, delaySeconds 0: every first
#                   probe at once, so the checks come in bursts of
#                   INSTANCES every INTERVAL s (what stadiond does when it
#                   adopts that many running tasks at start);
#   stadion-spread  the same with delaySeconds i * INTERVAL / INSTANCES: the
#                   checks spread evenly over the interval (tasks started
#                   at different times; and how HAProxy spreads its own);
#   stadion-burst-dns0, stadion-spread-dns0   (not run by default) an
#                   experiment: the same, with every libcurl handle of the
#                   checker given CURLOPT_DNS_CACHE_TIMEOUT 0 (see
#                   health_bench.c), to measure what libcurl's DNS cache
#                   costs the HTTP checks;
#   haproxy         /usr/sbin/haproxy in the foreground, nbthread
#                   HAPROXY_THREADS, one backend of the INSTANCES servers
#                   "check inter INTERVALs" (HTTP: option httpchk GET
#                   /health), a frontend on a loopback port that gets no
#                   traffic, a stats socket.
# Each one warms up first: until every instance is healthy (stadion: all
# watches healthy; HAProxy: show stat says UP with L7OK or L4OK for all
# servers). Then the measured window of DURATION s: the checker's CPU time
# (stadion: getrusage(RUSAGE_SELF) in the driver; HAProxy: utime + stime of
# /proc/PID/stat) over the window's wall time, as % of one core; its
# context switches (getrusage; /proc/PID/status); and the checks per
# second: stadion's, the results its checker reported; HAProxy's HTTP
# checks, the requests the targets answered; HAProxy's TCP checks are
# half-open (SYN, SYN-ACK, RST: never accepted by the target), so they are
# counted by the kernel (ActiveOpens of /proc/net/snmp, the connects; it is
# system-wide and includes whatever else opens TCP connections on the
# machine; shown for every row). The targets also count the distinct ports
# probed in each window. For stadion, the driver also counts the turns of
# its loop (epoll_wait calls) and times each (the work between two
# epoll_wait calls): the longest turn is the longest the loop went without
# serving other events. Only the checker's process is counted, not the
# targets'.
#
# Prints a table with the ratio stadion/HAProxy of the CPU per check and
# whether the target (under 1% of a core for 1,000 instances checked every
# 10 s) is met.
#
# CPU figures on a small VM vary from window to window (the kernel's share
# of a wake-up, mostly): REPS rounds run every checker once each, in turn,
# and the table gives the total over the rounds with the range of single
# windows.
#
# Environment: INSTANCES (1000), INTERVAL (10), DURATION (60), REPS (1),
# PROTOS ("HTTP TCP"), CHECKERS ("stadion-burst stadion-spread haproxy"),
# WARMUP_MAX (60 s), HAPROXY (/usr/sbin/haproxy), HAPROXY_THREADS (1),
# STADION_LIB (_build/default/libstadion.a), CC (cc), KEEP=1 keeps the temp
# dir. Traffic goes to 127.0.0.1 only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# The knobs given, for the report's command line.
ENVLINE=
for v in INSTANCES INTERVAL DURATION REPS PROTOS CHECKERS WARMUP_MAX HAPROXY_THREADS; do
	[ -z "${!v+x}" ] || ENVLINE+="$v=\"${!v}\" "
done
CMDLINE="bench/health.sh"
INSTANCES=${INSTANCES:-1000}
INTERVAL=${INTERVAL:-10}
DURATION=${DURATION:-60}
PROTOS=${PROTOS:-HTTP TCP}
CHECKERS=${CHECKERS:-stadion-burst stadion-spread haproxy}
WARMUP_MAX=${WARMUP_MAX:-60}
REPS=${REPS:-1}
HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
HAPROXY_THREADS=${HAPROXY_THREADS:-1}
STADION_LIB=${STADION_LIB:-$top/_build/default/libstadion.a}
CC=${CC:-cc}
TARGET_PCT=1

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_tmpdir stadion-health-bench

# forget PID: it has ended (or is ended here), no need to stop it on exit.
forget() {
	local p keep=()
	for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}

command -v python3 >/dev/null || die "python3 not found"
command -v "$CC" >/dev/null || die "$CC not found"
[ -f "$STADION_LIB" ] || die "no $STADION_LIB: build first (contrib/run-tests.sh, or configure and make in _build/default)"
confdir=$(dirname "$STADION_LIB")
[ -f "$confdir/config.h" ] || die "no config.h beside $STADION_LIB"
case " $CHECKERS " in *" haproxy "*) [ -x "$HAPROXY" ] || die "no $HAPROXY (apt-get install haproxy)" ;; esac
# The library must hold what src/ holds now.
stale=$(find "$top/src/health" "$top/src/util/curlev.c" -newer "$STADION_LIB" -name '*.[ch]' 2>/dev/null | head -n 3 | tr '\n' ' ')
[ -z "$stale" ] || say "WARNING: newer than $STADION_LIB: $stale(rebuild it to measure them)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# ---------------------------------------------------------------- driver

deps="ldns libevent libevent_pthreads jansson lmdb libcurl"
# shellcheck disable=SC2086
cflags=$(pkg-config --cflags $deps 2>/dev/null || true)
# shellcheck disable=SC2086
libs=$(pkg-config --libs $deps 2>/dev/null || echo "-lldns -levent -levent_pthreads -ljansson -llmdb -lcurl")
say "building health_bench against $STADION_LIB"
# shellcheck disable=SC2086
"$CC" -O2 -g -Wall -Wextra -Wno-unused-parameter -I"$confdir" -I"$top/src" $cflags \
    -o "$T/health_bench" "$top/bench/health_bench.c" "$STADION_LIB" $libs -lpthread -lm ||
    die "cannot build bench/health_bench.c"

# ---------------------------------------------------------------- targets

python3 "$top/bench/health_targets.py" "$INSTANCES" "$T/targets.ready" > "$T/targets.log" 2>&1 &
TARGETS_PID=$!
PIDS+=("$TARGETS_PID")
for _ in $(seq 1 300); do
	[ -s "$T/targets.ready" ] && break
	kill -0 "$TARGETS_PID" 2>/dev/null || { cat "$T/targets.log" >&2; die "the targets did not start"; }
	sleep 0.1
done
[ -s "$T/targets.ready" ] || die "the targets did not start"
read -r FIRST CTL < "$T/targets.ready"
LAST=$((FIRST + INSTANCES - 1))
say "targets: $INSTANCES on 127.0.0.1:$FIRST-$LAST (pid $TARGETS_PID), control port $CTL"

# targets: the targets' counters as one JSON line (starts the next count of ports).
targets() {
	local line
	exec 9<>"/dev/tcp/127.0.0.1/$CTL"
	read -r line <&9
	exec 9<&-
	printf '%s\n' "$line"
}

# ---------------------------------------------------------------- stadion

: > "$T/results"

# run_stadion PROTO MODE [dns0]
run_stadion() {
	local proto=$1 mode=$2 dns=${3:-} spread=0 out name=stadion-$2 pid rc=0
	[ "$mode" = spread ] && spread=1
	[ -z "$dns" ] || name+=-$dns
	say "$name $proto: $INSTANCES watches every $INTERVAL s, warm-up, then $DURATION s"
	# In the background, so that a signal is acted on at once.
	HB_WARMUP_MAX=$WARMUP_MAX HB_CTL_PORT=$CTL HB_DNS_CACHE_TIMEOUT=${dns:+0} \
	    "$T/health_bench" "$proto" "$FIRST" "$INSTANCES" "$INTERVAL" "$DURATION" "$spread" \
	    > "$T/bench.out" 2>> "$T/health_bench.log" &
	pid=$!
	PIDS+=("$pid")
	wait "$pid" || rc=$?
	forget "$pid"
	grep -h "$proto" "$T/health_bench.log" | tail -n 3 | sed 's/^/bench: /' >&2
	[ "$rc" = 0 ] || { tail -n 20 "$T/health_bench.log" >&2; die "$name $proto: health_bench failed"; }
	out=$(grep '^RESULT ' "$T/bench.out") || die "$name $proto: no result"
	echo "${out#RESULT } checker=$name" >> "$T/results"
	: > "$T/health_bench.log"
}

# pause SECS: sleep, but let a signal in at once.
pause() {
	local pid
	sleep "$1" &
	pid=$!
	PIDS+=("$pid")
	wait "$pid" || true
	forget "$pid"
}

# ---------------------------------------------------------------- haproxy

# hastat SOCKET: one line "servers up l7ok l4ok chkfail" from show stat.
hastat() {
	python3 - "$1" <<'EOF'
import csv, io, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
rows = list(csv.reader(io.StringIO(data.decode().lstrip("# "))))
h = rows[0]
col = {k: i for i, k in enumerate(h)}
n = up = l7 = l4 = fail = 0
for r in rows[1:]:
    if len(r) < len(h) or r[col["pxname"]] != "be" or r[col["svname"]] in ("FRONTEND", "BACKEND"):
        continue
    n += 1
    up += r[col["status"]] == "UP"
    # "* L4OK": the last check passed and the next one is in progress.
    st = r[col["check_status"]].lstrip("* ")
    l7 += st == "L7OK"
    l4 += st == "L4OK"
    fail += int(r[col["chkfail"]] or 0)
print(n, up, l7, l4, fail)
EOF
}

# cpu_ticks PID: utime + stime of the process (all threads), clock ticks.
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}

# ctx_switches PID: voluntary + involuntary context switches of the process.
ctx_switches() {
	awk '/^(voluntary|nonvoluntary)_ctxt_switches:/ { n += $2 } END { print n }' "/proc/$1/status"
}

# tcp_opens: ActiveOpens PassiveOpens of /proc/net/snmp (system-wide).
tcp_opens() {
	awk '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) c[$i] = i; h = 1 }
	    else print $c["ActiveOpens"], $c["PassiveOpens"] }' /proc/net/snmp
}

now() { date +%s.%N; }

# run_haproxy PROTO
run_haproxy() {
	local proto=$1 d=$T/haproxy-$1 fe pid i n up l7 l4 fail0 fail1 ok_col c0 c1 t0 t1 tg0 tg1 start
	local x0 x1 ao0 po0 ao1 po1
	mkdir -p "$d"
	fe=$(free_port)
	{
		echo "global"
		echo "	nbthread $HAPROXY_THREADS"
		echo "	maxconn 4096"
		echo "	stats socket $d/stats.sock mode 600 level admin"
		echo "defaults"
		if [ "$proto" = HTTP ]; then echo "	mode http"; else echo "	mode tcp"; fi
		echo "	timeout connect 5s"
		echo "	timeout client 30s"
		echo "	timeout server 30s"
		echo "	timeout check 5s"
		echo "frontend fe"
		echo "	bind 127.0.0.1:$fe"
		echo "	default_backend be"
		echo "backend be"
		[ "$proto" = HTTP ] && echo "	option httpchk GET /health"
		echo "	default-server check inter ${INTERVAL}s"
		for ((i = 0; i < INSTANCES; i++)); do
			echo "	server s$i 127.0.0.1:$((FIRST + i))"
		done
	} > "$d/haproxy.cfg"
	"$HAPROXY" -c -q -f "$d/haproxy.cfg" || die "haproxy: bad configuration $d/haproxy.cfg"
	say "haproxy $proto: $INSTANCES servers, check inter ${INTERVAL}s, nbthread $HAPROXY_THREADS, warm-up, then $DURATION s"
	start=$(now)
	"$HAPROXY" -db -f "$d/haproxy.cfg" > "$d/haproxy.log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	ok_col=3
	[ "$proto" = TCP ] && ok_col=4
	# Warm-up: every server checked once and UP.
	for _ in $(seq 1 $((WARMUP_MAX * 5))); do
		kill -0 "$pid" 2>/dev/null || { cat "$d/haproxy.log" >&2; die "haproxy ended"; }
		if [ -S "$d/stats.sock" ] && read -r n up l7 l4 fail0 < <(hastat "$d/stats.sock" 2>/dev/null) &&
		    [ "$n" = "$INSTANCES" ] && [ "$up" = "$INSTANCES" ] &&
		    [ "$(echo "$n $up $l7 $l4" | cut -d' ' -f"$ok_col")" = "$INSTANCES" ]; then
			break
		fi
		sleep 0.2
	done
	read -r n up l7 l4 fail0 < <(hastat "$d/stats.sock")
	if [ "$up" != "$INSTANCES" ] || [ "$(echo "$n $up $l7 $l4" | cut -d' ' -f"$ok_col")" != "$INSTANCES" ]; then
		die "haproxy $proto: after $WARMUP_MAX s: $n servers, $up UP, $l7 L7OK, $l4 L4OK"
	fi
	say "haproxy $proto: all $INSTANCES UP after $(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }') s"
	pause 1
	tg0=$(targets)
	read -r ao0 po0 < <(tcp_opens)
	x0=$(ctx_switches "$pid")
	c0=$(cpu_ticks "$pid")
	t0=$(now)
	say "haproxy $proto: measuring for $DURATION s"
	pause "$DURATION"
	c1=$(cpu_ticks "$pid")
	t1=$(now)
	x1=$(ctx_switches "$pid")
	read -r ao1 po1 < <(tcp_opens)
	tg1=$(targets)
	read -r n up l7 l4 fail1 < <(hastat "$d/stats.sock")
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	forget "$pid"
	python3 - "$proto" "$t0" "$t1" "$c0" "$c1" "$(getconf CLK_TCK)" "$tg0" "$tg1" \
	    "$up" "$(echo "$n $up $l7 $l4" | cut -d' ' -f"$ok_col")" "$((fail1 - fail0))" "$INSTANCES" \
	    "$((ao1 - ao0))" "$((po1 - po0))" "$((x1 - x0))" >> "$T/results" <<'EOF'
import json, sys
proto, t0, t1, c0, c1, tck, g0, g1, up, okst, fails, n, ao, po, ctx = sys.argv[1:16]
w = float(t1) - float(t0)
cpu = (int(c1) - int(c0)) / int(tck)
g0, g1 = json.loads(g0), json.loads(g1)
# HTTP: the requests the targets answered; TCP: half-open checks that only
# the kernel sees.
checks = g1["http"] - g0["http"] if proto == "HTTP" else int(ao)
print("proto=%s window_s=%.3f checks=%d checks_per_s=%.2f cpu_s=%.4f cpu_pct=%.4f "
      "us_per_check=%.1f proc_ticks=%d tgt_conns=%d tgt_http=%d tgt_ports_http=%d "
      "tgt_ports_conn=%d up=%s okstatus=%s fail=%s n=%s active_opens=%s passive_opens=%s "
      "ctxsw=%s checker=haproxy"
      % (proto, w, checks, checks / w, cpu, 100 * cpu / w,
         1e6 * cpu / checks if checks else 0, int(c1) - int(c0),
         g1["conns"] - g0["conns"], g1["http"] - g0["http"], g1["ports_http"],
         g1["ports_conn"], up, okst, fails, n, ao, po, ctx))
EOF
}

# ---------------------------------------------------------------- run

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
for c in $CHECKERS; do
	case $c in stadion-burst|stadion-spread|stadion-burst-dns0|stadion-spread-dns0|haproxy) ;;
	*) die "unknown checker $c" ;; esac
done
for proto in $PROTOS; do
	case $proto in HTTP|TCP) ;; *) die "unknown protocol $proto" ;; esac
done
# Rounds: every checker once per round, so that all see the same machine.
for rep in $(seq 1 "$REPS"); do
	for proto in $PROTOS; do
		for c in $CHECKERS; do
			say "round $rep of $REPS"
			case $c in
			stadion-burst) run_stadion "$proto" burst ;;
			stadion-spread) run_stadion "$proto" spread ;;
			# libcurl's DNS cache is for HTTP checks only.
			stadion-*-dns0) [ "$proto" = TCP ] || run_stadion "$proto" "$(echo "$c" | cut -d- -f2)" dns0 ;;
			haproxy) run_haproxy "$proto" ;;
			esac
		done
	done
done
END_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- report

echo
echo "health: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); command: ${ENVLINE}$CMDLINE"
echo "$(nproc) CPUs, $(uname -r); stadion $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?');" \
    "$("$HAPROXY" -v 2>/dev/null | head -n 1 | cut -d' ' -f1-3); $(curl-config --version 2>/dev/null || echo libcurl);" \
    "load average at the start: $START_LOAD, at the end: $END_LOAD"
echo "$INSTANCES instances on loopback, checked every $INTERVAL s; $REPS round(s) of windows of $DURATION s after the warm-up;" \
    "CPU of the checker's process only (stadion: getrusage; HAProxy: /proc/PID/stat, nbthread $HAPROXY_THREADS)"
python3 - "$T/results" "$INSTANCES" "$INTERVAL" "$TARGET_PCT" <<'EOF'
import sys
rows = [dict(kv.split("=", 1) for kv in line.split()) for line in open(sys.argv[1]) if line.strip()]
n, interval, target = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])

# One line per checker and protocol, over its windows (rounds).
groups = {}
for r in rows:
    groups.setdefault((r["proto"], r["checker"]), []).append(r)
agg = {}
for (proto, name), rs in groups.items():
    g = {"proto": proto, "checker": name, "windows": len(rs)}
    tot = lambda k: sum(float(r.get(k, 0)) for r in rs)
    g["wall"], g["cpu"], g["checks"] = tot("window_s"), tot("cpu_s"), int(tot("checks"))
    g["fail"], g["ctxsw"] = int(tot("fail")), int(tot("ctxsw"))
    g["connects"] = int(tot("active_opens"))
    g["pct"] = 100 * g["cpu"] / g["wall"]
    g["pcts"] = [float(r["cpu_pct"]) for r in rs]
    g["rate"] = g["checks"] / g["wall"]
    g["us"] = 1e6 * g["cpu"] / g["checks"] if g["checks"] else float("nan")
    key, pkey = ("http", "http") if proto == "HTTP" else ("conns", "conn")
    g["tgt"] = int(tot("tgt_" + key))
    g["ports"] = min(int(r.get("tgt_ports_" + pkey, 0)) for r in rs)
    notes = []
    if name.startswith("stadion"):
        g["turn"] = "%.1f ms" % max(float(r["max_turn_ms"]) for r in rs)
        g["turns"] = "%.2f" % (tot("turns") / g["checks"]) if g["checks"] else "-"
        if tot("changes"):
            notes.append("%d status changes" % tot("changes"))
    else:
        g["turn"] = g["turns"] = "-"
        bad = [r for r in rs if r["up"] != r["n"] or r["okstatus"] != r["n"]]
        if bad:
            notes.append("a window ended with only %s UP, %s checked OK" % (bad[0]["up"], bad[0]["okstatus"]))
        if proto == "TCP":
            notes.append("half-open checks, counted by connects")
    g["notes"] = notes
    agg[(proto, name)] = g

print()
print("%-19s %-5s %3s %7s %8s %6s %7s %5s %8s %9s %11s %8s %7s %5s %8s  %s" % (
    "checker", "proto", "win", "checks", "checks/s", "failed", "target", "ports", "connects",
    "CPU%core", "range", "us/check", "ctx/chk", "turns", "max turn", "notes"))
for g in agg.values():
    print("%-19s %-5s %3d %7d %8.1f %6d %7d %5d %8d %9.3f %11s %8.1f %7.2f %5s %8s  %s" % (
        g["checker"], g["proto"], g["windows"], g["checks"], g["rate"], g["fail"], g["tgt"],
        g["ports"], g["connects"], g["pct"],
        "%.2f-%.2f" % (min(g["pcts"]), max(g["pcts"])), g["us"],
        g["ctxsw"] / g["checks"] if g["checks"] else 0, g["turns"], g["turn"],
        "; ".join(g["notes"])))
print("win: measured windows; checks: stadion's results, HAProxy's requests answered (HTTP) or connects (TCP);")
print("target: requests (HTTP) or connections (TCP) the targets counted; ports: distinct targets probed (fewest")
print("in a window); connects: the kernel's ActiveOpens (system-wide); CPU%core: CPU time over wall time of all")
print("windows, range: of single windows; ctx/chk: context switches of the checker per check; turns: loop turns")
print("(epoll_wait calls) per check; max turn: the longest work between two epoll_wait calls in stadion's loop.")

print()
print("ratio stadion/HAProxy of the CPU (% of a core; the check rates are the same):")
for proto in ("HTTP", "TCP"):
    ha = agg.get((proto, "haproxy"))
    for g in agg.values():
        if g["proto"] != proto or not g["checker"].startswith("stadion") or ha is None:
            continue
        print("  %-5s %-19s %6.3f%% / %6.3f%% = %5.2f   (per check: %.1f / %.1f us)" % (
            proto, g["checker"], g["pct"], ha["pct"],
            g["pct"] / ha["pct"] if ha["pct"] else float("nan"), g["us"], ha["us"]))
print()
if n == 1000 and interval == 10:
    print("target: under %g%% of a core for 1,000 instances checked every 10 s:" % target)
    for g in agg.values():
        if g["checker"].startswith("stadion"):
            print("  %-5s %-19s %6.3f%% of a core: %s" % (
                g["proto"], g["checker"], g["pct"], "met" if g["pct"] < target else "NOT met"))
else:
    print("target (under %g%% of a core for 1,000 instances every 10 s): not judged, "
          "this run has %d instances every %g s" % (target, n, interval))
EOF
