#!/usr/bin/env bash
# The names a registration publishes, asked with dig and kdig: A, AAAA, SRV
# with the targets in the additional section, per-instance names, named
# ports, NXDOMAIN vs NODATA (SOA in authority, AA set), REFUSED outside our
# zones, leader/master/ns1, ANY (RFC 8482), CHAOS, unknown opcodes.
. "$(dirname "$0")/lib.sh"
need_tools curl dig kdig

start_daemon --address 127.0.0.53 --chaos-version "stadion-test-1" --chaos-id "node-7" --ttl 30
Z=marathon.mesos

register web i1 127.0.0.11 31001 1 healthy
register web i2 127.0.0.12 31002 2 none
expect_http 201 POST /v1/services/web/instances \
    '{"id":"i3","address":"2001:db8::13","ports":[{"port":31003,"name":"http","protocol":"tcp"},{"port":31103,"name":"metrics","protocol":"tcp"},{"port":5353,"name":"gossip","protocol":"udp"}],"weight":3}'

# ---- A / AAAA of the service name (weighted shuffle: compare sorted)
for client in q kq; do
	out=$($client +short web.$Z A | sort | tr '\n' ' ')
	[ "$out" = "127.0.0.11 127.0.0.12 " ] || fail "$client web.$Z A: '$out'"
	out=$($client +short web.$Z AAAA | tr '\n' ' ')
	[ "$out" = "2001:db8::13 " ] || fail "$client web.$Z AAAA: '$out'"
	log "ok - $client: web.$Z A and AAAA"
done

out=$(q web.$Z A)
expect_status NOERROR "$out" "dig web.$Z A"
has_flag "$out" aa || fail "web.$Z A without the AA flag"
has_flag "$out" qr || fail "web.$Z A without the QR flag"
dig_section "$out" ANSWER | awk '$2 != 30 { exit 1 }' || fail "TTL is not --ttl 30: $out"
log "ok - AA set, TTL from --ttl"

# Names are case-insensitive.
out=$(q_short WeB.MaRaThOn.MeSoS A | tr '\n' ' ')
[ "$out" = "127.0.0.11 127.0.0.12 " ] || fail "mixed-case query: '$out'"
log "ok - mixed-case query"

# ---- per-instance names
[ "$(q +short web-i1.$Z A)" = 127.0.0.11 ] || fail "web-i1.$Z A"
[ "$(kq +short web-i2.$Z A)" = 127.0.0.12 ] || fail "web-i2.$Z A"
[ "$(q +short web-i3.$Z AAAA)" = 2001:db8::13 ] || fail "web-i3.$Z AAAA"
out=$(q web-i3.$Z A)
expect_status NOERROR "$out" "web-i3.$Z A (an IPv6-only instance: NODATA)"
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "web-i3.$Z A has answers: $out"

# ---- SRV with additional section
out=$(q _web._tcp.$Z SRV)
expect_status NOERROR "$out" "dig _web._tcp.$Z SRV"
srv=$(dig_section "$out" ANSWER | awk '$4 == "SRV" { print $5, $6, $7, $8 }' | sort)
want=$(printf '%s\n' "0 1 31001 web-i1.$Z." "0 2 31002 web-i2.$Z." \
    "0 3 31003 web-i3.$Z." "0 3 31103 web-i3.$Z." | sort)
[ "$srv" = "$want" ] || fail "_web._tcp SRV: got [$srv], want [$want]"
add=$(dig_section "$out" ADDITIONAL | awk '$4 == "A" || $4 == "AAAA" { print $1, $4, $5 }' | sort)
want=$(printf '%s\n' "web-i1.$Z. A 127.0.0.11" "web-i2.$Z. A 127.0.0.12" \
    "web-i3.$Z. AAAA 2001:db8::13" | sort)
[ "$add" = "$want" ] || fail "_web._tcp SRV additional (each target address once): got [$add], want [$want]"
log "ok - SRV records with the targets' addresses in the additional section"

out=$(kq _web._tcp.$Z SRV)
[ "$(dig_status "$out")" = NOERROR ] || fail "kdig SRV: $out"
[ "$(count_rr "$out" SRV)" = 4 ] || fail "kdig: 4 SRV expected: $out"
log "ok - kdig SRV"

