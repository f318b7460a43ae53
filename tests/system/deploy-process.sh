#!/usr/bin/env bash
# deploy-process.sh -- deployments end to end with the process driver,
# while a client load finds the app only through stadion's DNS (TTL 1 s)
# and sends it HTTP requests: a rolling update, a blue-green switch and a
# canary with a timed and an indefinite pause complete with zero failed
# requests; a new version whose health check fails, and one that never
# gets healthy before progressDeadlineSeconds, roll back by themselves
# while the old version keeps serving; pause and resume; a rollback to a
# kept version (PUT {"version"}) and DELETE /v2/deployments/{id} right
# after a blue-green switch; stadiond killed with SIGKILL in the middle
# of a deployment finishes it after its restart; the events of each step.
: "${STADION_TEST_TIMEOUT:=300}"
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/apps-lib.sh"
need_tools curl dig python3 busybox

DEP_APP=/dep/web
DEP_N=4
. "$SYSTEM_DIR/deploy-lib.sh"
apps_trap dep_cleanup

start_daemon --ttl 1
sse_start

# ---------------------------------------------------------------- v1

app_create "$(dep_app v1)"
wait_deployed 30
wait_for 10 dep_served v1 || fail "v1 is not served by 4 instances: $(srv_versions)"
log "ok - v1 serves from 4 instances"

# ------------------------------------------------- refused strategies

expect_http 422 PUT "/v2/apps$DEP_APP" "$(dep_app v0 '{"maxSurge":0,"maxUnavailable":"0%"}')"
check "422 names upgradeStrategy" jget '"/upgradeStrategy" in [d["path"] for d in j["details"]]'
expect_http 422 PUT "/v2/apps$DEP_APP" "$(dep_app v0 '{"type":"Canary"}')"
log "ok - both zero, and a canary without steps: 422"

# ------------------------------------------- rolling, blue-green, canary

dep_rolling v2
dep_blue_green v2 v3
dep_canary v3 v4

# ----------------------------------------------- automatic rollbacks

dep_failing v4 v5

load_start
dep_put v6 '{"progressDeadlineSeconds":4}' '{"gracePeriodSeconds":60}' other.html
bad=$DEP_ID
wait_deployed 60
served_only v4 || fail "v4 is not back: $(srv_versions)"
why=$(events "[e['reason'] for e in ev if e['eventType'] == 'deployment_failed' and e['id'] == '$bad'][0]")
case $why in *progressDeadlineSeconds*) ;; *) fail "deployment_failed says: $why" ;; esac
load_stop 0
log "ok - no progress before the deadline: rolled back, zero failed requests"

# ----------------------------------------------------- pause, resume

dep_put v7 '{"batchSize":"25%","batchIntervalSeconds":1}'
expect_http 200 POST "/v2/deployments/$DEP_ID/pause"
check "paused" jget 'j["paused"]'
# live_tasks: the tasks that are not being stopped (drains end meanwhile).
live_tasks() {
	http GET "/v2/apps$DEP_APP/tasks"
	jget '" ".join(sorted(t["id"] for t in j["tasks"] if t["state"] not in ("TASK_KILLING", "TASK_KILLED")))'
}
sleep 1
before=$(live_tasks)
sleep 3
check "nothing starts or stops while paused" test "$(live_tasks)" = "$before"
check "still there" test "$(dep_get 'd["paused"]')" = true
expect_http 200 POST "/v2/deployments/$DEP_ID/resume"
wait_deployed 60
served_only v7 || fail "v7 is not served: $(srv_versions)"
check "four batch steps" test "$(events "len([e for e in ev if e['eventType'] == 'deployment_step_success' and e['plan']['id'] == '$DEP_ID'])")" = 4
log "ok - pause holds the deployment, resume finishes it"

# ------------------------------------------------- manual rollbacks

http GET "/v2/apps$DEP_APP/versions"
v2=$(jget 'sorted(j["versions"])[0]')
expect_http 404 PUT "/v2/apps$DEP_APP" "{\"version\":\"1999-01-01T00:00:00.000Z\"}"
load_start
expect_http 200 PUT "/v2/apps$DEP_APP" "{\"version\":\"$v2\"}"
wait_deployed 60
served_only v1 || fail "the first version is not back: $(srv_versions)"
log "ok - PUT {\"version\"}: back to the first version"

dep_put v8 '{"type":"BlueGreen","scaleDownDelaySeconds":30}'
_switched() { [ "$(dep_get 'd.get("phase")')" = switched ]; }
wait_for 30 _switched || fail "no switch: $(dep_get d)"
served_only v8 || fail "v8 is not served after the switch: $(srv_versions)"
expect_http 200 DELETE "/v2/deployments/$DEP_ID"
_v1back() { served_only v1; }
wait_for 5 _v1back || fail "v1 is not back within 5 s of the rollback: $(srv_versions)"
wait_deployed 60
load_stop 0
log "ok - DELETE /v2/deployments after a blue-green switch: the old set is back at once"

# ------------------------------------------ kill -9 in the middle

dep_put v9 '{"batchSize":"25%","batchIntervalSeconds":2}'
_batch1() { [ "$(dep_get 'd["currentStep"]')" = 2 ]; }
wait_for 30 _batch1 || fail "the first batch did not finish: $(dep_get d)"
crash_daemon
relaunch_daemon
sse_stop
sse_start
wait_deployed 60
served_only v9 || fail "v9 is not served after the restart: $(srv_versions)"
check "4 instances" test "$(srv_count "$DEP_APP")" = 4
check "4 processes, no duplicates" test "$(inst_procs | grep -c .)" = 4
log "ok - a deployment survives kill -9 of stadiond"

# ------------------------------------------------ canary analysis

AN='"analysis":{"path":"/metrics","requests":"http_requests_total","errors":"http_errors_total","maxErrorRate":0.1}'
load_start
dep_put v10 "{\"type\":\"Canary\",\"steps\":[{\"setWeight\":50},{\"pause\":{\"duration\":2}}],$AN}"
wait_deployed 60
served_only v10 || fail "v10 is not served: $(srv_versions)"
log "ok - a canary whose counters did not move passes its analysis"

dep_put v11 "{\"type\":\"Canary\",\"steps\":[{\"setWeight\":50},{\"pause\":{\"duration\":4}}],$AN}"
bad=$DEP_ID
_pausing() { [ "$(dep_get 'd["currentStep"]')" = 2 ]; }
wait_for 30 _pausing || fail "the canary did not reach its pause: $(dep_get d)"
sleep 1
http GET "/v2/apps$DEP_APP/tasks"
for id in $(jget '" ".join(t["id"] for t in j["tasks"] if t["state"] == "TASK_RUNNING")'); do
	f=$T/state/proc/$id/www/index.html
	[ "$(cat "$f" 2>/dev/null)" = v11 ] || continue
	printf 'http_requests_total 100\nhttp_errors_total 30\n' > "$T/state/proc/$id/www/metrics"
done
wait_deployed 60
why=$(events "[e['reason'] for e in ev if e['eventType'] == 'deployment_failed' and e['id'] == '$bad'][0]")
log "deployment_failed: $why"
case $why in *"error rate"*"rolled back"*) ;; *) fail "deployment_failed says: $why" ;; esac
served_only v10 || fail "v10 is not back: $(srv_versions)"
load_stop 0
log "ok - canaries answering 30% errors: rolled back, zero failed requests"
