#!/usr/bin/env bash
# App ids become DNS labels as Mesos-DNS does ("/prod/web" -> "web-prod");
# two services that would share a label are refused with 409.
. "$(dirname "$0")/lib.sh"
need_tools curl dig

start_daemon
Z=marathon.mesos

# The app id travels URL-encoded in the path.
register %2Fprod%2Fweb a1 127.0.0.31 8080
[ "$(q +short web-prod.$Z A)" = 127.0.0.31 ] || fail "web-prod.$Z A: $(q web-prod.$Z A)"
[ "$(q +short web-prod-a1.$Z A)" = 127.0.0.31 ] || fail "web-prod-a1.$Z A"
[ "$(q +short _web-prod._tcp.$Z SRV)" = "0 1 8080 web-prod-a1.$Z." ] || fail "_web-prod._tcp SRV: $(q +short _web-prod._tcp.$Z SRV)"
log "ok - /prod/web is web-prod"

expect_http 200 GET /v1/services
printf '%s' "$HTTP_BODY" | grep -q '"/prod/web"' || fail "service name not /prod/web: $HTTP_BODY"
printf '%s' "$HTTP_BODY" | grep -q '"web-prod"' || fail "label web-prod not listed: $HTTP_BODY"

register %2Fa%2Fb%2FMy_App x 127.0.0.32 8080
[ "$(q +short my-app-b-a.$Z A)" = 127.0.0.32 ] || fail "/a/b/My_App is not my-app-b-a: $(q +short my-app-b-a.$Z A)"
log "ok - /a/b/My_App is my-app-b-a"

# "web-prod" would take the label of "/prod/web".
before=$(index_now) || fail "no index"
http POST /v1/services/web-prod/instances "$(instance_json b1 127.0.0.33 8081)"
[ "$HTTP_CODE" = 409 ] || fail "label clash answered $HTTP_CODE: $HTTP_BODY"
log "ok - label clash: 409 ($HTTP_BODY)"
http GET /v1/services/web-prod
[ "$HTTP_CODE" = 404 ] || fail "the refused service exists: $HTTP_CODE $HTTP_BODY"
[ "$(q +short web-prod.$Z A)" = 127.0.0.31 ] || fail "web-prod changed by the refused request"
[ "$(index_now)" = "$before" ] || fail "index moved on a refused request"

# A second instance of the same service is no clash.
register %2Fprod%2Fweb a2 127.0.0.34 8080
[ "$(q_short web-prod.$Z A | tr '\n' ' ')" = "127.0.0.31 127.0.0.34 " ] || fail "second instance of /prod/web"

# Instance ids that sanitize to the same short id within a service clash too.
http POST /v1/services/%2Fprod%2Fweb/instances "$(instance_json A1 127.0.0.35 8080)"
[ "$HTTP_CODE" = 409 ] || fail "instance A1 (short id a1, taken) answered $HTTP_CODE: $HTTP_BODY"
[ "$(q +short web-prod-a1.$Z A)" = 127.0.0.31 ] || fail "web-prod-a1 changed by the refused request"
log "ok - short id clash (A1 vs a1): 409"

# Once /prod/web is gone its label is free again.
http DELETE /v1/services/%2Fprod%2Fweb
case $HTTP_CODE in 200|204) ;; *) fail "DELETE /prod/web: $HTTP_CODE $HTTP_BODY" ;; esac
out=$(q web-prod.$Z A)
expect_status NXDOMAIN "$out" "web-prod after DELETE of the service"
register web-prod b1 127.0.0.33 8081
[ "$(q +short web-prod.$Z A)" = 127.0.0.33 ] || fail "web-prod now from service web-prod"
log "ok - label free again after the delete"

stop_daemon
