#!/usr/bin/env bash
# bench/update-rate.sh -- signed dynamic updates (RFC 2136, TSIG
# hmac-sha256) per second, stadiond against Knot DNS in the same run, on
# loopback, both durable: stadiond commits each update to LMDB (synced)
# before it answers, Knot writes it to its journal (journal-db-mode robust,
# its default, synced) and never to the zone file (zonefile-sync -1), so
# neither pays for rewriting a zone file.
#
#   bench/update-rate.sh        (from the top of a built tree)
#
# Clients: CLIENTS nsupdate processes in parallel, each sending UPDATES
# updates in one session, one add of one A record per UPDATE message (one
# `send` each, so each is signed and answered on its own), `answer` after
# each to count the NOERROR answers. nsupdate rather than a client of our
# own: it is the client people use, and its process starts once per
# UPDATES messages; it waits for each answer before it sends the next, so
# CLIENTS is the number of updates in flight. Rate: NOERROR answers over
# the wall time from the first client's start to the last one's end.
# Afterwards every name must resolve on each server (dig -f), and on
# stadiond GET /v1/records must list them all.
#
# Environment: STADIOND (default ./src/stadiond), CLIENTS (4), UPDATES
# (250), SERVERS (default "stadion knot"), KEEP=1 keeps the temp dir.
# Traffic goes to 127.0.0.1 only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
STADIOND=${STADIOND:-$top/src/stadiond}
CLIENTS=${CLIENTS:-4}
UPDATES=${UPDATES:-250}
SERVERS=${SERVERS:-stadion knot}
ZONE=marathon.mesos

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
bench_tmpdir stadion-bench

need nsupdate bind9-dnsutils
need dig bind9-dnsutils
need curl curl
need python3 python3
need openssl openssl
for s in $SERVERS; do
	case $s in
	stadion) [ -x "$STADIOND" ] || die "no $STADIOND: build first (autoreconf -fi && ./configure && make)" ;;
	knot) need knotd knot ;;
	*) die "unknown server $s" ;;
	esac
done

# ---------------------------------------------------------------- data

mkdir -p "$T/zone" "$T/clients"
SECRET=$(openssl rand -base64 32)
printf 'key "upd" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$SECRET" > "$T/upd.key"
cat > "$T/zone/$ZONE.zone" <<EOF
\$ORIGIN $ZONE.
\$TTL 60
@ IN SOA ns1.mesos. root.ns1.mesos. 1 60 600 86400 60
@ IN NS ns1.mesos.
EOF
# Client c adds u<c>-<i>.$ZONE A 10.<c>.<i/250>.<i%250>; the same names on
# every server, the servers' ports added per run.
for c in $(seq 1 "$CLIENTS"); do
	for i in $(seq 1 "$UPDATES"); do
		printf 'update add u%d-%d.%s 60 A 10.%d.%d.%d\nsend\nanswer\n' \
		    "$c" "$i" "$ZONE" "$c" $((i / 250)) $((i % 250))
	done > "$T/clients/$c.txt"
	for i in $(seq 1 "$UPDATES"); do
		printf 'u%d-%d.%s A\n' "$c" "$i" "$ZONE"
	done
done > "$T/names.txt"

# ---------------------------------------------------------------- servers

start_stadion() {
	stadion_dns_start "$1" --tsig-keyfile "$T/upd.key"
}

start_knot() {
	knot_bench_start "$1" <<EOF
    journal-db-mode: robust
log:
  - target: stderr
    any: warning
key:
  - id: upd
    algorithm: hmac-sha256
    secret: $SECRET
acl:
  - id: upd
    key: upd
    action: update
template:
  - id: default
    storage: "$T/zone"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: changes
zone:
  - domain: $ZONE
    file: "$ZONE.zone"
    acl: upd
EOF
}

# ---------------------------------------------------------------- measure

declare -A RATE OK SENT WALL RESOLVED PORT

run_clients() {
	local name=$1 port=$2 c t0 t1 fail=0
	local pids=()
	say "$name: $CLIENTS nsupdate clients x $UPDATES updates"
	t0=$(date +%s.%N)
	for c in $(seq 1 "$CLIENTS"); do
		{ printf 'server 127.0.0.1 %s\nzone %s\n' "$port" "$ZONE"
		  cat "$T/clients/$c.txt"; } |
		    nsupdate -k "$T/upd.key" -t 10 -u 2 -r 2 > "$T/$name.$c.out" 2>&1 &
		pids+=($!)
	done
	for c in "${pids[@]}"; do wait "$c" || fail=1; done
	t1=$(date +%s.%N)
	[ "$fail" = 0 ] || say "$name: an nsupdate exited with an error (see below)"
	OK[$name]=$(cat "$T/$name".*.out | grep -c 'opcode: UPDATE, status: NOERROR' || true)
	SENT[$name]=$((CLIENTS * UPDATES))
	WALL[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	RATE[$name]=$(awk -v n="${OK[$name]}" -v w="${WALL[$name]}" 'BEGIN { printf "%.0f", n / w }')
	if [ "${OK[$name]}" != "${SENT[$name]}" ]; then
		grep -h -v '^;\|^$' "$T/$name".*.out | sort | uniq -c | head >&2 || true
	fi
}

# check_names NAME PORT: every added name resolves; on stadion /v1/records
# lists them all.
check_names() {
	local name=$1 port=$2 listed
	RESOLVED[$name]=$(dig -r @127.0.0.1 -p "$port" +time=2 +tries=2 +noall +answer \
	    -f "$T/names.txt" | awk '$4 == "A"' | wc -l)
	[ "${RESOLVED[$name]}" = "${SENT[$name]}" ] ||
	    die "$name: ${RESOLVED[$name]} of ${SENT[$name]} names resolve"
	if [ "$name" = stadion ]; then
		listed=$(curl -sf "http://127.0.0.1:$HTTP_PORT/v1/records?zone=$ZONE" |
		    python3 -c 'import json, sys; print(sum(r["type"] == "A" for r in json.load(sys.stdin)))')
		[ "$listed" = "${SENT[$name]}" ] ||
		    die "stadion: /v1/records lists $listed of ${SENT[$name]}"
	fi
	say "$name: all ${SENT[$name]} names resolve"
}

for s in $SERVERS; do
	server_up "$s" "$ZONE" SOA
	say "$s: up on 127.0.0.1:${PORT[$s]}"
done

for s in $SERVERS; do
	run_clients "$s" "${PORT[$s]}"
	check_names "$s" "${PORT[$s]}"
done

# ---------------------------------------------------------------- report

echo
echo "update-rate: $CLIENTS nsupdate clients x $UPDATES signed UPDATEs (one A add each,"
echo "hmac-sha256) over UDP; durable; one DNS worker each; $(nproc) CPUs, $(uname -r),"
echo "state on $(stat -f -c %T "$T")."
printf '%-8s %9s %9s %8s %12s %9s\n' server sent noerror wall_s updates/s resolved
for s in $SERVERS; do
	printf '%-8s %9s %9s %8s %12s %9s\n' "$s" "${SENT[$s]}" "${OK[$s]}" \
	    "${WALL[$s]}" "${RATE[$s]}" "${RESOLVED[$s]}"
done
if [ -n "${RATE[stadion]:-}" ] && [ -n "${RATE[knot]:-}" ]; then
	awk -v a="${RATE[stadion]}" -v b="${RATE[knot]}" \
	    'BEGIN { printf "updates/s ratio stadion/Knot: %.2f\n", a / b }'
fi
