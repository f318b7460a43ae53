# shellcheck shell=bash
# deploy-lib.sh -- helpers of the deployment tests (sourced after lib.sh
# and apps-lib.sh): an app whose instances serve their version over HTTP,
# a client load that finds them only through stadion's DNS
# (loadloop.py), and what DNS and the API say during a deployment.
#
# The caller sets DEP_APP (the app id), DEP_N (instances) and, for
# containers, DEP_IMAGE (a busybox image); DNS records live 1 s (start the
# daemon with --ttl 1) so a drain is 2 s.

DEP_N=${DEP_N:-4}
DEP_IMAGE=${DEP_IMAGE:-}
LOAD_PID=
LOAD_OUT=
SSE_PID=
DEP_EVENTS=$T/deploy-events.sse

# dep_app VERSION [STRATEGY_JSON [HEALTH_OVERRIDES_JSON [INDEX]]]: the app's
# definition: instances serve VERSION at /index.html (INDEX: another file
# name, so that the health check fails), checked every second, and the
# counters http_requests_total and http_errors_total (0) at /metrics.
dep_app() {
	python3 - "$DEP_APP" "$DEP_N" "$1" "${2:-}" "${3:-}" "${4:-index.html}" \
	    "$DEP_IMAGE" "$(command -v busybox)" <<'EOF'
import json, sys
app_id, n, ver, strategy, hc, index, image, busybox = sys.argv[1:9]
hcheck = {"protocol": "HTTP", "path": "/index.html", "portIndex": 0,
          "gracePeriodSeconds": 10, "intervalSeconds": 1,
          "timeoutSeconds": 1, "maxConsecutiveFailures": 2}
if hc:
    hcheck.update(json.loads(hc))
app = {"id": app_id, "instances": int(n), "backoffSeconds": 1,
       "taskKillGracePeriodSeconds": 1,
       "portDefinitions": [{"port": 0, "protocol": "tcp", "name": "http"}],
       "healthChecks": [hcheck]}
# Counters for a canary's analysis: zero until a test writes others.
metrics = "printf 'http_requests_total 0\\nhttp_errors_total 0\\n' > %s/metrics; "
if image:
    app["cmd"] = ("mkdir -p /tmp/www; echo %s > /tmp/www/%s; " % (ver, index) +
                  metrics % "/tmp/www" +
                  "exec httpd -f -p 127.0.0.1:$PORT0 -h /tmp/www")
    app["container"] = {"type": "DOCKER", "docker": {"image": image}}
    app["networks"] = [{"mode": "host"}]
    app["cpus"], app["mem"] = 0.1, 32
else:
    app["cmd"] = ("mkdir -p www && echo %s > www/%s && " % (ver, index) +
                  metrics % "www" +
                  "exec %s httpd -f -p 127.0.0.1:$PORT0 -h www" % busybox)
if strategy:
    app["upgradeStrategy"] = json.loads(strategy)
print(json.dumps(app))
EOF
}

# dep_put VERSION [STRATEGY [HEALTH [INDEX]]]: PUT the app; DEP_ID is the
# deployment's id.
dep_put() {
	expect_http 200 PUT "/v2/apps$DEP_APP" "$(dep_app "$@")"
	DEP_ID=$(jget 'j["deploymentId"]')
	log "deployment $DEP_ID: $1 ${2:-}"
}

# dep_get EXPR: EXPR on the app's deployment (d), "none" without one.
dep_get() {
	http GET /v2/deployments
	printf '%s' "$HTTP_BODY" | python3 -c '
import json, sys
j = json.load(sys.stdin)
ds = [d for d in j if sys.argv[1] in d["affectedApps"]]
v = eval(sys.argv[2], {"d": ds[0]}) if ds else "none"
print(v if isinstance(v, (str, int)) and not isinstance(v, bool) else json.dumps(v))' "$DEP_APP" "$1"
}

# srv_versions: what each instance in DNS answers, "port:version", sorted.
srv_versions() {
	local port
	for port in $(srv_ports "$DEP_APP"); do
		printf '%s:%s\n' "$port" "$(curl -s --max-time 2 "http://127.0.0.1:$port/index.html")"
	done | sort
}

