#!/usr/bin/env bash
# bench/forward-qps.sh -- forwarded queries per second with a warm cache:
# stadiond against unbound and dnsmasq, forwarding to the same upstream, on
# loopback.
#
#   bench/forward-qps.sh        (from the top of a built tree, or
#                                STADIOND=path/to/stadiond)
#
# Upstream: NSD on a free loopback port serving fwd.test, written by the
# script: NAMES names h<i> (the warm set) and, for each of REPS rounds, COLD
# names c<round>-<i> (the cold sets), one A record each, TTL 3600, so
# nothing expires during a run.
# Forwarders, each on its own free loopback port, all forwarding every name
# to NSD:
#   stadion: stadiond --forwarder 127.0.0.1:NSD --recursion-allow 127.0.0.0/8,
#            --threads THREADS (default: none given, i.e. one per core),
#            cache 4 MiB (its default);
#   unbound: foreground, a config in the temp dir: forward-zone "." to NSD,
#            do-not-query-localhost: no, module-config: iterator (no
#            validator, no trust anchor), access-control 127.0.0.0/8,
#            local-zone "test." nodefault (else test. is NXDOMAIN),
#            num-threads THREADS (default: as many as stadiond's workers),
#            its default caches (4 MiB messages, 4 MiB RRsets);
#   dnsmasq: -k --no-resolv --no-hosts --server=127.0.0.1#NSD,
#            --cache-size 10000 (the hard limit in its manual), --dns-forward-max 1000 (above
#            the client's queries in flight); one thread, as dnsmasq is.
# Every forwarder is checked to answer h0 (a warm name: the cold set stays
# cold).
#
# Runs, each forwarder in turn, the same dnsperf client settings
# (-c CLIENTS -T DNSPERF_THREADS -q OUTSTANDING -t 2), the same query files:
#   first pass: every warm name once (dnsperf -n 1): fills the cache, and is
#               a small cold case over NAMES names;
#   throughput: REPS rounds of DURATION s per forwarder over the warm names,
#               now all cached, the forwarders' order rotated every round;
#               qps, average latency and its standard deviation as dnsperf
#               reports them (medians over the rounds, and the range of the
#               qps); the forwarder's CPU time (/proc/PID/stat, all threads)
#               over the run; NSD's query counter (nsd-control over a unix
#               socket) before and after: the upstream queries the run
#               caused (0: all answered from the cache);
#   latency:    LAT_DURATION s at a fixed LAT_QPS (default: half the lowest
#               median warm throughput), every latency logged (dnsperf -v):
#               the 50th and 99th percentiles;
#   cold:       REPS rounds, each over that round's COLD new names once
#               (dnsperf -n 1): every query goes to NSD. After all the warm
#               rounds, so that the cold names cannot push warm ones out of a
#               cache.
# Then the ratios of the medians stadion/unbound and stadion/dnsmasq.
#
# Environment: STADIOND (default ./src/stadiond, else _build/bench or
# _build/default), NAMES (1000), REPS (3), COLD ((9000 - NAMES) / REPS, so
# that NAMES + REPS x COLD stay within dnsmasq's 10000-name cache; 0: no
# cold run), DURATION (20), CLIENTS (4), OUTSTANDING (200), DNSPERF_THREADS
# (1), LAT_DURATION (5), LAT_QPS, THREADS (worker threads of stadiond and
# unbound; default: stadiond its own default, unbound the number of CPUs),
# SERVERS (default "stadion unbound dnsmasq"; one not installed is left out
# with a note), PIN=SERVER_CPUS:CLIENT_CPUS pins the forwarders and dnsperf
# with taskset (e.g. THREADS=1 PIN=1:0: a core each), KEEP=1 keeps the temp
# dir. Traffic goes to 127.0.0.1 only. By default nothing is pinned: the
# forwarders, NSD and dnsperf share the machine's CPUs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${STADIOND:-}" ]; then
	STADIOND=$top/src/stadiond
	for b in "$top/_build/bench/src/stadiond" "$top/_build/default/src/stadiond"; do
		[ -x "$STADIOND" ] || STADIOND=$b
	done
