#!/usr/bin/env bash
# secondary.sh -- the real stadiond as the primary of knotd: stadiond runs
# with --allow-transfer KEY and --notify knotd; knotd, a secondary of mesos
# and marathon.mesos with that TSIG key, bootstraps by AXFR, then follows
# registrations, a health change and a dynamic update (nsupdate -y) by
# IXFR on NOTIFY within seconds (the SOA refresh is an hour), and serves
# what stadiond serves: the same answers, the same AXFR, no unhealthy
# instance. Transfers without the key are refused, with a wrong key NOTAUTH.
# When nsd is installed, NSD follows marathon.mesos as a second secondary.
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/knot-lib.sh"
. "$SYSTEM_DIR/nsd-lib.sh"
need_tools dig kdig knotd nsupdate curl base64

KEY=xfr.key
SECRET=$(head -c 32 /dev/urandom | base64 -w0)
printf 'key "%s" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
    "$KEY" "$SECRET" > "$T/keys.conf"
NSD_PORT=
KNOT_PORT=$(free_port) || fail "no free port"
notify=(--notify "127.0.0.1:$KNOT_PORT")
if command -v nsd >/dev/null 2>&1; then
	NSD_PORT=$(free_port) || fail "no free port"
	notify+=(--notify "127.0.0.1:$NSD_PORT")
fi

stop_knot() {
	knot_stop
	nsd_stop
}
trap '_rc=$?; stop_knot; (exit $_rc); _cleanup' EXIT

start_daemon --tsig-keyfile "$T/keys.conf" --allow-transfer "$KEY" \
    "${notify[@]}" --soa-refresh 3600 --soa-retry 3600

register web a1 10.0.0.1 8080 1 healthy
register web a2 10.0.0.2 8081 1 none
register web a3 10.0.0.3 8082 1 unhealthy
register db b1 10.0.1.1 5432 1 none

knot_start "$KNOT_PORT" "$DNS_PORT" "$KEY" "$SECRET"
if [ -n "$NSD_PORT" ]; then
	nsd_start 127.0.0.1 "$NSD_PORT" 2 <<EOF
key:
	name: $KEY
	algorithm: hmac-sha256
	secret: "$SECRET"
zone:
	name: marathon.mesos
	zonefile: "$NSD_DIR/marathon.mesos.zone"
	request-xfr: 127.0.0.1@$DNS_PORT $KEY
	allow-notify: 127.0.0.1 NOKEY
	provide-xfr: 127.0.0.1 NOKEY
EOF
fi

kk() { kdig @127.0.0.1 -p "$KNOT_PORT" +time=3 +retry=0 "$@"; }
signed_axfr() { kq -y "hmac-sha256:$KEY:$SECRET" "$1" AXFR; }
# For in_sync (knot-lib.sh): stadiond is the primary.
primary_serial() { soa_serial "$1"; }
primary_axfr() { signed_axfr "$1"; }
n_log() { grep -c "$1" "$KNOT_DIR/knot.log"; }
n_ixfr() { n_log '\[marathon.mesos.\] IXFR, incoming.*finished'; }
n_notify() { n_log '\[marathon.mesos.\] notify, incoming'; }

check "knotd bootstraps both zones by AXFR, signed with the key" \
    eval "in_sync marathon.mesos 20 && in_sync mesos 10 &&
    grep -q '\\[marathon.mesos.\\] AXFR, incoming.*finished' \"\$KNOT_DIR/knot.log\""
check "stadiond logged the AXFR" grep -q 'xfr: AXFR of marathon.mesos' "$DAEMON_LOG"

# follows WHAT: after a change, knotd is notified and takes an IXFR within
# 5 s, far less than the SOA refresh of an hour.
follows() {
	local ixfr=$1 notify=$2
	check "$3 reaches knotd by NOTIFY and IXFR within 5 s" \
	    eval "in_sync marathon.mesos 5 && [ \"\$(n_ixfr)\" -gt $ixfr ] &&
	    [ \"\$(n_notify)\" -gt $notify ]"
}
i=$(n_ixfr) n=$(n_notify)
register web a4 10.0.0.4 8083 1 none
follows "$i" "$n" "a registration"
i=$(n_ixfr) n=$(n_notify)
expect_http 200 PUT /v1/services/web/instances/a1 \
    "$(instance_json a1 10.0.0.1 8080 1 unhealthy)"
expect_http 200 PUT /v1/services/web/instances/a3 \
    "$(instance_json a3 10.0.0.3 8082 1 healthy)"
follows "$i" "$n" "a health change"
i=$(n_ixfr) n=$(n_notify)
out=$(printf 'server 127.0.0.1 %s\nzone marathon.mesos\nupdate add upd.marathon.mesos 30 A 10.9.0.1\nupdate add upd.marathon.mesos 30 TXT "dyn"\nsend\n' \
    "$DNS_PORT" | nsupdate -t 3 -y "hmac-sha256:$KEY:$SECRET" 2>&1)
[ -z "$out" ] || fail "nsupdate: $out"
follows "$i" "$n" "a dynamic update"
check "stadiond logged the IXFRs" grep -q 'xfr: IXFR of marathon.mesos' "$DAEMON_LOG"

for name in web.marathon.mesos:A _web._tcp.marathon.mesos:SRV \
    db.marathon.mesos:A web-a3.marathon.mesos:A upd.marathon.mesos:TXT \
    upd.marathon.mesos:A leader.mesos:A marathon.mesos:NS; do
	a=$(q +short "${name%:*}" "${name#*:}" | sort)
	b=$(kk +short "${name%:*}" "${name#*:}" | sort)
	check "knotd answers ${name%:*} ${name#*:} as stadiond does" \
	    eval "[ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ]"
done
ax=$(signed_axfr marathon.mesos | canon)
check "the AXFRs of stadiond and knotd are equal" \
    [ "$ax" = "$(kk marathon.mesos AXFR | canon)" ]
check "the transferred zone holds no unhealthy instance" \
    eval "! printf '%s\n' \"\$ax\" | grep -q '10\\.0\\.0\\.1\$' &&
    printf '%s\n' \"\$ax\" | grep -q '10\\.0\\.0\\.3\$'"

# Refusals: no key (allow_transfer names the key only), from another
# address, and a key stadiond does not know (NOTAUTH, BADKEY).
# refused WHAT KDIG-ARGS...: kdig's transfer fails with REFUSED.
refused() {
	local what=$1 out
	shift
	out=$(kq "$@" 2>&1)
	check "$what is refused" eval "printf '%s\n' \"\$out\" | grep -q REFUSED"
}
refused "AXFR without the key" marathon.mesos AXFR
refused "AXFR from 127.0.0.2 without the key" -b 127.0.0.2 marathon.mesos AXFR
refused "IXFR without the key" marathon.mesos IXFR=1
out=$(kq -y "hmac-sha256:other.key:$SECRET" marathon.mesos AXFR 2>&1)
check "AXFR with an unknown key gets NOTAUTH (BADKEY)" \
    eval "printf '%s\n' \"\$out\" | grep -q 'NOTAUTH\\|BADKEY'"
check "a plain query still answers" [ -n "$(q_short web.marathon.mesos A)" ]

if [ -n "$NSD_PORT" ]; then
	check "NSD follows too: marathon.mesos at stadiond's serial, the same AXFR" \
	    in_sync marathon.mesos 10 "$NSD_PORT" "$NSD_DIR/nsd.log"
	check "NSD verified the transfers with the key" \
	    grep -q 'TSIG verified with key xfr.key' "$NSD_DIR/nsd.log"
fi

knot_log_clean
stop_knot
stop_daemon