# srv_weights: "weight version" of each SRV record, sorted.
srv_weights() {
	local w port
	q +short "_$(app_label "$DEP_APP")._tcp.marathon.mesos" SRV | while read -r _ w port _; do
		printf '%s %s\n' "$w" "$(curl -s --max-time 2 "http://127.0.0.1:$port/index.html")"
	done | sort
}

# served_only VERSION: every instance in DNS answers VERSION, and there is
# at least one.
served_only() {
	local v
	v=$(srv_versions | cut -d: -f2 | sort -u)
	[ "$v" = "$1" ]
}

# load_start: the client load, until load_stop.
load_start() {
	LOAD_OUT=$T/load.$RANDOM.json
	rm -f "$T/load.stop"
	python3 "$SYSTEM_DIR/loadloop.py" --dns "127.0.0.1:$DNS_PORT" \
	    --srv "_$(app_label "$DEP_APP")._tcp.marathon.mesos" --workers 3 \
	    --stop-file "$T/load.stop" --duration 240 --max-requests 400000 \
	    --out "$LOAD_OUT" > "$LOAD_OUT.log" 2>&1 &
	LOAD_PID=$!
	_load_going() { [ -s "$LOAD_OUT" ] && [ "$(jget 'j["ok"]' "$(cat "$LOAD_OUT")")" -gt 0 ]; }
	wait_for 10 _load_going || fail "the load does not get answers: $(cat "$LOAD_OUT.log")"
}

# load_stat EXPR: EXPR on the load's running stats (j).
load_stat() {
	jget "$1" "$(cat "$LOAD_OUT")"
}

# load_stop [MAX_FAILED]: end the load; fail when more than MAX_FAILED
# (default 0) of its requests failed, or when it hardly sent any.
load_stop() {
	local max=${1:-0} failed ok
	touch "$T/load.stop"
	wait "$LOAD_PID" 2>/dev/null
	LOAD_PID=
	failed=$(load_stat 'j["failed"]')
	ok=$(load_stat 'j["ok"]')
	log "load: $(cat "$LOAD_OUT.log")"
	[ "$ok" -ge 100 ] || fail "the load sent only $ok good requests"
	[ "$failed" -le "$max" ] || fail "$failed requests failed (at most $max allowed): $(load_stat 'j["first_errors"]')"
}

# sse_start: record /v2/events to DEP_EVENTS (appended: again after a
# restart of the daemon).
sse_start() {
	curl -sN "http://127.0.0.1:$HTTP_PORT/v2/events" >> "$DEP_EVENTS" 2>/dev/null &
	SSE_PID=$!
}

sse_stop() {
	[ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null
	SSE_PID=
}

# events EXPR: EXPR over ev, the list of recorded events (dicts).
events() {
	python3 - "$DEP_EVENTS" "$1" <<'EOF'
import json, sys
ev = []
for line in open(sys.argv[1], encoding='utf-8', errors='replace').read().splitlines():
    if line.startswith('data: '):
        try:
            ev.append(json.loads(line[6:]))
        except ValueError:
            pass
v = eval(sys.argv[2])
print(v if isinstance(v, (str, int)) and not isinstance(v, bool) else json.dumps(v))
EOF
}

dep_cleanup() {
	sse_stop
	if [ -n "$LOAD_PID" ]; then
		touch "$T/load.stop"
		kill "$LOAD_PID" 2>/dev/null
	fi
}

# dep_served VERSION: DEP_N instances in DNS, all answering VERSION.
dep_served() {
	served_only "$1" && [ "$(srv_count "$DEP_APP")" = "$DEP_N" ]
}

# The scenarios both drivers go through, each under the client load and
# with zero failed requests.

# dep_rolling NEW: a rolling update (the default strategy) to NEW.
dep_rolling() {
	load_start
	dep_put "$1"
	check "a RollingUpdate deployment" test "$(dep_get 'd["strategy"]')" = RollingUpdate
	wait_deployed 60
	wait_for 5 dep_served "$1" || fail "$1 is not served by $DEP_N instances: $(srv_versions)"
	load_stop 0
	log "ok - rolling update to $1: zero failed requests"
}

# dep_blue_green OLD NEW: until the switch DNS has only OLD, after it only
# NEW, never both.
dep_blue_green() {
	local mixed=0 vs
	load_start
	dep_put "$2" '{"type":"BlueGreen","scaleDownDelaySeconds":2}'
	for _ in $(seq 1 400); do
		vs=$(srv_versions | cut -d: -f2 | sort -u | tr '\n' ' ')
		case $vs in
		"$1 " | "$2 ") ;;
		*) mixed=$((mixed + 1)); log "DNS shows: $vs" ;;
		esac
		[ "$(dep_get 'd["strategy"]')" = none ] && break
		sleep 0.1
	done
	wait_deployed 60
	[ "$mixed" = 0 ] || fail "DNS mixed versions $mixed times during the blue-green switch"
	wait_for 5 dep_served "$2" || fail "$2 is not served by $DEP_N instances: $(srv_versions)"
	load_stop 0
	log "ok - blue-green to $2: DNS switched at once, zero failed requests"
}