fi
NAMES=${NAMES:-1000}
DURATION=${DURATION:-20}
REPS=${REPS:-3}
# Every cold name once, and all of them and the warm ones within dnsmasq's
# 10000-name cache: past it, dnsmasq's cold passes slow down several times.
COLD=${COLD:-$(( (9000 - NAMES) / REPS ))}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-200}
DNSPERF_THREADS=${DNSPERF_THREADS:-1}
LAT_DURATION=${LAT_DURATION:-5}
LAT_QPS=${LAT_QPS:-}
THREADS=${THREADS:-}
PIN=${PIN:-}
SERVERS=${SERVERS:-stadion unbound dnsmasq}
CMD="bench/forward-qps.sh"
for v in STADIOND NAMES COLD DURATION REPS CLIENTS OUTSTANDING DNSPERF_THREADS LAT_DURATION LAT_QPS THREADS PIN SERVERS; do
	case " $(env | sed 's/=.*//' | tr '\n' ' ') " in
	*" $v "*) CMD="$v=$(printf '%q' "${!v}") $CMD" ;;
	esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/stadion-fwdbench.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-0}" = 1 ]; then echo "bench: kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need() {
	command -v "$1" >/dev/null 2>&1 || die "$1 not found (apt-get install $2)"
}
need dnsperf dnsperf
need dig bind9-dnsutils
need python3 python3
need nsd nsd
need nsd-control nsd
NOTES=()
servers=
for s in $SERVERS; do
	case $s in
	stadion) [ -x "$STADIOND" ] || die "no $STADIOND: build first, or set STADIOND" ;;
	unbound | dnsmasq)
		if ! command -v "$s" >/dev/null 2>&1; then
			NOTES+=("$s not installed (apt-get install ${s/dnsmasq/dnsmasq-base}): left out")
			say "${NOTES[-1]}"
			continue
		fi ;;
	*) die "unknown server $s" ;;
	esac
	servers="$servers $s"
done
SERVERS=${servers# }

NCPU=$(nproc)
# stadiond's default: one worker per core; unbound gets as many.
UB_THREADS=${THREADS:-$NCPU}
SD_THREADS=()
[ -z "$THREADS" ] || SD_THREADS=(--threads "$THREADS")
# PIN=SERVER_CPUS:CLIENT_CPUS: the forwarders on the first, dnsperf on the
# second (taskset lists); NSD is left alone.
SRV_PIN=()
CLI_PIN=()
if [ -n "$PIN" ]; then
	need taskset util-linux
	case $PIN in
	?*:?*) SRV_PIN=(taskset -c "${PIN%%:*}"); CLI_PIN=(taskset -c "${PIN#*:}") ;;
	*) die "PIN is SERVER_CPUS:CLIENT_CPUS, e.g. 1:0" ;;
	esac
fi

free_port() {
	python3 "$top/tests/system/free_port.py"
}

