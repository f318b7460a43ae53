#!/usr/bin/env bash
# stadionctl.sh -- stadionctl against a fake Marathon API (fake_marathon.py):
# the requests it makes (method, path, query, body), its tables, --json,
# error reports with their details, and its exit codes.
. "$(dirname "$0")/lib.sh"

need_tools python3
: "${STADIONCTL:=$top_builddir/src/stadionctl}"
[ -x "$STADIONCTL" ] || fail "no stadionctl binary at $STADIONCTL (build first)"
# Loopback only: a proxy from the environment must not be asked.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
unset STADION_SERVER

ROUTES=$T/routes.json
REQS=$T/requests.log
cat > "$ROUTES" <<'EOF'
[
 {"method": "GET", "path": "/v2/apps", "status": 200, "body": {"apps": [
  {"id": "/web", "instances": 3, "cpus": 0.5, "mem": 128, "tasksRunning": 2,
   "tasksHealthy": 2, "tasksStaged": 1, "tasksUnhealthy": 0,
   "healthChecks": [{"protocol": "HTTP"}],
   "container": {"type": "DOCKER", "docker": {"image": "nginx:1.25"}},
   "deployments": [{"id": "d1"}], "version": "2026-01-01T00:00:00.000Z"},
  {"id": "/prod/api", "cmd": "python3 -m http.server $PORT0 --bind 0.0.0.0 --directory /srv/www/api",
   "instances": 1, "cpus": 0.25, "mem": 64, "tasksRunning": 1, "tasksHealthy": 0,
   "tasksStaged": 0, "tasksUnhealthy": 0, "healthChecks": [], "deployments": [],
   "version": "2026-01-02T00:00:00.000Z"}]}},
 {"method": "GET", "path": "/v2/apps/prod/api", "status": 200, "body": {"app":
  {"id": "/prod/api", "cmd": "sleep 1000", "instances": 1, "cpus": 0.25, "mem": 64,
   "tasksRunning": 1, "tasksHealthy": 0, "tasksStaged": 0, "tasksUnhealthy": 0,
   "deployments": [], "version": "v-api",
   "tasks": [{"id": "prod_api.t1", "appId": "/prod/api", "host": "10.0.0.7",
     "ports": [31005, 31006], "state": "TASK_RUNNING",
     "startedAt": "2026-01-02T00:00:01.000Z", "version": "v-api"}]}}},
 {"method": "POST", "path": "/v2/apps", "status": 201, "body":
  {"id": "/new", "cmd": "sleep 1", "instances": 1, "deployments": [{"id": "d-new"}],
   "version": "v-new"}},
 {"method": "PUT", "path": "/v2/apps/web", "status": 200, "body": {"version": "v2", "deploymentId": "d2"}},
 {"method": "PATCH", "path": "/v2/apps/web", "status": 200, "body": {"version": "v3", "deploymentId": "d3"}},
 {"method": "PATCH", "path": "/v2/apps/bad", "status": 422, "body":
  {"message": "Object is not valid", "details": [
   {"path": "/instances", "errors": ["must be >= 0"]},
   {"path": "/mem", "errors": ["must be > 0", "too big"]}]}},
 {"method": "POST", "path": "/v2/apps/web/restart", "status": 200, "body": {"version": "v4", "deploymentId": "d4"}},
 {"method": "DELETE", "path": "/v2/apps/web", "status": 200, "body": {"version": "v5", "deploymentId": "d5"}},
 {"method": "DELETE", "path": "/v2/apps/locked", "status": 409, "body":
  {"message": "App is locked by one or more deployments.", "deployments": [{"id": "d1"}]}},
 {"method": "GET", "path": "/v2/apps/web/versions", "status": 200, "body": {"versions": ["v3", "v2"]}},
 {"method": "GET", "path": "/v2/apps/missing", "status": 404, "body": {"message": "App '/missing' does not exist"}},
 {"method": "GET", "path": "/v2/apps/proxy", "status": 502, "raw": "Bad Gateway\n<html>oops</html>"},
 {"method": "GET", "path": "/v2/apps/garbage", "status": 200, "raw": "this is not json"},
 {"method": "GET", "path": "/v2/tasks", "status": 200, "body": {"tasks": [
  {"id": "web.a1", "appId": "/web", "host": "10.0.0.5", "ports": [31001],
   "state": "TASK_RUNNING", "startedAt": "2026-01-01T00:00:05.000Z", "version": "v1",
   "healthCheckResults": [{"alive": true}]},
  {"id": "web.a2", "appId": "/web", "host": "10.0.0.6", "ports": [31002, 31003],
   "state": "TASK_STAGING", "version": "v1", "healthCheckResults": [{"alive": false}]}]}},
 {"method": "GET", "path": "/v2/apps/web/tasks", "status": 200, "body": {"tasks": []}},
 {"method": "POST", "path": "/v2/tasks/delete", "status": 200, "body": {"tasks": [{"id": "web.a1"}, {"id": "web.a2"}]}},
 {"method": "DELETE", "path": "/v2/apps/web/tasks", "status": 200, "body": {"version": "v6", "deploymentId": "d6"}},
 {"method": "DELETE", "path": "/v2/apps/web/tasks/web.a1", "status": 200, "body": {"task": {"id": "web.a1"}}},
 {"method": "GET", "path": "/v2/apps/roll", "status": 200, "body": {"app":
  {"id": "/roll", "cmd": "sleep 1000", "instances": 2, "version": "2026-01-04T00:00:00.000Z",
   "versionInfo": {"lastScalingAt": "2026-01-04T00:00:00.000Z",
    "lastConfigChangeAt": "2026-01-03T00:00:00.000Z"}}}},
 {"method": "GET", "path": "/v2/apps/roll/versions", "status": 200, "body": {"versions": [
  "2026-01-04T00:00:00.000Z", "2026-01-03T00:00:00.000Z", "2026-01-02T12:00:00.000Z",
  "2026-01-01T00:00:00.000Z"]}},
 {"method": "PUT", "path": "/v2/apps/roll", "status": 200, "body":
  {"version": "2026-01-05T00:00:00.000Z", "deploymentId": "d-roll"}},
 {"method": "GET", "path": "/v2/apps/fresh", "status": 200, "body": {"app":
  {"id": "/fresh", "instances": 3, "version": "2026-01-02T00:00:00.000Z",
   "versionInfo": {"lastScalingAt": "2026-01-02T00:00:00.000Z",
    "lastConfigChangeAt": "2026-01-01T00:00:00.000Z"}}}},
 {"method": "GET", "path": "/v2/apps/fresh/versions", "status": 200, "body": {"versions": [
  "2026-01-02T00:00:00.000Z", "2026-01-01T00:00:00.000Z"]}},
 {"method": "PUT", "path": "/v2/apps/fresh", "status": 404, "body":
  {"message": "App '/fresh' does not exist in version 2025-12-31T00:00:00.000Z"}},
 {"method": "PUT", "path": "/v2/apps/busy", "query": "", "status": 409, "body":
  {"message": "App is locked by one or more deployments.", "deployments": [{"id": "d1"}]}},
 {"method": "PUT", "path": "/v2/apps/busy", "query": "force=true", "status": 200, "body":
  {"version": "2026-01-06T00:00:00.000Z", "deploymentId": "d-busy"}},
 {"method": "GET", "path": "/v2/deployments", "status": 200, "body": [
  {"id": "d1", "affectedApps": ["/web"], "currentStep": 2, "totalSteps": 3,
   "currentActions": [{"action": "ReadinessCheck", "app": "/web"}],
   "strategy": "Canary", "paused": true, "failures": 1,
   "steps": [], "version": "2026-01-01T00:00:00.000Z"},
  {"id": "d7", "affectedApps": ["/db", "/cache"], "currentStep": 1, "totalSteps": 1,
   "currentActions": [{"action": "ScaleApplication", "app": "/db"},
    {"action": "ScaleApplication", "app": "/cache"}],
   "steps": [], "version": "2026-01-07T00:00:00.000Z"}]},
 {"method": "GET", "path": "/v2/deployments/d1", "status": 200, "body":
  {"id": "d1", "affectedApps": ["/web"], "currentStep": 2, "totalSteps": 3,
   "currentActions": [{"action": "ReadinessCheck", "app": "/web"}],
   "strategy": "Canary", "paused": true, "failures": 1,
   "version": "2026-01-01T00:00:00.000Z", "steps": [
    {"actions": [{"action": "RestartApplication", "app": "/web", "readinessCheckResults": [],
      "description": "setWeight 20: 1 of 5 instances new"}]},
    {"actions": [{"action": "ReadinessCheck", "app": "/web", "readinessCheckResults": [],
      "description": "pause until resumed"}]},
    {"actions": [{"action": "RestartApplication", "app": "/web", "readinessCheckResults": [],
      "description": "setWeight 100: all 5 instances new"}]}]}},
 {"method": "GET", "path": "/v2/deployments/d7", "status": 200, "body":
  {"id": "d7", "affectedApps": ["/db", "/cache"], "currentStep": 1, "totalSteps": 1,
   "version": "2026-01-07T00:00:00.000Z", "steps": [
    {"actions": [{"action": "ScaleApplication", "app": "/db"},
     {"action": "ScaleApplication", "app": "/cache"}]}]}},
 {"method": "GET", "path": "/v2/deployments/nope", "status": 404, "body":
  {"message": "DeploymentPlan nope does not exist"}},
 {"method": "POST", "path": "/v2/deployments/d1/pause", "status": 200, "body":
  {"id": "d1", "affectedApps": ["/web"], "currentStep": 2, "totalSteps": 3,
   "strategy": "Canary", "paused": true, "version": "2026-01-01T00:00:00.000Z"}},
 {"method": "POST", "path": "/v2/deployments/d1/resume", "status": 200, "body":
  {"id": "d1", "affectedApps": ["/web"], "currentStep": 2, "totalSteps": 3,
   "strategy": "Canary", "paused": false, "version": "2026-01-01T00:00:00.000Z"}},
 {"method": "POST", "path": "/v2/deployments/d7/pause", "status": 409, "body":
  {"message": "Deployment d7 replaces no instances: nothing to pause or resume"}},
 {"method": "POST", "path": "/v2/deployments/nope/resume", "status": 404, "body":
  {"message": "DeploymentPlan nope does not exist"}},
 {"method": "DELETE", "path": "/v2/deployments/d1", "status": 200, "body": {"deploymentId": "d9", "version": "v9"}},
 {"method": "DELETE", "path": "/v2/deployments/d2", "status": 202},
 {"method": "GET", "path": "/v1/services", "status": 200, "body": [
  {"name": "/prod/web", "label": "web-prod", "instances": 2, "dns": "web-prod.marathon.mesos"}]},
 {"method": "GET", "path": "/v1/services/%2Fprod%2Fweb", "status": 200, "body":
  {"name": "/prod/web", "label": "web-prod", "dns": "web-prod.marathon.mesos", "instances": [
   {"id": "i1", "address": "10.0.0.1", "ports": [{"port": 31001, "name": "http", "protocol": "tcp"}],
    "weight": 3, "health": "healthy"},
   {"id": "i2", "address": "10.0.0.2", "ports": [{"port": 53, "protocol": "udp"}],
    "weight": 1, "health": "unhealthy"}]}}
]
EOF

