#!/usr/bin/env bash
# Only instances whose health is "healthy" or "none" are served: an unhealthy
# or starting instance leaves DNS, and comes back once healthy again.
. "$(dirname "$0")/lib.sh"
need_tools curl dig

start_daemon
Z=marathon.mesos
register web i1 127.0.0.11 31001 1 healthy
register web i2 127.0.0.12 31002 1 none
register web i3 127.0.0.13 31003 1 unhealthy
register web i4 127.0.0.14 31004 1 starting

addrs() { q_short "$1" A | tr '\n' ' '; }
srv_targets() { q_short "$1" SRV | awk '{ print $4 }' | tr '\n' ' '; }

[ "$(addrs web.$Z)" = "127.0.0.11 127.0.0.12 " ] || fail "served: '$(addrs web.$Z)'"
[ "$(srv_targets _web._tcp.$Z)" = "web-i1.$Z. web-i2.$Z. " ] || fail "SRV: '$(srv_targets _web._tcp.$Z)'"
for i in 3 4; do
	out=$(q web-i$i.$Z A)
	[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "web-i$i (not healthy) has an answer: $out"
done
log "ok - unhealthy and starting instances are not served"

# The API still lists all four.
expect_http 200 GET /v1/services/web/instances
for i in i1 i2 i3 i4; do
	printf '%s' "$HTTP_BODY" | grep -q "\"$i\"" || fail "instance $i missing from the API: $HTTP_BODY"
done
log "ok - the API lists every instance whatever its health"

expect_http 200 PUT /v1/services/web/instances/i3 "$(instance_json i3 127.0.0.13 31003 1 healthy)"
[ "$(addrs web.$Z)" = "127.0.0.11 127.0.0.12 127.0.0.13 " ] || fail "i3 not back: '$(addrs web.$Z)'"
[ "$(q +short web-i3.$Z A)" = 127.0.0.13 ] || fail "web-i3 not back"
[ "$(srv_targets _web._tcp.$Z)" = "web-i1.$Z. web-i2.$Z. web-i3.$Z. " ] || fail "i3 not back in SRV"
log "ok - healthy again: served again"

expect_http 200 PUT /v1/services/web/instances/i1 "$(instance_json i1 127.0.0.11 31001 1 unhealthy)"
[ "$(addrs web.$Z)" = "127.0.0.12 127.0.0.13 " ] || fail "i1 still served: '$(addrs web.$Z)'"
log "ok - healthy to unhealthy: withdrawn"

# No served instance left: the name has no addresses.
for i in i2 i3; do
	expect_http 200 PUT /v1/services/web/instances/$i "$(instance_json $i 127.0.0.1 31000 1 unhealthy)"
done
out=$(q web.$Z A)
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "addresses with every instance unhealthy: $out"
st=$(dig_status "$out")
[ "$st" = NXDOMAIN ] || [ "$st" = NOERROR ] || fail "status $st with every instance unhealthy"
out=$(q _web._tcp.$Z SRV)
[ "$(dig_count "$out" ANSWER)" = 0 ] || fail "SRV with every instance unhealthy: $out"
log "ok - no instance healthy: no records ($st)"

stop_daemon