# wait_dns PORT NAME [+norec]: until the server answers NAME with NOERROR.
wait_dns() {
	local _
	for _ in $(seq 1 100); do
		if dig -r @127.0.0.1 -p "$1" +time=1 +tries=1 ${3:+"$3"} "$2" A 2>/dev/null |
		    grep -q 'status: NOERROR'; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# ---------------------------------------------------------------- data

mkdir -p "$T/zone" "$T/nsd" "$T/stadion/state" "$T/stadion/zones" "$T/unbound" "$T/dnsmasq"
say "generating fwd.test: $NAMES warm names, $REPS x $COLD cold names"
python3 - "$NAMES" "$COLD" "$REPS" "$T" <<'EOF'
import random, sys
n, cold, reps, t = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def addr(base, i):
    return "10.%d.%d.%d" % (base + i // 65536, i // 256 % 256, i % 256)
files = [("warm", ["h%d" % i for i in range(n)])]
files += [("cold%d" % r, ["c%d-%d" % (r, i) for i in range(cold)])
          for r in range(1, reps + 1)]
with open(t + "/zone/fwd.test.zone", "w") as z:
    z.write("$ORIGIN fwd.test.\n$TTL 3600\n"
            "@ IN SOA ns1 hostmaster 1 3600 900 86400 3600\n"
            "@ IN NS ns1\nns1 IN A 127.0.0.1\n")
    for k, (_, names) in enumerate(files):
        for i, h in enumerate(names):
            z.write("%s IN A %s\n" % (h, addr(k * 4, i)))
for name, names in files:
    q = ["%s.fwd.test A" % h for h in names]
    random.Random(42).shuffle(q)
    with open("%s/%s.txt" % (t, name), "w") as f:
        f.write("".join(x + "\n" for x in q))
EOF
# ---------------------------------------------------------------- servers

start_nsd() {
	local port=$1
	cat > "$T/nsd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1@$port
	port: $port
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$T/zone"
	database: ""
	pidfile: "$T/nsd/nsd.pid"
	xfrdfile: "$T/nsd/xfrd.state"
	zonelistfile: "$T/nsd/zone.list"
	logfile: "$T/nsd/nsd.log"
	verbosity: 1
	do-ip6: no
	# NSD's own rate limit would hold back the forwarders' queries.
	rrl-ratelimit: 0
remote-control:
	control-enable: yes
	control-interface: "$T/nsd/nsd.ctl"
zone:
	name: fwd.test
	zonefile: "$T/zone/fwd.test.zone"
EOF
	nsd -d -c "$T/nsd/nsd.conf" >> "$T/nsd/nsd.log" 2>&1 &
	PIDS+=($!)
}

# nsd_queries: the queries NSD has answered so far.
nsd_queries() {
	nsd-control -c "$T/nsd/nsd.conf" stats_noreset 2>/dev/null |
	    sed -n 's/^num\.queries=//p'
}

start_stadion() {
	local port=$1 http
	http=$(free_port)
	"${SRV_PIN[@]}" "$STADIOND" -f "${SD_THREADS[@]}" --log-level warning \
	    --state-dir "$T/stadion/state" --zones-dir "$T/stadion/zones" \
	    --dns-listen "127.0.0.1:$port" --http-listen "127.0.0.1:$http" \
	    --forwarder "127.0.0.1:$NSD_PORT" --recursion-allow 127.0.0.0/8 \
	    > "$T/stadion/stadiond.log" 2>&1 &
	PIDS+=($!)
	SPID[stadion]=$!
}

start_unbound() {
	local port=$1
	cat > "$T/unbound/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $port
	do-ip6: no
	num-threads: $UB_THREADS
	username: ""
	chroot: ""
	directory: "$T/unbound"
	pidfile: "$T/unbound/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 0
	access-control: 127.0.0.0/8 allow
	do-not-query-localhost: no
	module-config: "iterator"
	# test. is one of unbound's default local zones (NXDOMAIN).
	local-zone: "test." nodefault
remote-control:
	control-enable: no
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@$NSD_PORT
EOF
	"${SRV_PIN[@]}" unbound -d -c "$T/unbound/unbound.conf" > "$T/unbound/unbound.log" 2>&1 &
	PIDS+=($!)
	SPID[unbound]=$!
}

start_dnsmasq() {
	local port=$1
	"${SRV_PIN[@]}" dnsmasq -k --no-resolv --no-hosts --server="127.0.0.1#$NSD_PORT" \
	    --port="$port" --listen-address=127.0.0.1 --bind-interfaces \
	    --cache-size=10000 --dns-forward-max=1000 --user=root --group=root \
	    --pid-file="$T/dnsmasq/dnsmasq.pid" \
	    --log-facility="$T/dnsmasq/dnsmasq.log" \
	    > "$T/dnsmasq/stderr.log" 2>&1 &
	PIDS+=($!)
	SPID[dnsmasq]=$!
}

# ---------------------------------------------------------------- measure

# field FILE LABEL: first number after LABEL in a dnsperf report.
field() { sed -n "s/^ *$2:* *\\([0-9.]*\\).*/\\1/p" "$1" | head -n 1; }
# cpu_ticks PID: user + system clock ticks of the process, all its threads.
cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
HZ=$(getconf CLK_TCK)
ms() { awk -v v="$1" 'BEGIN { if (v == "") print "-"; else printf "%.3f", v * 1000 }'; }

declare -A PORT SPID SIZE P50 P99 F_QPS F_AVG F_LOST
# Per server and round, keyed "server.round".
declare -A W_LOAD W_QPS W_AVG W_SD W_CPU W_USQ W_UPQ W_LOST W_DONE W_NOERR C_QPS C_AVG C_LOST
# Aggregates per server.
declare -A QPS QMIN QMAX AVG SD CPU USQ UPQ LOST NDONE NOERR CQPS CQMIN CQMAX CAVG CLOST

# perf NAME OUT ARGS...: dnsperf against NAME with the common settings.
perf() {
	local name=$1 out=$2
	shift 2
	"${CLI_PIN[@]}" dnsperf -s 127.0.0.1 -p "${PORT[$name]}" -c "$CLIENTS" -T "$DNSPERF_THREADS" \
	    -q "$OUTSTANDING" -t 2 "$@" > "$out" 2>&1 ||
	    { cat "$out" >&2; die "$name: dnsperf failed"; }
}
lost() { sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$1"; }

first_pass() {
	local name=$1 out=$T/$1.first
	say "$name: first pass over the $NAMES warm names"
	perf "$name" "$out" -d "$T/warm.txt" -n 1
	F_QPS[$name]=$(field "$out" 'Queries per second')
	F_AVG[$name]=$(field "$out" 'Average Latency (s)')
	F_LOST[$name]=$(lost "$out")
}

# throughput NAME ROUND (W_* are read through agg's nameref)
# shellcheck disable=SC2034
throughput() {
	local name=$1 k=$1.$2 out=$T/$1.perf.$2 before after c0 c1 t0 t1
	say "$name: round $2: dnsperf for $DURATION s, warm"
	W_LOAD[$k]=$(cut -d ' ' -f 1 /proc/loadavg)
	before=$(nsd_queries)
	c0=$(cpu_ticks "${SPID[$name]}")
	t0=$(date +%s%N)
	perf "$name" "$out" -d "$T/warm.txt" -l "$DURATION"
	t1=$(date +%s%N)
	c1=$(cpu_ticks "${SPID[$name]}")
	after=$(nsd_queries)
	W_UPQ[$k]=$(( ${after:-0} - ${before:-0} ))
	W_QPS[$k]=$(field "$out" 'Queries per second')
	W_AVG[$k]=$(field "$out" 'Average Latency (s)')
	W_SD[$k]=$(field "$out" 'Latency StdDev (s)')
	W_LOST[$k]=$(lost "$out")
	W_DONE[$k]=$(field "$out" 'Queries completed')
	W_NOERR[$k]=$(sed -n 's/^ *Response codes:.*NOERROR \([0-9]*\).*/\1/p' "$out")
	SIZE[$name]=$(sed -n 's/^ *Average packet size:.*response *\([0-9]*\).*/\1/p' "$out")
	# The server's CPU over dnsperf's run, in % of one core; per answer.
	W_CPU[$k]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v t=$((t1 - t0)) \
	    'BEGIN { printf "%.0f", c / hz / (t / 1e9) * 100 }')
	W_USQ[$k]=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v q="${W_DONE[$k]}" \
	    'BEGIN { printf "%.2f", c / hz * 1e6 / q }')
}

latency() {
	local name=$1 out=$T/$1.lat
	say "$name: latency at $LAT_QPS qps for $LAT_DURATION s"
	"${CLI_PIN[@]}" dnsperf -s 127.0.0.1 -p "${PORT[$name]}" -d "$T/warm.txt" -l "$LAT_DURATION" \
	    -c "$CLIENTS" -T 1 -Q "$LAT_QPS" -t 2 -v > "$out" 2>&1 ||
	    { tail "$out" >&2; die "$name: dnsperf -v failed"; }
	# Lines "> NOERROR name type 0.000123": the last field is the latency.
	read -r "P50[$name]" "P99[$name]" < <(awk '/^> [A-Z]+ / { print $NF * 1000 }' "$out" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
	        printf "%.3f %.3f\n", v[int(NR * 0.50) + (NR * 0.50 > int(NR * 0.50))],
	                              v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] }')
}