# The fake server takes the daemon's place: lib.sh stops it on exit and
# prints its log when the test fails.
start_fake() {
	local attempt
	for attempt in 1 2 3; do
		HTTP_PORT=$(free_port) || fail "no free port"
		rm -f "$T/ready"
		python3 "$SYSTEM_DIR/fake_marathon.py" "$HTTP_PORT" "$ROUTES" "$REQS" \
		    "$T/ready" >> "$DAEMON_LOG" 2>&1 &
		DAEMON_PID=$!
		wait_for 10 test -e "$T/ready" && return 0
		kill "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
		log "fake server did not start (attempt $attempt)"
	done
	fail "fake_marathon.py did not start"
}
start_fake
SERVER=http://127.0.0.1:$HTTP_PORT

# ctl ARGS...: run stadionctl against the fake server; sets OUT, ERR, RC.
ctl() {
	: > "$REQS"
	stadionctl_run --server "$SERVER" "$@"
}

# req N FIELD: a field of the N-th request (1-based) of the last ctl run.
req() {
	sed -n "${1}p" "$REQS" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

nreq() {
	wc -l < "$REQS" | tr -d ' '
}

# expect_req METHOD PATH QUERY: the one request of the last run.
expect_req() {
	[ "$(nreq)" = 1 ] || fail "expected one request, got: $(cat "$REQS")"
	[ "$(req 1 method) $(req 1 path) $(req 1 query)" = "$1 $2 $3" ] ||
	    fail "request was: $(cat "$REQS"), expected $1 $2 ?$3"
	log "ok - $1 $2${3:+?$3}"
}

# expect_body JSON [N]: the body of the one (or the N-th) request equals
# JSON (as JSON).
expect_body() {
	local n=${2:-1}
	req "$n" body | python3 -c 'import json, sys
got = json.load(sys.stdin); want = json.loads(sys.argv[1])
sys.exit(0 if got == want else 1)' "$1" || fail "request body $(req "$n" body), expected $1"
	[ "$(req "$n" content_type)" = application/json ] || fail "request without Content-Type: application/json"
}

# expect_reqs "METHOD PATH QUERY"...: the requests of the last run, in order.
expect_reqs() {
	local i=0 want
	[ "$(nreq)" = $# ] || fail "expected $# requests, got: $(cat "$REQS")"
	for want in "$@"; do
		i=$((i + 1))
		[ "$(req $i method) $(req $i path) $(req $i query)" = "$want" ] ||
		    fail "request $i was: $(sed -n "${i}p" "$REQS"), expected $want"
	done
	log "ok - $(printf '%s\n' "$@" | sed 's/ $//' | paste -sd ';' - | sed 's/;/, /g')"
}

# out_has TEXT / err_has TEXT: a line of stdout / stderr equals TEXT
# (blanks squeezed, so that column widths do not matter).
squeeze() { printf '%s\n' "$1" | sed 's/[[:space:]]\{1,\}/ /g; s/^ //; s/ $//'; }
out_has() {
	squeeze "$OUT" | grep -qxF -- "$1" || fail "stdout lacks line '$1':
$OUT"
}
err_has() {
	printf '%s\n' "$ERR" | grep -qxF -- "$1" || fail "stderr lacks line '$1':
$ERR"
}

# ------------------------------------------------------------ usage
ctl --version
expect_rc 0 "--version"
[[ "$OUT" =~ ^stadionctl\ [0-9] ]] || fail "--version printed: $OUT"
ctl --help
expect_rc 0 "--help"
out_has "apps scale ID N [--force]"
out_has "tasks kill --app APP [TASKID] [--host HOST] [--scale] [--force]"
out_has "apps rollback ID [VERSION] [--force]"
out_has "deployments show ID"
out_has "deployments pause ID"
out_has "deployments resume ID"
ctl help
expect_rc 0 "help"
ctl
expect_rc 2 "no command"
[[ "$ERR" == *"usage: stadionctl"* ]] || fail "no usage on stderr: $ERR"
ctl frobnicate
expect_rc 2 "unknown command"
err_has "stadionctl: unknown command 'frobnicate'"
ctl apps scale web
expect_rc 2 "apps scale without N"
err_has "usage: stadionctl apps scale ID N [--force]"
ctl apps scale web many
expect_rc 2 "apps scale with a bad N"
ctl apps list --bogus
expect_rc 2 "unknown option"
ctl apps create
expect_rc 2 "apps create without -f"
ctl apps rollback
expect_rc 2 "apps rollback without ID"
err_has "usage: stadionctl apps rollback ID [VERSION] [--force]"
ctl apps rollback web v1 v2
expect_rc 2 "apps rollback with two versions"
ctl deployments pause
expect_rc 2 "deployments pause without ID"
ctl deployments resume d1 --force
expect_rc 2 "deployments resume takes no --force"
ctl deployments show
expect_rc 2 "deployments show without ID"
ctl --timeout nope apps list
expect_rc 2 "bad --timeout"
[ "$(nreq)" = 0 ] || fail "usage errors sent requests: $(cat "$REQS")"
log "ok - usage errors exit 2 and send nothing"

# ------------------------------------------------------------ apps
ctl apps list
expect_rc 0 "apps list"
expect_req GET /v2/apps ""
out_has "ID INSTANCES HEALTHY CPUS MEM IMAGE/CMD DEPLOYMENTS"
out_has "/web 2/3 2 0.5 128 nginx:1.25 d1"
out_has "/prod/api 1/1 - 0.25 64 python3 -m http.server \$PORT0 --bind ... -"
# The columns line up: every row's second column starts where INSTANCES does.
col=$(printf '%s\n' "$OUT" | head -n 1 | awk '{ print index($0, "INSTANCES") }')
for row in 2 3; do
	[ "$(printf '%s\n' "$OUT" | sed -n "${row}p" | cut -c"$col")" != " " ] ||
	    fail "column INSTANCES not aligned: $OUT"
done
log "ok - apps list table"

ctl --json apps list
expect_rc 0 "apps list --json"
printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); assert d["apps"][0]["id"] == "/web"' || fail "--json output: $OUT"
[ "$(printf '%s\n' "$OUT" | wc -l)" -gt 5 ] || fail "--json is not pretty printed: $OUT"
ctl apps list --json
expect_rc 0 "--json after the command"
printf '%s\n' "$OUT" | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "--json after the command: $OUT"
log "ok - --json"

ctl apps show /prod/api
expect_rc 0 "apps show"
expect_req GET /v2/apps/prod/api ""
out_has "ID /prod/api"
out_has "CMD sleep 1000"
out_has "INSTANCES 1 (1 running, 0 staged)"
out_has "ID HOST PORTS STATE HEALTH STARTED"
out_has "prod_api.t1 10.0.0.7 31005,31006 TASK_RUNNING - 2026-01-02T00:00:01.000Z"

printf '{"id": "/new", "cmd": "sleep 1", "instances": 1}' > "$T/new.json"
ctl apps create -f "$T/new.json"
expect_rc 0 "apps create"
expect_req POST /v2/apps ""
expect_body '{"id": "/new", "cmd": "sleep 1", "instances": 1}'
out_has "app /new created: deployment d-new started (version v-new)"
"$STADIONCTL" --server "$SERVER" apps create -f - < "$T/new.json" > "$T/out" 2>&1 ||
    fail "apps create -f - failed: $(cat "$T/out")"
grep -qxF "app /new created: deployment d-new started (version v-new)" "$T/out" ||
    fail "apps create -f -: $(cat "$T/out")"
log "ok - apps create from stdin"
printf '{"id": "/new",\n "cmd": }' > "$T/broken.json"
ctl apps create -f "$T/broken.json"
expect_rc 1 "apps create with broken JSON"
[[ "$ERR" == "stadionctl: $T/broken.json:2:"* ]] || fail "broken JSON reported as: $ERR"
[ "$(nreq)" = 0 ] || fail "broken JSON was sent"
ctl apps create -f "$T/absent.json"
expect_rc 1 "apps create with a missing file"

printf '{"cmd": "sleep 2"}' > "$T/upd.json"
ctl apps update web -f "$T/upd.json" --force
expect_rc 0 "apps update"
expect_req PUT /v2/apps/web "force=true"
expect_body '{"cmd": "sleep 2"}'
out_has "app /web updated: deployment d2 started (version v2)"

ctl apps scale /web 5
expect_rc 0 "apps scale"
expect_req PATCH /v2/apps/web ""
expect_body '{"instances": 5}'
out_has "app /web scaled to 5: deployment d3 started (version v3)"

ctl apps scale bad --force -- -1
expect_rc 1 "apps scale refused"
expect_req PATCH /v2/apps/bad "force=true"
expect_body '{"instances": -1}'
err_has "stadionctl: Object is not valid"
err_has "  /instances: must be >= 0"
err_has "  /mem: must be > 0"
err_has "  /mem: too big"
[ -z "$OUT" ] || fail "a refused request printed on stdout: $OUT"
log "ok - error with details"

ctl apps restart web
expect_rc 0 "apps restart"
expect_req POST /v2/apps/web/restart ""
out_has "app /web restarting: deployment d4 started (version v4)"

ctl apps remove web
expect_rc 0 "apps remove"
expect_req DELETE /v2/apps/web ""
out_has "app /web removed: deployment d5 started (version v5)"
ctl --json apps remove web
printf '%s\n' "$OUT" | python3 -c 'import json, sys
assert json.load(sys.stdin)["deploymentId"] == "d5"' || fail "apps remove --json: $OUT"

ctl apps remove locked
expect_rc 1 "apps remove of a locked app"
err_has "stadionctl: App is locked by one or more deployments."
err_has "  blocked by deployment d1 (--force overrides it)"

ctl apps versions web
expect_rc 0 "apps versions"
expect_req GET /v2/apps/web/versions ""
[ "$OUT" = "v3
v2" ] || fail "apps versions printed: $OUT"

# A rollback to a named version is Marathon's PUT of {"version": V}.
ctl apps rollback /roll 2026-01-01T00:00:00.000Z
expect_rc 0 "apps rollback ID VERSION"
expect_req PUT /v2/apps/roll ""
expect_body '{"version": "2026-01-01T00:00:00.000Z"}'
out_has "app /roll rolling back to 2026-01-01T00:00:00.000Z: deployment d-roll started (version 2026-01-05T00:00:00.000Z)"
# Without VERSION: the newest version older than the config now in force
# (2026-01-04 only scaled the config of 2026-01-03).
ctl apps rollback roll
expect_rc 0 "apps rollback ID"
expect_reqs "GET /v2/apps/roll " "GET /v2/apps/roll/versions " "PUT /v2/apps/roll "
expect_body '{"version": "2026-01-02T12:00:00.000Z"}' 3
out_has "app /roll rolling back to 2026-01-02T12:00:00.000Z: deployment d-roll started (version 2026-01-05T00:00:00.000Z)"
ctl --json apps rollback roll
expect_rc 0 "apps rollback --json"
printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); assert d == {"version": "2026-01-05T00:00:00.000Z", "deploymentId": "d-roll"}, d' ||
    fail "apps rollback --json printed: $OUT"
ctl apps rollback fresh
expect_rc 1 "apps rollback without an earlier config"
expect_reqs "GET /v2/apps/fresh " "GET /v2/apps/fresh/versions "
err_has "stadionctl: app /fresh has no earlier config to roll back to"
[ -z "$OUT" ] || fail "a failed rollback printed on stdout: $OUT"
ctl apps rollback fresh 2025-12-31T00:00:00.000Z
expect_rc 1 "apps rollback to a version the app lacks"
expect_req PUT /v2/apps/fresh ""
err_has "stadionctl: App '/fresh' does not exist in version 2025-12-31T00:00:00.000Z"
ctl apps rollback missing
expect_rc 1 "apps rollback of a missing app"
expect_req GET /v2/apps/missing ""
err_has "stadionctl: App '/missing' does not exist"
ctl apps rollback busy v1
expect_rc 1 "apps rollback of a locked app"
expect_req PUT /v2/apps/busy ""
err_has "stadionctl: App is locked by one or more deployments."
err_has "  blocked by deployment d1 (--force overrides it)"
ctl apps rollback busy v1 --force
expect_rc 0 "apps rollback --force"
expect_req PUT /v2/apps/busy "force=true"
expect_body '{"version": "v1"}'
out_has "app /busy rolling back to v1: deployment d-busy started (version 2026-01-06T00:00:00.000Z)"

ctl apps show missing
expect_rc 1 "apps show of a missing app"
err_has "stadionctl: App '/missing' does not exist"
ctl apps show proxy
expect_rc 1 "a non-JSON error"
err_has "stadionctl: server answered HTTP 502: Bad Gateway"
ctl apps show garbage
expect_rc 1 "a 200 that is not JSON"
[[ "$ERR" == "stadionctl: GET /v2/apps/garbage: the answer is not JSON"* ]] ||
    fail "non-JSON 200 reported as: $ERR"
ctl apps show 'a b?c'
expect_rc 1 "an id that needs escaping"
[ "$(req 1 path)" = "/v2/apps/a%20b%3Fc" ] || fail "escaped path: $(req 1 path)"
log "ok - app ids are escaped"

# ------------------------------------------------------------ tasks
ctl tasks list
expect_rc 0 "tasks list"
expect_req GET /v2/tasks ""
out_has "ID APP HOST PORTS STATE HEALTH STARTED"
out_has "web.a1 /web 10.0.0.5 31001 TASK_RUNNING healthy 2026-01-01T00:00:05.000Z"
out_has "web.a2 /web 10.0.0.6 31002,31003 TASK_STAGING unhealthy -"
ctl tasks list web
expect_rc 0 "tasks list APP"
expect_req GET /v2/apps/web/tasks ""
[ "$OUT" = "ID  APP  HOST  PORTS  STATE  HEALTH  STARTED" ] || fail "empty task table: $OUT"

ctl tasks kill web.a1 web.a2
expect_rc 0 "tasks kill"
expect_req POST /v2/tasks/delete ""
expect_body '{"ids": ["web.a1", "web.a2"]}'
out_has "task web.a1 killed"
out_has "task web.a2 killed"
ctl tasks kill --scale web.a1 --force
expect_req POST /v2/tasks/delete "scale=true&force=true"
expect_body '{"ids": ["web.a1"]}'
ctl tasks kill --app web --scale --host 10.0.0.5
expect_rc 0 "tasks kill --app"
expect_req DELETE /v2/apps/web/tasks "host=10.0.0.5&scale=true"
out_has "killed and scaled down: deployment d6 started (version v6)"
ctl tasks kill --app web web.a1
expect_rc 0 "tasks kill --app APP TASKID"
expect_req DELETE /v2/apps/web/tasks/web.a1 ""
out_has "task web.a1 killed"
ctl tasks kill
expect_rc 2 "tasks kill without ids"

# ------------------------------------------------------------ deployments
ctl deployments list
expect_rc 0 "deployments list"
expect_req GET /v2/deployments ""
out_has "ID APPS STEP STRATEGY PAUSED ACTIONS VERSION"
out_has "d1 /web 2/3 Canary yes ReadinessCheck /web 2026-01-01T00:00:00.000Z"
# Marathon's own deployments name no strategy and cannot be paused.
out_has "d7 /db,/cache 1/1 - - ScaleApplication /db, ScaleApplication /cache 2026-01-07T00:00:00.000Z"

ctl deployments show d1
expect_rc 0 "deployments show"
expect_req GET /v2/deployments/d1 ""
out_has "ID d1"
out_has "APPS /web"
out_has "VERSION 2026-01-01T00:00:00.000Z"
out_has "STRATEGY Canary"
out_has "PAUSED yes"
out_has "STEP 2/3"
out_has "FAILURES 1"
out_has "STEP ACTION APP DESCRIPTION"
out_has "1 RestartApplication /web setWeight 20: 1 of 5 instances new"
out_has "2 (current) ReadinessCheck /web pause until resumed"
out_has "3 RestartApplication /web setWeight 100: all 5 instances new"
[ "$(printf '%s\n' "$OUT" | grep -c current)" = 1 ] || fail "more than one current step: $OUT"
ctl deployments show d7
expect_rc 0 "deployments show of a Marathon deployment"
out_has "APPS /db,/cache"
out_has "STRATEGY -"
out_has "PAUSED -"
out_has "FAILURES -"
out_has "1 (current) ScaleApplication /db -"
out_has "1 (current) ScaleApplication /cache -"
ctl deployments show d1 --json
expect_rc 0 "deployments show --json"
printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); assert d["steps"][1]["actions"][0]["description"] == "pause until resumed"' ||
    fail "deployments show --json printed: $OUT"
