#!/usr/bin/env bash
# bench/dns-qps.sh -- queries per second of stadiond against NSD and Knot DNS
# serving the same data, each with one server thread, on loopback.
#
#   bench/dns-qps.sh            (from the top of a built tree)
#
# Data: SERVICES services x 3 instances, registered in stadiond through the
# HTTP API and written as an equivalent zone file (marathon.mesos) for NSD
# and Knot: <svc> A x3, <svc>-i<k> A, _<svc>._tcp SRV x3. The query file
# mixes <svc> A and _<svc>._tcp SRV half and half, shuffled.
#
# Two runs per server with dnsperf:
#   throughput: DURATION s, CLIENTS clients, OUTSTANDING queries in flight;
#               qps, average latency and its standard deviation, as dnsperf
#               reports them;
#   latency:    LAT_DURATION s at a fixed LAT_QPS (default: half the lowest
#               throughput measured), every query's latency logged (dnsperf
#               -v) to get the 50th and 99th percentiles.
# Then the ratios stadion/NSD and stadion/Knot.
#
# Environment: STADIOND (default ./src/stadiond), SERVICES (1000), DURATION
# (20), CLIENTS (4), OUTSTANDING (200), DNSPERF_THREADS (1), LAT_DURATION
# (5), LAT_QPS, SERVERS (default "stadion nsd knot"), KEEP=1 keeps the temp
# dir. Traffic goes to 127.0.0.1 only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
STADIOND=${STADIOND:-$top/src/stadiond}
SERVICES=${SERVICES:-1000}
DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-200}
DNSPERF_THREADS=${DNSPERF_THREADS:-1}
LAT_DURATION=${LAT_DURATION:-5}
LAT_QPS=${LAT_QPS:-}
SERVERS=${SERVERS:-stadion nsd knot}

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_tmpdir stadion-bench

need dnsperf dnsperf
need dig bind9-dnsutils
need curl curl
need python3 python3
for s in $SERVERS; do
	case $s in
	stadion) [ -x "$STADIOND" ] || die "no $STADIOND: build first (autoreconf -fi && ./configure && make)" ;;
	nsd) need nsd nsd ;;
	knot) need knotd knot ;;
	*) die "unknown server $s" ;;
	esac
done

# ---------------------------------------------------------------- data