# cold NAME ROUND: the round's own cold names, new to every forwarder.
# shellcheck disable=SC2034
cold() {
	local name=$1 k=$1.$2 out=$T/$1.cold.$2
	say "$name: round $2: cold pass over $COLD names"
	perf "$name" "$out" -d "$T/cold$2.txt" -n 1
	C_QPS[$k]=$(field "$out" 'Queries per second')
	C_AVG[$k]=$(field "$out" 'Average Latency (s)')
	C_LOST[$k]=$(lost "$out")
}

# rounds: the servers in a different order every round (rotated).
order() {
	local r=$1 list
	read -r -a list <<< "$SERVERS"
	local n=${#list[@]} i
	for ((i = 0; i < n; i++)); do printf '%s ' "${list[$(((i + r - 1) % n))]}"; done
}

# agg ARRAY NAME FN: median / min / max / sum of ARRAY[NAME.1..REPS].
agg() {
	local -n arr=$1
	local r
	for ((r = 1; r <= REPS; r++)); do echo "${arr[$2.$r]}"; done | sort -g |
	    awk -v fn="$3" '{ v[NR] = $1; s += $1 } END {
	        if (fn == "sum") print s; else if (fn == "min") print v[1];
	        else if (fn == "max") print v[NR];
	        else print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

LOAD0=$(cut -d ' ' -f 1-3 /proc/loadavg)
NSD_PORT=$(free_port)
start_nsd "$NSD_PORT"
wait_dns "$NSD_PORT" h0.fwd.test +norec || { cat "$T/nsd/nsd.log" >&2; die "NSD does not answer on port $NSD_PORT"; }
[ -n "$(nsd_queries)" ] || { cat "$T/nsd/nsd.log" >&2; die "no statistics from nsd-control"; }
say "nsd: fwd.test on 127.0.0.1:$NSD_PORT"

for s in $SERVERS; do
	PORT[$s]=$(free_port)
	"start_$s" "${PORT[$s]}"
	wait_dns "${PORT[$s]}" h0.fwd.test || {
		cat "$T"/"$s"/*.log >&2 2>/dev/null || true
		die "$s does not answer on port ${PORT[$s]}"
	}
	a=$(dig -r @127.0.0.1 -p "${PORT[$s]}" +short h0.fwd.test A)
	[ "$a" = 10.0.0.0 ] || die "$s: h0.fwd.test A is '$a'"
	say "$s: up on 127.0.0.1:${PORT[$s]}"
done

for s in $SERVERS; do first_pass "$s"; done
for ((r = 1; r <= REPS; r++)); do
	for s in $(order "$r"); do throughput "$s" "$r"; done
done
for s in $SERVERS; do
	QPS[$s]=$(agg W_QPS "$s" med); QMIN[$s]=$(agg W_QPS "$s" min); QMAX[$s]=$(agg W_QPS "$s" max)
	AVG[$s]=$(agg W_AVG "$s" med); SD[$s]=$(agg W_SD "$s" med)
	CPU[$s]=$(agg W_CPU "$s" med); USQ[$s]=$(agg W_USQ "$s" med)
	UPQ[$s]=$(agg W_UPQ "$s" sum); LOST[$s]=$(agg W_LOST "$s" sum)
	NDONE[$s]=$(agg W_DONE "$s" sum); NOERR[$s]=$(agg W_NOERR "$s" sum)
done
if [ -z "$LAT_QPS" ]; then
	LAT_QPS=$(for s in $SERVERS; do echo "${QPS[$s]}"; done | sort -g | head -n 1 |
	    awk '{ q = int($1 / 2); print (q < 1000 ? 1000 : q) }')
fi
for s in $SERVERS; do latency "$s"; done
if [ "$COLD" -gt 0 ]; then
	for ((r = 1; r <= REPS; r++)); do
		for s in $(order "$r"); do cold "$s" "$r"; done
	done
	for s in $SERVERS; do
		CQPS[$s]=$(agg C_QPS "$s" med); CQMIN[$s]=$(agg C_QPS "$s" min); CQMAX[$s]=$(agg C_QPS "$s" max)
		CAVG[$s]=$(agg C_AVG "$s" med); CLOST[$s]=$(agg C_LOST "$s" sum)
	done
fi
LOAD1=$(cut -d ' ' -f 1-3 /proc/loadavg)

# ---------------------------------------------------------------- report

version() {
	case $1 in
	stadion) echo "stadion: $STADIOND of $(date -u -r "$STADIOND" '+%Y-%m-%d %H:%M UTC'), tree $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'); ${SD_THREADS[*]:-default threads ($NCPU)}" ;;
	unbound) echo "unbound $(unbound -V | sed -n 's/^Version //p'), num-threads $UB_THREADS" ;;
	dnsmasq) echo "dnsmasq $(dnsmasq --version | sed -n '1s/^Dnsmasq version \([^ ]*\).*/\1/p'), 1 thread" ;;
	esac
}

echo
echo "forward-qps: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); command: $CMD"
if [ -n "$PIN" ]; then
	pinned="pinned: forwarders on CPU ${PIN%%:*}, dnsperf on CPU ${PIN#*:}, NSD not pinned"
else
	pinned="not pinned: forwarders, NSD and dnsperf share them"
fi
echo "$NCPU CPUs, $(uname -r), $pinned; load average at the start: $LOAD0, at the end: $LOAD1"
echo "upstream: $(nsd -v 2>&1 | head -n 1), 1 server; dnsperf $(dnsperf -h 2>&1 | sed -n 's/^Version //p')"
for s in $SERVERS; do echo "  $(version "$s")"; done
echo "fwd.test A queries: $NAMES warm names, shuffled; dnsperf -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING -t 2"
echo "after a first pass over every name, $REPS round(s) of $DURATION s per forwarder, the order rotated each round;"
echo "medians over the rounds; percentiles at a fixed $LAT_QPS qps for $LAT_DURATION s"
echo
echo "warm cache"
printf '%-8s %8s %17s %7s %7s %7s %7s %5s %5s %5s %8s %6s %s\n' server qps "range" avg_ms sd_ms p50_ms p99_ms cpu% us/q bytes upstream lost NOERROR
for s in $SERVERS; do
	printf '%-8s %8.0f %17s %7s %7s %7s %7s %5s %5s %5s %8s %6s %s\n' "$s" "${QPS[$s]}" \
	    "$(printf '%.0f-%.0f' "${QMIN[$s]}" "${QMAX[$s]}")" \
	    "$(ms "${AVG[$s]}")" "$(ms "${SD[$s]}")" "${P50[$s]}" "${P99[$s]}" \
	    "$(printf '%.0f' "${CPU[$s]}")" "$(printf '%.2f' "${USQ[$s]}")" "${SIZE[$s]}" "${UPQ[$s]}" "${LOST[$s]}" \
	    "$(awk -v a="${NOERR[$s]}" -v b="${NDONE[$s]}" 'BEGIN { printf "%d/%d", a, b }')"
done
echo "range: of single rounds; cpu%: the forwarder's CPU time over the run, in % of one core; us/q: its"
echo "CPU microseconds per answer; bytes: average answer; upstream, lost, NOERROR: all rounds; upstream:"
echo "queries NSD answered during the runs (0: every answer from the cache)"
for s in $SERVERS; do
	printf '  %-8s qps by round (load average at its start):' "$s"
	for ((r = 1; r <= REPS; r++)); do printf ' %.0f (%s)' "${W_QPS[$s.$r]}" "${W_LOAD[$s.$r]}"; done
	echo
done
echo
echo "cold cache: every name once (dnsperf -n 1), each answer from NSD"
printf '%-8s %-22s %8s %17s %7s  %s\n' server pass qps range avg_ms lost
for s in $SERVERS; do
	printf '%-8s %-22s %8.0f %17s %7s  %s\n' "$s" "first, $NAMES names" "${F_QPS[$s]}" - \
	    "$(ms "${F_AVG[$s]}")" "${F_LOST[$s]}"
	if [ "$COLD" -gt 0 ]; then
		printf '%-8s %-22s %8.0f %17s %7s  %s\n' "$s" "$REPS x $COLD names" "${CQPS[$s]}" \
		    "$(printf '%.0f-%.0f' "${CQMIN[$s]}" "${CQMAX[$s]}")" \
		    "$(ms "${CAVG[$s]}")" "${CLOST[$s]}"
	fi
done
echo
for ref in unbound dnsmasq; do
	if [ -z "${QPS[stadion]:-}" ] || [ -z "${QPS[$ref]:-}" ]; then continue; fi
	awk -v a="${QPS[stadion]}" -v b="${QPS[$ref]}" -v r="$ref" \
	    'BEGIN { printf "qps ratio stadion/%s, warm: %.2f\n", r, a / b }'
	if [ "$COLD" -gt 0 ]; then
		awk -v a="${CQPS[stadion]}" -v b="${CQPS[$ref]}" -v r="$ref" -v n="$COLD" \
		    'BEGIN { printf "qps ratio stadion/%s, cold (%d names): %.2f\n", r, n, a / b }'
	fi
done
for n in "${NOTES[@]}"; do echo "NOTE: $n"; done
