#!/usr/bin/env bash
# Hand-made bad messages: responses and runts are dropped, malformed queries
# get FORMERR, other opcodes NOTIMP; the daemon keeps serving.
. "$(dirname "$0")/lib.sh"
need_tools curl dig python3

start_daemon
Z=marathon.mesos
register web i1 127.0.0.11 31001

QNAME=03776562086d61726174686f6e056d65736f7300   # web.marathon.mesos.
QA=${QNAME}00010001                                # ... A IN

# send WANT DESCRIPTION HEX [tcp]: WANT is a regex on dnstool's answer line.
send() {
	local want=$1 what=$2 hex=$3 tr=${4:-udp} got
	got=$(python3 "$SYSTEM_DIR/dnstool.py" send 127.0.0.1 "$DNS_PORT" "$hex" "$tr")
	printf '%s\n' "$got" | grep -qE "$want" || fail "$what ($tr): got '$got', expected /$want/"
	log "ok - $what ($tr): $got"
}

for tr in udp tcp; do
	send '^rcode=NOERROR qr=1 .* id=4660 an=1' "well-formed query" 123400000001000000000000$QA $tr
	send '^no answer$' "a response (QR set)" 123484000001000000000000$QA $tr
	send '^no answer$' "11 octets" 1234000000010000000000 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "QDCOUNT 1 without a question" 123400000001000000000000 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "question cut short" 12340000000100000000000003776562086d6172 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "QDCOUNT 2" 123400000002000000000000${QA}${QA} $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "compression loop in the question" 123400000001000000000000c00c00010001 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "label of 64 octets" 12340000000100000000000040$(printf '61%.0s' $(seq 1 64))0000010001 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "ANCOUNT 1 without a record" 123400000001000100000000$QA $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "two OPT records" 123400000001000000000002${QA}00002910000000000000000000291000000000000000 $tr
	send '^rcode=FORMERR qr=1 .*id=4660' "OPT with a bad rdlength" 123400000001000000000001${QA}0000291000000000000008ffff $tr
	send '^rcode=NOTIMP qr=1 .*id=4660' "opcode IQUERY (1)" 123408000001000000000000$QA $tr
	send '^rcode=(NOTIMP|REFUSED) qr=1 .*id=4660' "opcode NOTIFY (4)" 123420000001000000000000$QA $tr
	send '^rcode=(NOTIMP|REFUSED) qr=1 .*id=4660' "opcode UPDATE (5)" 123428000001000000000000$QA $tr
	send '^rcode=(NOERROR|REFUSED|NOTIMP) qr=1 .*id=4660' "class ANY" 123400000001000000000000${QNAME}000100ff $tr
	send '^rcode=(REFUSED|NOTIMP) qr=1 .*id=4660' "class HS" 123400000001000000000000${QNAME}00010004 $tr
	# A transfer of a name that is no zone's apex: NOTAUTH (dns/xfr.h).
	send '^rcode=(NOTAUTH|NOTIMP|REFUSED|FORMERR|NOERROR) qr=1 .*id=4660' "qtype AXFR" 123400000001000000000000${QNAME}00fc0001 $tr
	send '^rcode=(NOTAUTH|NOTIMP|REFUSED|FORMERR|NOERROR) qr=1 .*id=4660' "qtype IXFR" 123400000001000000000000${QNAME}00fb0001 $tr
	send '^rcode=(NOERROR|FORMERR) qr=1 .*id=4660' "qtype 0" 123400000001000000000000${QNAME}00000001 $tr
done
send '^rcode=NOERROR qr=1 .*id=4660 an=0' "qtype 65535 (NODATA)" 123400000001000000000000${QNAME}ffff0001

# Zero-length and truncated TCP frames do not wedge the server.
python3 - "$DNS_PORT" <<'PY' || fail "bad TCP framing"
import socket, struct, sys
port = int(sys.argv[1])
for payload in (b"\x00\x00", b"\x00\x20abc", b"\xff\xff" + b"x" * 100, b"\x00"):
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()
PY

out=$(q web.$Z A)
expect_status NOERROR "$out" "still answering"
daemon_alive || fail "stadiond died"
stop_daemon
