# shellcheck shell=bash
# apps-lib.sh -- helpers of the orchestrator's system tests (sourced after
# lib.sh): Marathon API calls, what DNS says of an app, waiting for the
# reconciler, and the clean-up of every instance a test started.
#
# Instances outlive stadiond on purpose (a restart adopts them), so a test
# must stop them itself: apps_cleanup (run from the EXIT trap that
# apps_trap installs) deletes the apps through the API while the daemon
# runs, then kills what is left of the process driver's instances (their
# records under $T/state/proc) and removes the containers labelled with
# this test's apps (APPS_DOCKER_LABEL, set by the docker tests).

APPS_DOCKER_LABEL=${APPS_DOCKER_LABEL:-}

# jget EXPR [JSON]: evaluate the Python expression EXPR on the JSON (default
# $HTTP_BODY), bound to j; prints str/int as is, anything else as JSON.
jget() {
	local expr=$1 json=${2-$HTTP_BODY}
	printf '%s' "$json" | python3 -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
    print(json.dumps(v))
else:
    print(v)' "$expr"
}

# app_label APPID: the DNS label of an app ("/prod/web" -> "web-prod").
app_label() {
	printf '%s' "$1" | awk -F/ '{ s = ""; for (i = NF; i > 1; i--) if ($i != "") s = s (s == "" ? "" : "-") $i; print s }'
}

# srv_ports APPID: the ports of the app's _<label>._tcp SRV records, sorted.
srv_ports() {
	q +short "_$(app_label "$1")._tcp.marathon.mesos" SRV | awk '{ print $3 }' | sort -n
}

# srv_count APPID: how many SRV records the app has.
srv_count() {
	srv_ports "$1" | grep -c .
}

# a_addrs APPID: the A records of <label>.marathon.mesos, sorted.
a_addrs() {
	q +short "$(app_label "$1").marathon.mesos" A | sort
}

# wait_srv_count APPID N SECONDS: until the app has exactly N SRV records.
wait_srv_count() {
	local app=$1 n=$2
	_srv_is() { [ "$(srv_count "$app")" = "$n" ]; }
	wait_for "$3" _srv_is
}

# app_tasks_running APPID: tasksRunning of GET /v2/apps/APPID.
app_tasks_running() {
	http GET "/v2/apps$1"
	[ "$HTTP_CODE" = 200 ] || { echo -1; return; }
	jget 'j["app"]["tasksRunning"]'
}

# task_ports APPID: the host ports of the app's running tasks, sorted.
task_ports() {
	http GET "/v2/apps$1/tasks"
	jget '"\n".join(str(p) for t in j["tasks"] if t["state"] == "TASK_RUNNING" for p in t["ports"])' | grep . | sort -n
}

# task_ids APPID: ids of the app's tasks, sorted.
task_ids() {
	http GET "/v2/apps$1/tasks"
	jget '"\n".join(t["id"] for t in j["tasks"])' | grep . | sort
}

# no_deployments: GET /v2/deployments is [].
no_deployments() {
	http GET /v2/deployments
	[ "$HTTP_CODE" = 200 ] && [ "$(jget 'len(j)')" = 0 ]
}

# wait_deployed SECONDS: until no deployment is left.
wait_deployed() {
	wait_for "$1" no_deployments || fail "deployments still running after $1 s: $HTTP_BODY"
}

# app_get APPID: GET /v2/apps/APPID, expect 200.
app_get() {
	expect_http 200 GET "/v2/apps$1"
}

# app_create JSON: POST /v2/apps, expect 201.
app_create() {
	expect_http 201 POST /v2/apps "$1"
}

# app_scale APPID N: PUT {"instances": N}, expect 200.
app_scale() {
	expect_http 200 PUT "/v2/apps$1" "{\"instances\":$2}"
}

# proc_pids: pids of the process driver's instances in this test's state.
proc_pids() {
	local f
	for f in "$T"/state/proc/*/record.json; do
		[ -f "$f" ] || continue
		jget 'j["pid"]' "$(cat "$f")"
	done | awk '$1 > 0'
}

# The canonical path of the process driver's instance dirs, as
# /proc/PID/cwd shows them.
PROC_DIR=$(cd "$T" && pwd -P)/state/proc

# proc_live PID: the process exists and is not a zombie.
proc_live() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# inst_procs: "PID TASKID" of every live process whose cwd is an instance
# dir of this test, sorted: what really runs, whatever the records say.
inst_procs() {
	local p d
	for p in /proc/[0-9]*; do
		d=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $d in "$PROC_DIR"/*) ;; *) continue ;; esac
		proc_live "${p#/proc/}" || continue
		echo "${p#/proc/} ${d#"$PROC_DIR"/}"
	done | sort
}

apps_cleanup() {
	local id pid ids
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		http GET /v2/apps
		ids=$(jget '"\n".join(a["id"] for a in j["apps"])' 2>/dev/null)
		for id in $ids; do
			http DELETE "/v2/apps$id?force=true"
		done
		[ -z "$ids" ] || wait_for 30 no_deployments
	fi
	for pid in $(proc_pids); do
		# Their own process groups: take the whole group down.
		kill -KILL -- "-$pid" 2>/dev/null
	done
	if [ -n "$APPS_DOCKER_LABEL" ] && command -v docker >/dev/null &&
	    docker info >/dev/null 2>&1; then
		docker ps -a --filter "label=stadion.app" --format '{{.ID}} {{.Label "stadion.app"}}' |
		    awk -v p="$APPS_DOCKER_LABEL" 'index($2, p) == 1 { print $1 }' |
		    xargs -r docker rm -f >/dev/null 2>&1
	fi
}

# apps_trap [EXTRA]: clean up the apps (then run EXTRA) before lib.sh's exit.
apps_trap() {
	APPS_TRAP_EXTRA=${1:-}
	trap '_rc=$?; apps_cleanup; [ -n "$APPS_TRAP_EXTRA" ] && eval "$APPS_TRAP_EXTRA"; (exit $_rc); _cleanup' EXIT
}