ctl deployments show nope
expect_rc 1 "deployments show of an unknown deployment"
err_has "stadionctl: DeploymentPlan nope does not exist"

ctl deployments pause d1
expect_rc 0 "deployments pause"
expect_req POST /v2/deployments/d1/pause ""
[ "$OUT" = "deployment d1 paused" ] || fail "deployments pause printed: $OUT"
ctl deployments resume d1
expect_rc 0 "deployments resume"
expect_req POST /v2/deployments/d1/resume ""
[ "$OUT" = "deployment d1 resumed" ] || fail "deployments resume printed: $OUT"
ctl --json deployments resume d1
expect_rc 0 "deployments resume --json"
printf '%s\n' "$OUT" | python3 -c 'import json, sys
d = json.load(sys.stdin); assert d["id"] == "d1" and d["paused"] is False' ||
    fail "deployments resume --json printed: $OUT"
ctl deployments pause d7
expect_rc 1 "deployments pause of a deployment without instances to replace"
err_has "stadionctl: Deployment d7 replaces no instances: nothing to pause or resume"
[ -z "$OUT" ] || fail "a refused pause printed on stdout: $OUT"
ctl deployments resume nope
expect_rc 1 "deployments resume of an unknown deployment"
err_has "stadionctl: DeploymentPlan nope does not exist"