# dep_canary OLD NEW: 25%, a 2 s pause, 50% (half the weight and about
# half the requests go to NEW), an indefinite pause, resumed: the five
# steps succeed in order.
dep_canary() {
	local w a b share
	load_start
	dep_put "$2" '{"type":"Canary","steps":[{"setWeight":25},{"pause":{"duration":2}},{"setWeight":50},{"pause":{}}]}'
	_waiting() { [ "$(dep_get 'd.get("paused")')" = true ]; }
	wait_for 60 _waiting || fail "the canary did not stop at its indefinite pause: $(dep_get d)"
	check "the canary is at step 4 of 5" test "$(dep_get '"%d/%d" % (d["currentStep"], d["totalSteps"])')" = 4/5
	w=$(srv_weights | tr '\n' ',')
	[ "$w" = "2500 $1,2500 $1,2500 $2,2500 $2," ] || fail "setWeight 50 of 4: SRV weights $w"
	# Past the TTL, so that the load's cached answers are this step's.
	sleep 2
	a=$(load_stat "j['bodies'].get('$2', 0)")
	b=$(load_stat 'sum(j["bodies"].values())')
	sleep 4
	share=$(load_stat "(j['bodies'].get('$2', 0) - $a) / max(1, sum(j['bodies'].values()) - $b)")
	log "canary share of the requests at setWeight 50: $share"
	awk -v s="$share" 'BEGIN { exit !(s > 0.3 && s < 0.7) }' || fail "the canary got $share of the requests at setWeight 50"
	expect_http 200 POST "/v2/deployments/$DEP_ID/resume"
	wait_deployed 60
	wait_for 5 dep_served "$2" || fail "$2 is not served by $DEP_N instances: $(srv_versions)"
	check "weights back to 1" test "$(srv_weights | awk '{ print $1 }' | sort -u)" = 1
	load_stop 0
	log "canary steps done: $(events "[e['currentStep']['actions'][0]['description'] for e in ev if e['eventType'] == 'deployment_step_success' and e['plan']['id'] == '$DEP_ID']")"
	check "five steps succeeded" test "$(events "len([e for e in ev if e['eventType'] == 'deployment_step_success' and e['plan']['id'] == '$DEP_ID'])")" = 5
	check "deployment_success" test "$(events "len([e for e in ev if e['eventType'] == 'deployment_success' and e['id'] == '$DEP_ID'])")" = 1
	log "ok - canary to $2: 25%, pause, 50%, resumed, done; zero failed requests"
}

# dep_failing OLD NEW: NEW's health check fails: after failureThreshold
# failures the deployment rolls back by itself and OLD serves again.
dep_failing() {
	local bad why
	load_start
	dep_put "$2" '{"failureThreshold":3}' '{"gracePeriodSeconds":1,"maxConsecutiveFailures":1}' other.html
	bad=$DEP_ID
	wait_deployed 90
	wait_for 5 dep_served "$1" || fail "$1 is not back on $DEP_N instances: $(srv_versions)"
	why=$(events "[e['reason'] for e in ev if e['eventType'] == 'deployment_failed' and e['id'] == '$bad'][0]")
	log "deployment_failed: $why"
	case $why in *failureThreshold*"rolled back"*) ;; *) fail "deployment_failed says: $why" ;; esac
	check "the app's config is $1 again" test "$(app_get "$DEP_APP" >/dev/null; jget "'$1' in j['app']['cmd']")" = true
	load_stop 0
	log "ok - failing health checks: rolled back to $1, zero failed requests"
}
