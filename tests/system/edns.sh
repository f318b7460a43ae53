#!/usr/bin/env bash
# EDNS(0): the OPT record is echoed, version > 0 gets BADVERS, the UDP
# answer size follows the client's buffer size capped by --edns-udp-size,
# and a query without EDNS is held to 512 octets.
. "$(dirname "$0")/lib.sh"
need_tools curl dig kdig

start_daemon --edns-udp-size 1400
Z=marathon.mesos
register web i1 127.0.0.11 31001
# 60 addresses: about 1,030 octets; 100 addresses: about 1,670 octets.
for i in $(seq 1 60); do register mid m$i 10.2.0.$i 8000; done
for i in $(seq 1 100); do register big b$i 10.3.$((i / 200)).$((i % 200 + 1)) 8000; done

msg_size() { printf '%s\n' "$1" | sed -n 's/.*MSG SIZE *rcvd: *\([0-9]*\).*/\1/p'; }
has_opt() { printf '%s\n' "$1" | grep -q 'EDNS: version: 0'; }

out=$(q +edns=0 web.$Z A)
expect_status NOERROR "$out" "EDNS query"
has_opt "$out" || fail "no OPT in the answer to an EDNS query: $out"
udp=$(printf '%s\n' "$out" | sed -n 's/.*EDNS: version: 0.*udp: \([0-9]*\).*/\1/p')
[ -n "$udp" ] && [ "$udp" -ge 512 ] && [ "$udp" -le 1400 ] || fail "OPT udp size '$udp' not in 512..1400: $out"
log "ok - OPT echoed (udp $udp)"

out=$(q +noedns web.$Z A)
expect_status NOERROR "$out" "query without EDNS"
has_opt "$out" && fail "OPT in the answer to a query without EDNS: $out"
log "ok - no OPT without EDNS"

out=$(q +edns=1 +noednsnegotiation web.$Z A)
expect_status BADVERS "$out" "EDNS version 1"
has_opt "$out" || fail "BADVERS without an OPT of version 0: $out"
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "BADVERS with answers"
out=$(kq +edns=1 web.$Z A)
[ "$(dig_status "$out")" = BADVERS ] || fail "kdig +edns=1: $out"
# dig negotiates down to version 0 by itself and then gets an answer.
out=$(q +edns=1 web.$Z A)
expect_status NOERROR "$out" "dig EDNS version negotiation"

# Unknown options and the DO bit are no reason to fail.
out=$(q +ednsopt=65001:abcdef web.$Z A)
expect_status NOERROR "$out" "unknown EDNS option"
out=$(q +dnssec web.$Z A)
expect_status NOERROR "$out" "DO bit"
out=$(q +nsid +cookie web.$Z A)
expect_status NOERROR "$out" "NSID and cookie options"

# Buffer sizes: 60 addresses fit 1400 but not 512.
out=$(q +ignore +bufsize=4096 mid.$Z A)
has_flag "$out" tc && fail "60 addresses truncated with bufsize 4096 (cap 1400): $(msg_size "$out") octets"
[ "$(dig_count "$out" ANSWER)" = 60 ] || fail "60 addresses over UDP with bufsize 4096: $out"
[ "$(msg_size "$out")" -le 1400 ] || fail "answer larger than --edns-udp-size"
log "ok - 60 addresses in one $(msg_size "$out")-octet UDP answer"
out=$(q +ignore +bufsize=512 mid.$Z A)
has_flag "$out" tc || fail "no TC with bufsize 512: $out"
[ "$(msg_size "$out")" -le 512 ] || fail "answer of $(msg_size "$out") octets for bufsize 512"
out=$(q +ignore +noedns mid.$Z A)
has_flag "$out" tc || fail "no TC without EDNS: $out"
[ "$(msg_size "$out")" -le 512 ] || fail "answer of $(msg_size "$out") octets without EDNS"
log "ok - bufsize 512 and no EDNS: TC within 512 octets"
out=$(q +ignore +bufsize=1000 mid.$Z A)
has_flag "$out" tc || fail "no TC with bufsize 1000: $out"
[ "$(msg_size "$out")" -le 1000 ] || fail "answer of $(msg_size "$out") octets for bufsize 1000"
# A client buffer under 512 counts as 512.
out=$(q +ignore +bufsize=100 web.$Z A)
has_flag "$out" tc && fail "TC for a small answer with bufsize 100: $out"
expect_status NOERROR "$out" "bufsize 100 (treated as 512)"

# 100 addresses are over the server's cap even when the client allows more.
out=$(q +ignore +bufsize=4096 big.$Z A)
has_flag "$out" tc || fail "no TC for 100 addresses above --edns-udp-size 1400: $(msg_size "$out") octets"
[ "$(msg_size "$out")" -le 1400 ] || fail "UDP answer of $(msg_size "$out") octets > 1400"
out=$(kq +bufsize=4096 big.$Z A)
[ "$(count_rr "$out" A)" = 100 ] || fail "kdig did not get 100 addresses (TCP retry): $out"
log "ok - --edns-udp-size caps the UDP answer"

# The OPT record is also in answers over TCP.
out=$(q +tcp +edns=0 big.$Z A)
has_opt "$out" || fail "no OPT over TCP"
[ "$(dig_count "$out" ANSWER)" = 100 ] || fail "100 addresses over TCP"

daemon_alive || fail "stadiond died"
stop_daemon
