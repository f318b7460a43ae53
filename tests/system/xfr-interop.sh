#!/usr/bin/env bash
# Zone transfers and NOTIFY against Knot's and BIND's tools, live: xfrtool
# serves stadion's AXFR and IXFR (dns/xfr.h) out of a store changed through
# the registry and zone files, and NOTIFYs (dns/notify.h). kdig and dig take
# AXFR (also signed with TSIG in a multi-message chain, and refused without
# the key from an address outside the ACL) and IXFR (a difference, the SOA
# alone over UDP, the whole zone when the journal is too short); knotd, as a
# secondary of both zones, bootstraps by AXFR, then follows every change by
# IXFR on NOTIFY, all signed with TSIG, and ends up with exactly the zones
# stadion transfers.
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/knot-lib.sh"
need_tools kdig dig knotd base64

XFRTOOL=${XFRTOOL:-$top_builddir/tests/system/xfrtool}
[ -x "$XFRTOOL" ] || fail "no $XFRTOOL (built by make check)"

SECRET=$(head -c 32 /dev/urandom | base64 -w0)
cat > "$T/keys.conf" <<EOF
key "xfr.key" { algorithm hmac-sha256; secret "$SECRET"; };
EOF
KNOT_PORT=$(free_port) || fail "no free port"

stop_helpers() {
	knot_stop
	exec 3>&- 2>/dev/null
}
trap '_rc=$?; stop_helpers; (exit $_rc); _cleanup' EXIT

# xfrtool takes its commands from a FIFO; each is answered by a line.
mkfifo "$T/cmd"
echo "### xfrtool" >> "$DAEMON_LOG"
"$XFRTOOL" -j 40 -a 127.0.0.1 -a xfr.key -k "$T/keys.conf" \
    -n "127.0.0.1:$KNOT_PORT" "$T/state" "$T/port" < "$T/cmd" \
    > "$T/out" 2>> "$DAEMON_LOG" &
DAEMON_PID=$!
exec 3> "$T/cmd"
for _ in $(seq 1 50); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
P=$(cat "$T/port" 2>/dev/null) || fail "xfrtool did not start"

# cmd COMMAND...: run it in xfrtool; SERIAL gets marathon.mesos.'s serial.
cmd() {
	local n
	n=$(wc -l < "$T/out")
	echo "$*" >&3
	for _ in $(seq 1 100); do
		[ "$(wc -l < "$T/out")" -gt "$n" ] && break
		sleep 0.05
	done
	local last
	last=$(tail -n 1 "$T/out")
	case $last in
	"ok "*) SERIAL=${last#ok } ;;
	*) fail "xfrtool: $* -> $last" ;;
	esac
}

kd() { kdig @127.0.0.1 -p "$P" +time=5 +retry=0 "$@"; }
# soas: how many SOA records a kdig or dig listing holds (canon, of
# knot-lib.sh, sorts the RRs).
soas() { awk '$0 !~ /^;/ && $3 == "IN" && $4 == "SOA"' | wc -l; }

cmd put web a1 10.0.0.1 8080 none 3
cmd put web a2 10.0.0.2 8081 healthy 1
cmd put web a3 10.0.0.3 8082 unhealthy 1
cmd put db b1 10.0.1.1 5432 none 1
S0=$SERIAL

# ---------------------------------------------------------------- AXFR
out=$(kd marathon.mesos AXFR) || fail "kdig AXFR: $out"
printf '%s\n' "$out" | grep -q 'AXFR for marathon.mesos' ||
    fail "kdig did not take the AXFR: $out"
set=$(printf '%s\n' "$out" | canon)
check "AXFR has both served addresses of web" \
    [ "$(printf '%s\n' "$set" | grep -c '^web.marathon.mesos. A 10.0.0.[12]$')" = 2 ]
check "AXFR leaves the unhealthy instance out" \
    eval "! printf '%s\n' \"\$set\" | grep -q 10.0.0.3"
check "AXFR carries the weight in the SRV" \
    eval "printf '%s\n' \"\$set\" | grep -q '^_web._tcp.marathon.mesos. SRV 0 3 8080 web-a1.marathon.mesos.$'"
check "AXFR opens and closes with the SOA of serial $S0" \
    [ "$(printf '%s\n' "$out" | soas)" = 2 ]
dset=$(dig @127.0.0.1 -p "$P" +time=5 +tries=1 marathon.mesos AXFR | canon)
check "dig takes the same AXFR" [ "$dset" = "$set" ]
mset=$(kd mesos AXFR | canon)
check "mesos ends at the delegation of marathon.mesos" \
    eval "printf '%s\n' \"\$mset\" | grep -q '^marathon.mesos. NS ns1.mesos.$' &&
    ! printf '%s\n' \"\$mset\" | grep -q '^web'"

# From an address outside the ACL: refused, unless signed with the key.
out=$(kd -b 127.0.0.2 marathon.mesos AXFR 2>&1)
check "AXFR from 127.0.0.2 without the key is refused" \
    eval "printf '%s\n' \"\$out\" | grep -q REFUSED"
