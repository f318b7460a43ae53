#!/usr/bin/env bash
# Every registration survives a restart: the API, DNS, the index and the SOA
# serial come back as they were (LMDB is the only state).
. "$(dirname "$0")/lib.sh"
need_tools curl dig python3

start_daemon
Z=marathon.mesos
for s in 1 2 3 4 5 6 7 8 9 10; do
	for i in 1 2 3; do
		register svc$s i$i 127.0.$s.$i $((8000 + i)) $i
	done
done
register %2Fprod%2Fapi p1 127.0.20.1 9000
expect_http 200 PUT /v1/services/svc1/instances/i1 "$(instance_json i1 127.0.1.1 8001 1 unhealthy)"
http DELETE /v1/services/svc2/instances/i2
case $HTTP_CODE in 200|204) ;; *) fail "DELETE: $HTTP_CODE" ;; esac
http DELETE /v1/services/svc3
case $HTTP_CODE in 200|204) ;; *) fail "DELETE service: $HTTP_CODE" ;; esac

snapshot() {
	{
		for s in 1 2 3 4 5 6 7 8 9 10; do
			echo "svc$s: $(q_short svc$s.$Z A | tr '\n' ' ')"
			echo "_svc$s: $(q_short _svc$s._tcp.$Z SRV | tr '\n' ' ')"
		done
		echo "api-prod: $(q_short api-prod.$Z A | tr '\n' ' ')"
		echo "index: $(index_now)"
		http GET /v1/services
		echo "services: $(printf '%s' "$HTTP_BODY" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' 2>/dev/null || printf '%s' "$HTTP_BODY")"
		for s in 1 2 4 10; do
			http GET /v1/services/svc$s/instances
			echo "svc$s instances: $(printf '%s' "$HTTP_BODY" | python3 -c 'import json,sys; print(json.dumps(sorted(json.load(sys.stdin), key=lambda i: i["id"]), sort_keys=True))' 2>/dev/null || printf '%s' "$HTTP_BODY")"
		done
	} > "$1"
}

snapshot "$T/before"
serial_before=$(soa_serial $Z)
grep -q 'svc1: 127.0.1.2 127.0.1.3 $' "$T/before" || fail "unexpected state before restart: $(cat "$T/before")"
grep -q 'svc3: $' "$T/before" || fail "svc3 still served before restart"
restart_daemon
log "restarted"
snapshot "$T/after"
diff -u "$T/before" "$T/after" || fail "state differs after a restart"
serial_after=$(soa_serial $Z)
# The serial may move on at start-up (it is at least the time), never back.
[ $(( (serial_after - serial_before) & 0xffffffff )) -lt 2147483648 ] ||
    fail "SOA serial went back on restart: $serial_before -> $serial_after"
log "ok - DNS, API and index unchanged by a restart, serial $serial_before -> $serial_after"

# And the daemon goes on from there.
register svc11 i1 127.0.11.1 8001
[ "$(q +short svc11.$Z A)" = 127.0.11.1 ] || fail "registration after restart"
after=$(soa_serial $Z)
[ "$after" -gt "$serial_after" ] || fail "serial $after after restart + change is not > $serial_after"

# A hard kill loses nothing committed either.
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
_launch || fail "no start after SIGKILL"
[ "$(q +short svc11.$Z A)" = 127.0.11.1 ] || fail "svc11 lost by SIGKILL"
[ "$(q_short svc10.$Z A | tr '\n' ' ')" = "127.0.10.1 127.0.10.2 127.0.10.3 " ] || fail "svc10 lost by SIGKILL"
log "ok - nothing lost by SIGKILL"

stop_daemon