mkdir -p "$T/zone"
say "generating $SERVICES services x 3 instances"
python3 - "$SERVICES" "$T" <<'EOF'
import random, sys
n, t = int(sys.argv[1]), sys.argv[2]
addr = lambda s, k: "10.%d.%d.%d" % (s // 250, s % 250, k)
with open(t + "/zone/marathon.mesos.zone", "w") as z:
    z.write("$ORIGIN marathon.mesos.\n$TTL 60\n"
            "@ IN SOA ns1.mesos. root.ns1.mesos. 1 60 600 86400 60\n"
            "@ IN NS ns1.mesos.\n")
    for s in range(n):
        for k in (1, 2, 3):
            z.write("svc%d IN A %s\n" % (s, addr(s, k)))
        for k in (1, 2, 3):
            z.write("svc%d-i%d IN A %s\n" % (s, k, addr(s, k)))
            z.write("_svc%d._tcp IN SRV 0 1 %d svc%d-i%d.marathon.mesos.\n"
                    % (s, 31000 + k, s, k))
with open(t + "/instances.txt", "w") as f:
    for s in range(n):
        for k in (1, 2, 3):
            f.write('svc%d {"id":"i%d","address":"%s","ports":[{"port":%d,'
                    '"protocol":"tcp"}],"weight":1,"health":"healthy"}\n'
                    % (s, k, addr(s, k), 31000 + k))
q = []
for s in range(n):
    q.append("svc%d.marathon.mesos A" % s)
    q.append("_svc%d._tcp.marathon.mesos SRV" % s)
random.Random(42).shuffle(q)
with open(t + "/queries.txt", "w") as f:
    f.write("\n".join(q) + "\n")
EOF

# ---------------------------------------------------------------- servers

start_stadion() {
	stadion_dns_start "$1"
	say "stadion: registering $((SERVICES * 3)) instances"
	python3 - "$HTTP_PORT" "$T/instances.txt" <<'EOF' || die "registration failed"
import http.client, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
t0, n = time.monotonic(), 0
for line in open(path):
    svc, body = line.rstrip("\n").split(" ", 1)
    c.request("POST", "/v1/services/%s/instances" % svc, body,
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 201:
        sys.exit("POST %s: %d" % (svc, r.status))
    if r.getheader("Connection", "").lower() == "close":
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    n += 1
dt = time.monotonic() - t0
print("bench: stadion: %d registrations in %.1f s (%.0f/s)" % (n, dt, n / dt),
      file=sys.stderr)
EOF
}

# shellcheck source=tests/system/nsd-lib.sh
. "$top/tests/system/nsd-lib.sh"

start_nsd() {
	nsd_start 127.0.0.1 "$1" <<EOF
zone:
	name: marathon.mesos
	zonefile: "$T/zone/marathon.mesos.zone"
EOF
	PIDS+=("$NSD_PID")
}

start_knot() {
	knot_bench_start "$1" <<EOF
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$T/zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
  - domain: marathon.mesos
    file: "marathon.mesos.zone"
EOF
}

# ---------------------------------------------------------------- measure

# check_answers NAME PORT: the data is there and equal on every server.
check_answers() {
	local name=$1 port=$2 a srv
	a=$(dig -r @127.0.0.1 -p "$port" +short svc7.marathon.mesos A | sort | tr '\n' ' ')
	srv=$(dig -r @127.0.0.1 -p "$port" +short _svc7._tcp.marathon.mesos SRV | sort | tr '\n' ' ')
	[ "$a" = "10.0.7.1 10.0.7.2 10.0.7.3 " ] || die "$name: svc7 A is '$a'"
	[ "$srv" = "0 1 31001 svc7-i1.marathon.mesos. 0 1 31002 svc7-i2.marathon.mesos. 0 1 31003 svc7-i3.marathon.mesos. " ] ||
	    die "$name: _svc7._tcp SRV is '$srv'"
}

# field FILE LABEL: first number after LABEL in a dnsperf report.
field() { sed -n "s/^ *$2:* *\\([0-9.]*\\).*/\\1/p" "$1" | head -n 1; }

declare -A QPS AVG SD LOST CODES P50 P99 PORT SIZE

throughput() {
	local name=$1 port=$2 out=$T/$1.perf
	say "$name: dnsperf for $DURATION s"
	dnsperf -s 127.0.0.1 -p "$port" -d "$T/queries.txt" -l "$DURATION" \
	    -c "$CLIENTS" -T "$DNSPERF_THREADS" -q "$OUTSTANDING" -t 2 > "$out" 2>&1 ||
	    { cat "$out" >&2; die "$name: dnsperf failed"; }
	QPS[$name]=$(field "$out" 'Queries per second')
	AVG[$name]=$(field "$out" 'Average Latency (s)')
	SD[$name]=$(field "$out" 'Latency StdDev (s)')
	LOST[$name]=$(sed -n 's/^ *Queries lost: *\([0-9]* ([0-9.]*%)\).*/\1/p' "$out")
	CODES[$name]=$(sed -n 's/^ *Response codes: *//p' "$out")
	# Answers differ in size (e.g. SRV with or without additional records).
	SIZE[$name]=$(sed -n 's/^ *Average packet size:.*response *\([0-9]*\).*/\1/p' "$out")
}

latency() {
	local name=$1 port=$2 out=$T/$1.lat
	say "$name: latency at $LAT_QPS qps for $LAT_DURATION s"
	dnsperf -s 127.0.0.1 -p "$port" -d "$T/queries.txt" -l "$LAT_DURATION" \
	    -c "$CLIENTS" -T 1 -Q "$LAT_QPS" -t 2 -v > "$out" 2>&1 ||
	    { tail "$out" >&2; die "$name: dnsperf -v failed"; }
	# Lines "> NOERROR name type 0.000123": the last field is the latency.
	read -r P50[$name] P99[$name] < <(awk '/^> [A-Z]+ / { print $NF * 1000 }' "$out" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
	        printf "%.3f %.3f\n", v[int(NR * 0.50) + (NR * 0.50 > int(NR * 0.50))],
	                              v[int(NR * 0.99) + (NR * 0.99 > int(NR * 0.99))] }')
}

for s in $SERVERS; do
	server_up "$s" svc1.marathon.mesos A
	check_answers "$s" "${PORT[$s]}"
	say "$s: up on 127.0.0.1:${PORT[$s]}"
done

for s in $SERVERS; do throughput "$s" "${PORT[$s]}"; done
if [ -z "$LAT_QPS" ]; then
	LAT_QPS=$(for s in $SERVERS; do echo "${QPS[$s]}"; done | sort -g | head -n 1 |
	    awk '{ q = int($1 / 2); print (q < 1000 ? 1000 : q) }')
fi
for s in $SERVERS; do latency "$s" "${PORT[$s]}"; done

# ---------------------------------------------------------------- report

echo
echo "dns-qps: $SERVICES services x 3 instances; A and SRV queries half and half;"
echo "one server thread each; dnsperf -c $CLIENTS -T $DNSPERF_THREADS -q $OUTSTANDING for $DURATION s;"
echo "percentiles at a fixed $LAT_QPS qps for $LAT_DURATION s. $(nproc) CPUs, $(uname -r)."
printf '%-8s %12s %9s %9s %9s %9s %6s  %-14s %s\n' server qps avg_ms sd_ms p50_ms p99_ms bytes lost "response codes"
for s in $SERVERS; do
	printf '%-8s %12.0f %9s %9s %9s %9s %6s  %-14s %s\n' "$s" "${QPS[$s]}" \
	    "$(awk -v v="${AVG[$s]}" 'BEGIN { printf "%.3f", v * 1000 }')" \
	    "$(awk -v v="${SD[$s]}" 'BEGIN { printf "%.3f", v * 1000 }')" \
	    "${P50[$s]}" "${P99[$s]}" "${SIZE[$s]}" "${LOST[$s]}" "${CODES[$s]}"
done
for ref in nsd knot; do
	if [ -n "${QPS[stadion]:-}" ] && [ -n "${QPS[$ref]:-}" ]; then
		awk -v a="${QPS[stadion]}" -v b="${QPS[$ref]}" -v r="$ref" \
		    'BEGIN { printf "qps ratio stadion/%s: %.2f\n", (r == "nsd" ? "NSD" : "Knot"), a / b }'
	fi
done