for i in $(seq 1 150); do
	cmd put api "t$i" "10.2.$((i / 200)).$((i % 200 + 1))" $((9000 + i)) none 1
done
out=$(kd -b 127.0.0.2 -y "hmac-sha256:xfr.key:$SECRET" marathon.mesos AXFR 2>&1) ||
    fail "signed AXFR: $out"
msgs=$(printf '%s\n' "$out" | sed -n 's/.*(\([0-9]*\) messages.*/\1/p')
check "kdig verified a signed AXFR of several messages ($msgs)" \
    eval "[ \"\${msgs:-0}\" -gt 1 ] && ! printf '%s\n' \"\$out\" | grep -qi 'tsig.*\\(fail\\|bad\\)\\|failed'"
out=$(dig @127.0.0.1 -p "$P" -b 127.0.0.2 -y "hmac-sha256:xfr.key:$SECRET" \
    marathon.mesos AXFR 2>&1)
check "dig verified it too" \
    eval "printf '%s\n' \"\$out\" | grep -q 'XFR size' &&
    ! printf '%s\n' \"\$out\" | grep -qi \"couldn't verify\\|failed\""

# ---------------------------------------------------------------- IXFR
S1=$SERIAL
cmd put web a4 10.0.0.4 8083 none 1
cmd put web a1 10.0.0.1 8080 unhealthy 3
out=$(kd marathon.mesos "IXFR=$S1")
check "IXFR from $S1 is one difference (4 SOAs)" \
    [ "$(printf '%s\n' "$out" | soas)" = 4 ]
check "IXFR adds web-a4 and deletes web-a1" \
    eval "printf '%s\n' \"\$out\" | canon | grep -q '^web-a4.marathon.mesos. A 10.0.0.4$' &&
    printf '%s\n' \"\$out\" | canon | grep -q '^web-a1.marathon.mesos. A 10.0.0.1$'"
out=$(dig @127.0.0.1 -p "$P" +time=5 +tries=1 +notcp marathon.mesos "IXFR=$S1")
check "IXFR over UDP gets the SOA alone" \
    [ "$(printf '%s\n' "$out" | soas)" = 1 ]
out=$(kd marathon.mesos "IXFR=$S0")
check "IXFR from before the journal's 40 entries gets the whole zone" \
    eval "[ \"\$(printf '%s\n' \"\$out\" | soas)\" = 2 ] &&
    printf '%s\n' \"\$out\" | grep -q 'web-a4'"
out=$(kd marathon.mesos "IXFR=$SERIAL")
check "IXFR at the current serial gets the SOA alone" \
    [ "$(printf '%s\n' "$out" | soas)" = 1 ]

# ---------------------------------------------------------------- knotd
# knotd asks from 127.0.0.2, outside the ACL: only its key lets it in.
knot_start "$KNOT_PORT" "$P" xfr.key "$SECRET" 127.0.0.2
# For in_sync (knot-lib.sh): xfrtool is the primary.
primary_serial() { kd "$1" SOA +short | awk '{print $3}'; }
primary_axfr() { kd "$1" AXFR; }

check "knotd bootstraps both zones by AXFR, signed with the key" \
    eval "in_sync marathon.mesos 20 && in_sync mesos 10 &&
    grep -q 'AXFR, incoming.*finished' \"\$KNOT_DIR/knot.log\""
n_ixfr() { grep -c '\[marathon.mesos.\] IXFR, incoming.*finished' "$KNOT_DIR/knot.log"; }
before=$(n_ixfr)
cmd put web a5 10.0.0.5 8084 none 2
check "a registration reaches knotd by NOTIFY and IXFR" \
    eval "in_sync marathon.mesos 10 && [ \"\$(n_ixfr)\" -gt $before ]"
check "knotd was notified" grep -q 'notify, incoming' "$KNOT_DIR/knot.log"
before=$(n_ixfr)
cmd put web a2 10.0.0.2 8081 unhealthy 1
cmd put web a4 10.0.0.4 8083 none 7
cmd del api t1
check "a burst of changes (health, weight, delete) reaches knotd by IXFR" \
    eval "in_sync marathon.mesos 10 && [ \"\$(n_ixfr)\" -gt $before ]"
check "knotd answers as stadion does" \
    [ "$(kdig @127.0.0.1 -p "$KNOT_PORT" +short web.marathon.mesos A | sort)" = \
      "$(kd +short web.marathon.mesos A | sort)" ]
cat > "$T/zones/mesos.zone" <<'EOF'
$ORIGIN mesos.
$TTL 300
www	A	192.0.2.80
www	AAAA	2001:db8::80
EOF
cmd zones "$T/zones"
check "a zone file change in mesos reaches knotd by IXFR" \
    eval "in_sync mesos 10 && grep -q '\\[mesos.\\] IXFR, incoming.*finished' \"\$KNOT_DIR/knot.log\""
knot_log_clean