ctl deployments cancel d1
expect_rc 0 "deployments cancel"
expect_req DELETE /v2/deployments/d1 ""
out_has "deployment d1 canceled, rolling back: deployment d9 started (version v9)"
ctl deployments cancel d2 --force
expect_rc 0 "deployments cancel --force"
expect_req DELETE /v2/deployments/d2 "force=true"
[ "$OUT" = "deployment d2 canceled" ] || fail "deployments cancel --force printed: $OUT"

# ------------------------------------------------------------ services
ctl services list
expect_rc 0 "services list"
expect_req GET /v1/services ""
out_has "NAME LABEL DNS INSTANCES"
out_has "/prod/web web-prod web-prod.marathon.mesos 2"
ctl services show /prod/web
expect_rc 0 "services show"
expect_req GET /v1/services/%2Fprod%2Fweb ""
out_has "DNS web-prod.marathon.mesos"
out_has "ID ADDRESS PORTS WEIGHT HEALTH"
out_has "i1 10.0.0.1 31001/tcp(http) 3 healthy"
out_has "i2 10.0.0.2 53/udp 1 unhealthy"

# ------------------------------------------------------------ server choice
: > "$REQS"
STADION_SERVER=$SERVER/ "$STADIONCTL" services list > "$T/out" 2>&1 ||
    fail "STADION_SERVER: $(cat "$T/out")"
[ "$(req 1 path)" = /v1/services ] || fail "STADION_SERVER with a trailing /: $(cat "$REQS")"
log "ok - STADION_SERVER"

DEAD_PORT=$(free_port) || fail "no free port"
"$STADIONCTL" --server "http://127.0.0.1:$DEAD_PORT" --timeout 5 apps list > "$T/out" 2> "$T/err"
RC=$?
ERR=$(cat "$T/err")
[ "$RC" = 1 ] || fail "no server: exit $RC"
[[ "$ERR" == "stadionctl: cannot connect to http://127.0.0.1:$DEAD_PORT "* ]] ||
    fail "no server reported as: $ERR"
log "ok - an unreachable server is named"
exit 0
