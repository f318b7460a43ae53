#!/usr/bin/env bash
# The SOA serial of marathon.<domain> goes up with every change of the
# registry (register, update, deregister, delete a service), and only then.
. "$(dirname "$0")/lib.sh"
need_tools curl dig

start_daemon
Z=marathon.mesos

# serial_gt A B: A > B in RFC 1982 arithmetic.
serial_gt() {
	local a=$1 b=$2
	[ "$a" != "$b" ] && [ $(( (a - b) & 0xffffffff )) -lt 2147483648 ]
}

s0=$(soa_serial $Z) || fail "no SOA"
log "initial serial $s0"
prev=$s0
step() {
	local what=$1 s
	s=$(soa_serial $Z) || fail "no SOA after $what"
	serial_gt "$s" "$prev" || fail "serial did not increase after $what: $prev -> $s"
	log "ok - $what: serial $prev -> $s"
	prev=$s
}

for i in 1 2 3 4 5; do
	register svc$i a 127.0.1.$i 8080
	step "registration $i"
done
register svc1 b 127.0.1.101 8081
step "second instance of svc1"
expect_http 200 PUT /v1/services/svc1/instances/b "$(instance_json b 127.0.1.102 8081 5)"
step "update (PUT) of svc1/b"
expect_http 200 PUT /v1/services/svc1/instances/b "$(instance_json b 127.0.1.102 8081 5 unhealthy)"
step "health change of svc1/b"
http DELETE /v1/services/svc1/instances/b
case $HTTP_CODE in 200|204) ;; *) fail "DELETE instance: $HTTP_CODE $HTTP_BODY" ;; esac
step "deregistration of svc1/b"
http DELETE /v1/services/svc2
case $HTTP_CODE in 200|204) ;; *) fail "DELETE service: $HTTP_CODE $HTTP_BODY" ;; esac
step "deletion of svc2"

# Refused requests change nothing, so the serial stays.
expect_http 409 POST /v1/services/svc1/instances "$(instance_json a 127.0.1.1 8080)"
http POST /v1/services/svc1/instances '{"id":"c","address":"not-an-ip"}'
[ "$HTTP_CODE" = 422 ] || fail "bad address answered $HTTP_CODE"
http DELETE /v1/services/nosuch/instances/x
[ "$HTTP_CODE" = 404 ] || fail "DELETE of an unknown instance answered $HTTP_CODE"
s=$(soa_serial $Z)
[ "$s" = "$prev" ] || fail "serial changed by refused requests: $prev -> $s"
log "ok - refused requests leave the serial alone"

# The serial in the negative answer's SOA is the same one.
neg=$(q nosuch.$Z A | awk '$4 == "SOA" { print $7 }')
[ "$neg" = "$prev" ] || fail "SOA in authority has serial $neg, zone has $prev"
log "ok - negative answers carry the current SOA"

stop_daemon
