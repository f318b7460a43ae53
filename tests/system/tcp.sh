#!/usr/bin/env bash
# DNS over TCP: dig and kdig +tcp, several queries on one connection
# (sequential and pipelined), a query written an octet at a time, many
# connections at once, and the idle timeout.
. "$(dirname "$0")/lib.sh"
need_tools curl dig kdig python3

have_ipv6 && DNS_V6=1
start_daemon --tcp-idle-timeout 2
Z=marathon.mesos
register web i1 127.0.0.11 31001
register web i2 127.0.0.12 31002
register db d1 127.0.0.21 5432

out=$(q +tcp web.$Z A)
expect_status NOERROR "$out" "dig +tcp web.$Z A"
[ "$(dig_section "$out" ANSWER | awk '$4 == "A" { print $5 }' | sort | tr '\n' ' ')" = "127.0.0.11 127.0.0.12 " ] ||
    fail "dig +tcp answer: $out"
printf '%s\n' "$out" | grep -q '(TCP)' || fail "dig did not use TCP: $out"

out=$(kq +tcp web.$Z A)
[ "$(dig_status "$out")" = NOERROR ] || fail "kdig +tcp: $out"
printf '%s\n' "$out" | grep -q 'TCP' || fail "kdig did not use TCP: $out"
[ "$(kq +tcp +short web.$Z A | sort | tr '\n' ' ')" = "127.0.0.11 127.0.0.12 " ] || fail "kdig +tcp answer"
log "ok - kdig +tcp"

out=$(q +tcp _web._tcp.$Z SRV)
[ "$(dig_count "$out" ANSWER)" = 2 ] || fail "SRV over TCP: $out"
[ "$(dig_count "$out" ADDITIONAL)" -ge 2 ] || fail "SRV over TCP without additional: $out"
out=$(q +tcp nosuch.$Z A)
expect_status NXDOMAIN "$out" "NXDOMAIN over TCP"
out=$(q +tcp example.com A)
expect_status REFUSED "$out" "REFUSED over TCP"

# Several queries on one connection, one after the other.
out=$(kq +tcp +keepopen web.$Z A db.$Z A nosuch.$Z A _db._tcp.$Z SRV)
n=$(printf '%s\n' "$out" | grep -c 'status: ')
[ "$n" = 4 ] || fail "kdig +keepopen: $n answers of 4: $out"
[ "$(printf '%s\n' "$out" | grep -c 'status: NOERROR')" = 3 ] || fail "kdig +keepopen statuses: $out"
log "ok - kdig: 4 queries on one connection"
out=$(q +tcp +keepopen web.$Z A db.$Z A web-i1.$Z A)
[ "$(printf '%s\n' "$out" | grep -c 'status: NOERROR')" = 3 ] || fail "dig +keepopen: $out"
log "ok - dig: 3 queries on one connection"

TOOL="python3 $SYSTEM_DIR/dnstool.py"
check "50 pipelined queries on one connection" $TOOL pipeline 127.0.0.1 "$DNS_PORT" 50 web.$Z
check "a query written one octet at a time" $TOOL slowtcp 127.0.0.1 "$DNS_PORT" web.$Z
check "100 connections at once" $TOOL conns 127.0.0.1 "$DNS_PORT" 100 db.$Z
check "an idle connection is closed after --tcp-idle-timeout" $TOOL idle 127.0.0.1 "$DNS_PORT" 2

# The same over IPv6, when the machine has ::1.
if [ "${DNS_V6:-0}" = 1 ]; then
	for tr in +notcp +tcp; do
		out=$(dig -r @::1 -p "$DNS_PORT" +time=3 +tries=1 $tr +short web.$Z A | sort | tr '\n' ' ')
		[ "$out" = "127.0.0.11 127.0.0.12 " ] || fail "dig @::1 $tr: '$out'"
	done
	log "ok - UDP and TCP on [::1]"
else
	log "no ::1 on this machine: IPv6 listening not tested"
fi

# UDP still works after all that.
[ "$(q +short db.$Z A)" = 127.0.0.21 ] || fail "UDP after TCP tests"
daemon_alive || fail "stadiond died"
stop_daemon
