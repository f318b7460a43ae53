#!/usr/bin/env bash
# The HTTP API refuses bad input with 400 (not JSON) or 422 (a field is
# wrong, named by its JSON pointer) and stores nothing; unknown things are
# 404. The registry index and DNS stay as they were.
. "$(dirname "$0")/lib.sh"
need_tools curl dig python3

start_daemon
Z=marathon.mesos
register keep k1 127.0.0.41 8080
idx0=$(index_now) || fail "no index"
serial0=$(soa_serial $Z)

# json_get EXPR: evaluate a Python expression on the last body (as j).
json_get() {
	printf '%s' "$HTTP_BODY" | python3 -c "import json,sys; j=json.load(sys.stdin); print($1)" 2>/dev/null
}

# bad CODE PATH BODY [POINTER]: the request is refused with CODE; for 422 the
# details name POINTER.
bad() {
	local code=$1 path=$2 body=$3 ptr=${4:-}
	http POST "$path" "$body"
	[ "$HTTP_CODE" = "$code" ] || fail "POST $path $body: $HTTP_CODE, expected $code ($HTTP_BODY)"
	case "$(header Content-Type)" in application/json*) ;; *) fail "error without a JSON body: $HTTP_HEADERS" ;; esac
	if [ "$code" = 400 ]; then
		[ "$(json_get 'j["message"]')" = "Invalid JSON" ] || fail "400 body: $HTTP_BODY"
	fi
	if [ "$code" = 422 ]; then
		[ "$(json_get 'j["message"]')" = "Object is not valid" ] || fail "422 body: $HTTP_BODY"
		if [ -n "$ptr" ]; then
			[ "$(json_get '" ".join(d["path"] for d in j["details"])')" = "$ptr" ] ||
			    fail "422 for $body names '$(json_get '" ".join(d["path"] for d in j["details"])')', expected '$ptr': $HTTP_BODY"
			[ "$(json_get 'len(j["details"][0]["errors"]) > 0 and all(isinstance(e, str) for e in j["details"][0]["errors"])')" = True ] ||
			    fail "422 details without error texts: $HTTP_BODY"
		fi
	fi
	log "ok - $code for $body${ptr:+ ($ptr)}"
}

P=/v1/services/web/instances
bad 400 $P '{"id":"x","address":'
bad 400 $P 'not json at all'
bad 400 $P ''
bad 422 $P '[1,2,3]'
bad 422 $P '{"address":"127.0.0.1","ports":[{"port":80}]}' /id
bad 422 $P '{"id":"","address":"127.0.0.1"}' /id
bad 422 $P '{"id":"x","address":"300.1.1.1"}' /address
bad 422 $P '{"id":"x","address":"web.example"}' /address
bad 422 $P '{"id":"x"}' /address
bad 422 $P '{"id":"x","address":"127.0.0.1","ports":[{"port":70000}]}' /ports/0/port
bad 422 $P '{"id":"x","address":"127.0.0.1","ports":[{"port":80},{"port":0}]}' /ports/1/port
bad 422 $P '{"id":"x","address":"127.0.0.1","ports":[{"port":"80"}]}' /ports/0/port
bad 422 $P '{"id":"x","address":"127.0.0.1","ports":[{"port":80,"protocol":"sctp"}]}' /ports/0/protocol
bad 422 $P '{"id":"x","address":"127.0.0.1","ports":{"port":80}}' /ports
bad 422 $P '{"id":"x","address":"127.0.0.1","weight":-1}' /weight
bad 422 $P '{"id":"x","address":"127.0.0.1","weight":65536}' /weight
bad 422 $P '{"id":"x","address":"127.0.0.1","health":"great"}' /health
bad 422 $P '{"id":"x","address":"127.0.0.1","tags":"a"}' /tags
bad 422 $P '{"id":"x","address":"127.0.0.1","metadata":{"k":1}}' /metadata/k

# Nothing of that was stored.
expect_http 404 GET /v1/services/web
[ "$(index_now)" = "$idx0" ] || fail "index moved: $idx0 -> $(index_now)"
[ "$(soa_serial $Z)" = "$serial0" ] || fail "SOA serial moved"
out=$(q web.$Z A)
expect_status NXDOMAIN "$out" "web.$Z after refused registrations"
expect_http 200 GET /v1/services
[ "$(json_get 'len(j)')" = 1 ] || fail "services after refused requests: $HTTP_BODY"
log "ok - nothing stored"

# A refused update leaves the instance as it was.
http PUT /v1/services/keep/instances/k1 '{"id":"k1","address":"127.0.0.42","ports":[{"port":99999}]}'
[ "$HTTP_CODE" = 422 ] || fail "bad PUT answered $HTTP_CODE"
[ "$(q +short keep.$Z A)" = 127.0.0.41 ] || fail "refused PUT changed DNS"
# The id in the body must match the one in the URL.
http PUT /v1/services/keep/instances/k1 "$(instance_json other 127.0.0.42 8080)"
[ "$HTTP_CODE" = 422 ] || [ "$HTTP_CODE" = 400 ] || fail "PUT with another id in the body: $HTTP_CODE"
[ "$(q +short keep.$Z A)" = 127.0.0.41 ] || fail "PUT with a mismatched id changed DNS"
# Registering the same id twice is a conflict.
http POST /v1/services/keep/instances "$(instance_json k1 127.0.0.43 8080)"
[ "$HTTP_CODE" = 409 ] || fail "duplicate POST answered $HTTP_CODE"
[ "$(index_now)" = "$idx0" ] || fail "index moved on refused updates"
log "ok - refused updates change nothing"

# Unknown things.
expect_http 404 GET /v1/services/nosuch
expect_http 404 GET /v1/services/nosuch/instances
http DELETE /v1/services/keep/instances/nosuch
[ "$HTTP_CODE" = 404 ] || fail "DELETE unknown instance: $HTTP_CODE"
http DELETE /v1/services/nosuch
[ "$HTTP_CODE" = 404 ] || fail "DELETE unknown service: $HTTP_CODE"
http GET /v2/whatever
[ "$HTTP_CODE" = 404 ] || fail "GET /v2/whatever: $HTTP_CODE"
http PATCH /v1/services/keep/instances/k1 '{}'
[ "$HTTP_CODE" = 405 ] || [ "$HTTP_CODE" = 404 ] || [ "$HTTP_CODE" = 400 ] || [ "$HTTP_CODE" = 501 ] ||
    fail "PATCH answered $HTTP_CODE"
log "ok - 404 for unknown services, instances and paths"

# A large body does not bring the daemon down.
python3 -c 'print("{\"id\":\"x\",\"address\":\"127.0.0.1\",\"tags\":[" + ",".join(["\"aaaaaaaaaaaaaaaaaaaa\""] * 200000) + "]}")' > "$T/big.json"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -H 'Content-Type: application/json' \
    --data-binary @"$T/big.json" "http://127.0.0.1:$HTTP_PORT$P")
log "4.6 MB body answered $code"
daemon_alive || fail "stadiond died on a large body"
expect_http 200 GET /health

stop_daemon