# ---- named ports, udp
out=$(q_short _metrics._web._tcp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 3 31103 web-i3.$Z. " ] || fail "_metrics._web._tcp SRV: '$out'"
out=$(q_short _http._web._tcp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 1 31001 web-i1.$Z. 0 2 31002 web-i2.$Z. 0 3 31003 web-i3.$Z. " ] ||
    fail "_http._web._tcp SRV: '$out'"
out=$(q_short _web._udp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 3 5353 web-i3.$Z. " ] || fail "_web._udp SRV: '$out'"
out=$(q_short _gossip._web._udp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 3 5353 web-i3.$Z. " ] || fail "_gossip._web._udp SRV: '$out'"
log "ok - named-port and udp SRV"

# ---- negative answers
soa_in_authority() {
	dig_section "$1" AUTHORITY | awk -v z="$2." '$1 == z && $4 == "SOA" { f = 1 } END { exit !f }'
}
out=$(q nosuch.$Z A)
expect_status NXDOMAIN "$out" "nosuch.$Z A"
has_flag "$out" aa || fail "NXDOMAIN without AA: $out"
soa_in_authority "$out" $Z || fail "NXDOMAIN without the $Z SOA in authority: $out"
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "NXDOMAIN with answers"

out=$(kq nosuch.$Z A)
[ "$(dig_status "$out")" = NXDOMAIN ] || fail "kdig NXDOMAIN: $out"

out=$(q web.$Z TXT)
expect_status NOERROR "$out" "web.$Z TXT (NODATA)"
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "NODATA with answers: $out"
has_flag "$out" aa || fail "NODATA without AA: $out"
soa_in_authority "$out" $Z || fail "NODATA without SOA in authority: $out"

# An empty non-terminal (_tcp.marathon.mesos has descendants) exists: NODATA.
out=$(q _tcp.$Z A)
expect_status NOERROR "$out" "_tcp.$Z A (empty non-terminal)"
soa_in_authority "$out" $Z || fail "empty non-terminal without SOA: $out"

# The SOA of the negative answer carries the negative TTL in its minimum.
out=$(q nosuch.mesos A)
expect_status NXDOMAIN "$out" "nosuch.mesos A"
soa_in_authority "$out" mesos || fail "NXDOMAIN in mesos without its SOA: $out"

# ---- outside our zones
for name in example.com. com. . mesos.example.; do
	out=$(q "$name" A)
	expect_status REFUSED "$out" "$name A (outside our zones)"
	[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "REFUSED with answers"
done
out=$(kq example.com A)
[ "$(dig_status "$out")" = REFUSED ] || fail "kdig REFUSED: $out"

# ---- the domain zone: SOA, NS, ns1, leader, master
serial=$(q +short mesos SOA | awk '{ print $1, $2 }')
[ "$serial" = "ns1.mesos. root.ns1.mesos." ] || fail "mesos SOA: '$serial'"
[ "$(q +short mesos NS)" = ns1.mesos. ] || fail "mesos NS"
[ "$(q +short $Z NS)" = ns1.mesos. ] || fail "$Z NS"
q +short $Z SOA | grep -q '^ns1\.mesos\. ' || fail "$Z SOA"
for n in ns1 leader master; do
	[ "$(q +short $n.mesos A)" = 127.0.0.53 ] || fail "$n.mesos A is not --address"
	[ "$(kq +short $n.mesos A)" = 127.0.0.53 ] || fail "kdig $n.mesos A"
done
log "ok - SOA, NS, ns1/leader/master"

# ---- ANY gets one RRset (RFC 8482)
out=$(q web.$Z ANY)
expect_status NOERROR "$out" "web.$Z ANY"
n=$(rr_types "$(dig_section "$out" ANSWER)" | wc -l)
[ "$n" = 1 ] || fail "ANY answered $n RRsets: $out"
log "ok - ANY answered with one RRset"

# ---- CHAOS
[ "$(q +short -c CH -t TXT version.bind)" = '"stadion-test-1"' ] || fail "version.bind: $(q -c CH -t TXT version.bind)"
[ "$(kq +short -c CH -t TXT version.bind)" = '"stadion-test-1"' ] || fail "kdig version.bind"
[ "$(q +short -c CH -t TXT id.server)" = '"node-7"' ] || fail "id.server: $(q -c CH -t TXT id.server)"
out=$(q -c CH -t TXT nosuch.bind)
st=$(dig_status "$out")
[ "$st" = REFUSED ] || [ "$st" = NXDOMAIN ] || [ "$st" = NOTIMP ] || fail "nosuch.bind CH: $st"
log "ok - CHAOS version.bind and id.server"

# ---- opcodes and odd queries
out=$(q +opcode=2 web.$Z A)
expect_status NOTIMP "$out" "opcode STATUS"
out=$(q +opcode=15 web.$Z A)
expect_status NOTIMP "$out" "opcode 15"
out=$(q +header-only)
st=$(dig_status "$out")
[ "$st" = FORMERR ] || fail "query without a question: $st (expected FORMERR)"
log "ok - no question: FORMERR"
# A query with the RD flag is answered (without RA).
out=$(dig -r @127.0.0.1 -p "$DNS_PORT" +time=3 +tries=1 +rec web.$Z A)
expect_status NOERROR "$out" "query with RD set"
has_flag "$out" ra && fail "RA set by an authoritative-only server"
has_flag "$out" rd || fail "RD not copied into the response: $out"

daemon_alive || fail "stadiond died"
stop_daemon
