#!/usr/bin/env bash
# apps-process.sh -- the orchestrator with the process driver, end to end:
# apps posted to /v2/apps run as child processes (busybox httpd), DNS (A
# and SRV) follows their tasks through scaling, a task killed behind
# stadion's back, a crash and a clean restart of stadiond (instances are
# adopted, not duplicated), a restart of the app, a deployment lock,
# deletion, a refused definition, and the task views and kills.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apps-lib.sh"
apps_trap
need_tools curl dig python3 busybox

BUSYBOX=$(command -v busybox)
Z=marathon.mesos
WEB=/ap/web
WEB_LABEL=$(app_label "$WEB")
[ "$WEB_LABEL" = web-ap ] || fail "app_label $WEB gave $WEB_LABEL"

# ---------------------------------------------------------------- helpers

# holds SECONDS COMMAND...: COMMAND keeps succeeding for SECONDS (checked
# every 0.2 s); fails as soon as it does not. For things that must not happen.
holds() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" || return 1
		sleep 0.2
	done
	"$@"
}

# task_pid TASKID: the pid in the process driver's record of the task.
task_pid() {
	local f=$T/state/proc/$1/record.json
	[ -f "$f" ] || return 1
	jget 'j["pid"]' "$(cat "$f")"
}

# expected_procs TASKID...: "PID TASKID" per task from the records, sorted.
expected_procs() {
	local id pid
	for id in "$@"; do
		pid=$(task_pid "$id") || { echo "no-record $id"; continue; }
		echo "$pid $id"
	done | sort
}

# procs_are TASKID...: exactly one live process per task, the recorded one,
# and nothing else of this test runs.
procs_are() {
	[ "$(inst_procs)" = "$(expected_procs "$@")" ]
}

# srv_records APPID: "port target" of the app's SRV records, sorted.
srv_records() {
	q +short "_$(app_label "$1")._tcp.$Z" SRV | awk '{ print $3, $4 }' | sort
}

# app_field APPID EXPR: EXPR on the AppInfo (bound to j["app"] as a).
app_field() {
	app_get "$1"
	jget "(lambda a: $2)(j['app'])"
}

# task_port TASKID [APPID]: the (first) host port of a task.
task_port() {
	http GET "/v2/apps${2:-$WEB}/tasks"
	jget "[t['ports'][0] for t in j['tasks'] if t['id'] == '$1'][0]"
}

# tasks_snapshot APPID: id, ports, state, startedAt, version of every task.
tasks_snapshot() {
	http GET "/v2/apps$1/tasks"
	[ "$HTTP_CODE" = 200 ] || fail "GET /v2/apps$1/tasks answered $HTTP_CODE"
	jget '"\n".join(sorted("%s %s %s %s %s" % (t["id"], t["ports"], t["state"], t["startedAt"], t["version"]) for t in j["tasks"]))'
}

# srv_equals_tasks APPID: the SRV ports are exactly the running tasks' ports.
srv_equals_tasks() {
	local s t
	s=$(srv_ports "$1")
	t=$(task_ports "$1")
	[ -n "$t" ] && [ "$s" = "$t" ]
}

# serves PORT TEXT: httpd on PORT answers / with TEXT.
serves() {
	[ "$(curl -s --max-time 3 "http://127.0.0.1:$1/")" = "$2" ]
}

# web_serves_tasks: every running task of $WEB serves its own id and port;
# else SERVE_ERR says which does not.
SERVE_ERR=
web_serves_tasks() {
	local id port
	http GET "/v2/apps$WEB/tasks"
	while read -r id port; do
		[ -n "$id" ] || continue
		serves "$port" "$id $port" || { SERVE_ERR="task $id on port $port does not serve its content"; return 1; }
	done <<EOF
$(jget '"\n".join("%s %s" % (t["id"], t["ports"][0]) for t in j["tasks"] if t["state"] == "TASK_RUNNING")')
EOF
}

# deployment_ids: the ids of GET /v2/deployments, sorted.
deployment_ids() {
	http GET /v2/deployments
	[ "$HTTP_CODE" = 200 ] || fail "GET /v2/deployments answered $HTTP_CODE"
	jget '"\n".join(sorted(d["id"] for d in j))'
}

# web_json INSTANCES: the definition of $WEB.
web_json() {
	local j
	j=$(cat <<'EOF'
{"id": "/ap/web",
 "cmd": "echo \"$MESOS_TASK_ID $PORT0\" > index.html && env > env.txt && exec @BUSYBOX@ httpd -f -p 127.0.0.1:$PORT0",
 "instances": @N@, "cpus": 0.1, "mem": 32,
 "env": {"GREETING": "hello world", "MARATHON_APP_RESOURCE_DISK": "7"},
 "labels": {"team": "edge-1", "tier": "front"},
 "portDefinitions": [{"port": 0, "name": "http"}],
 "backoffSeconds": 1, "backoffFactor": 1, "maxLaunchDelaySeconds": 2}
EOF
)
	j=${j//@BUSYBOX@/$BUSYBOX}
	printf '%s' "${j//@N@/$1}"
}

# TTL 1 s: a task scaled away drains 2 s (TTL + 1) before its stop.
start_daemon --ttl 1

# ---------------------------------------------------------------- deploy
app_create "$(web_json 3)"
[ "$(header Location)" = "/v2/apps$WEB" ] || fail "Location of the new app: $(header Location)"
V_CREATE=$(jget 'j["version"]')
[ "$(jget 'len(j["deployments"])')" = 1 ] || fail "POST answered no deployment: $HTTP_BODY"
[ "$(jget 'j["instances"]')" = 3 ] || fail "POST answered: $HTTP_BODY"
wait_srv_count "$WEB" 3 30 || fail "SRV records of $WEB: $(srv_records "$WEB")"
wait_deployed 30
log "ok - app of 3 instances deployed, 3 SRV records"

IDS=$(task_ids "$WEB")
[ "$(printf '%s\n' "$IDS" | grep -c .)" = 3 ] || fail "tasks of $WEB: $IDS"
[ "$(srv_ports "$WEB")" = "$(task_ports "$WEB")" ] ||
    fail "SRV ports $(srv_ports "$WEB" | tr '\n' ' ') are not the tasks' $(task_ports "$WEB" | tr '\n' ' ')"
[ "$(task_ports "$WEB" | sort -u | grep -c .)" = 3 ] || fail "tasks share ports: $(task_ports "$WEB")"
for p in $(task_ports "$WEB"); do
	[ "$p" -ge "$APP_PORT_MIN" ] && [ "$p" -le "$APP_PORT_MAX" ] ||
	    fail "port $p outside $APP_PORT_MIN..$APP_PORT_MAX"
done
log "ok - SRV ports are the tasks' ports: $(srv_ports "$WEB" | tr '\n' ' ')"

# The named port also gets its _http SRV records.
[ "$(q +short "_http._$WEB_LABEL._tcp.$Z" SRV | awk '{ print $3 }' | sort -n)" = "$(task_ports "$WEB")" ] ||
    fail "_http._$WEB_LABEL._tcp: $(q +short "_http._$WEB_LABEL._tcp.$Z" SRV)"
log "ok - _http._$WEB_LABEL._tcp SRV records"

wait_for 20 web_serves_tasks || fail "the tasks do not serve their content: $SERVE_ERR"
log "ok - curl reaches every task and gets that task's content"

a=$(q +short "$WEB_LABEL.$Z" A | sort -u)
[ "$a" = 127.0.0.1 ] || fail "A of $WEB_LABEL.$Z: $a"
out=$(q "$WEB_LABEL.$Z" A)
expect_status NOERROR "$out" "A of $WEB_LABEL.$Z"
# Every SRV target has the address too.
for tgt in $(srv_records "$WEB" | awk '{ print $2 }'); do
	[ "$(q +short "$tgt" A)" = 127.0.0.1 ] || fail "A of the SRV target $tgt: $(q +short "$tgt" A)"
done
log "ok - $WEB_LABEL.$Z and every SRV target answer 127.0.0.1"

wait_for 10 procs_are $IDS || fail "processes: $(inst_procs), expected $(expected_procs $IDS)"
log "ok - one process per task: $(inst_procs | awk '{ print $1 }' | tr '\n' ' ')"

# ---------------------------------------------------------------- env
T1=$(printf '%s\n' "$IDS" | head -n 1)
P1=$(task_port "$T1")
curl -s --max-time 5 -o "$T/env.txt" "http://127.0.0.1:$P1/env.txt" || fail "cannot fetch env.txt of $T1"
envv() { sed -n "s/^$1=//p" "$T/env.txt"; }
expect_env() {
	local got
	got=$(envv "$1")
	[ "$got" = "$2" ] || fail "task env $1='$got', expected '$2' (env: $(tr '\n' ' ' < "$T/env.txt"))"
}
app_get "$WEB"
expect_env PORT0 "$P1"
expect_env PORT "$P1"
expect_env PORTS "$P1"
expect_env PORT_HTTP "$P1"
expect_env HOST "$(jget '[t["host"] for t in j["app"]["tasks"]][0]')"
expect_env HOST 127.0.0.1
expect_env MARATHON_APP_ID "$WEB"
expect_env MARATHON_APP_VERSION "$V_CREATE"
expect_env MARATHON_APP_VERSION "$(jget 'j["app"]["version"]')"
expect_env MESOS_TASK_ID "$T1"
expect_env MARATHON_APP_RESOURCE_CPUS 0.1
expect_env MARATHON_APP_RESOURCE_MEM 32.0
expect_env MARATHON_APP_LABEL_TEAM edge-1
expect_env MARATHON_APP_LABEL_TIER front
expect_env GREETING "hello world"
# The app's env wins over Marathon's variables (doc/app-definition.md).
expect_env MARATHON_APP_RESOURCE_DISK 7
[ "$(grep -c '^MARATHON_APP_RESOURCE_DISK=' "$T/env.txt")" = 1 ] || fail "MARATHON_APP_RESOURCE_DISK set twice"
log "ok - the task sees Marathon's env (PORT0, PORT, PORTS, HOST, MARATHON_APP_*, MESOS_TASK_ID, labels) and the app's env, which wins"

# ---------------------------------------------------------------- scale
expect_http 200 PUT "/v2/apps$WEB" '{"instances":5}'
V_PUT5=$(jget 'j["version"]')
[ -n "$(jget 'j["deploymentId"]')" ] || fail "PUT answered: $HTTP_BODY"
wait_srv_count "$WEB" 5 30 || fail "SRV after scaling to 5: $(srv_records "$WEB")"
wait_deployed 30
[ "$(srv_count "$WEB")" = 5 ] || fail "SRV records after the deployment: $(srv_records "$WEB")"
srv_equals_tasks "$WEB" || fail "SRV $(srv_ports "$WEB" | tr '\n' ' ') vs tasks $(task_ports "$WEB" | tr '\n' ' ')"
IDS5=$(task_ids "$WEB")
[ "$(printf '%s\n' "$IDS5" | grep -c .)" = 5 ] || fail "tasks after scaling to 5: $IDS5"
printf '%s\n' "$IDS" | while read -r id; do
	printf '%s\n' "$IDS5" | grep -qxF "$id" || exit 1
done || fail "scaling up replaced tasks: $IDS -> $IDS5"
wait_for 10 procs_are $IDS5 || fail "processes at 5: $(inst_procs)"
wait_for 20 web_serves_tasks || fail "the 5 tasks do not serve: $SERVE_ERR"
log "ok - PUT instances 5: exactly 5 SRV records, 5 processes, old tasks kept"

declare -A PID5
for id in $IDS5; do
	PID5[$id]=$(task_pid "$id") || fail "no record of $id"
done
expect_http 200 PATCH "/v2/apps$WEB" '{"instances":1}'
V_PATCH1=$(jget 'j["version"]')
wait_srv_count "$WEB" 1 30 || fail "SRV after scaling to 1: $(srv_records "$WEB")"
wait_deployed 30
srv_equals_tasks "$WEB" || fail "SRV $(srv_ports "$WEB" | tr '\n' ' ') vs tasks $(task_ports "$WEB" | tr '\n' ' ')"
IDS1=$(task_ids "$WEB")
[ "$(printf '%s\n' "$IDS1" | grep -c .)" = 1 ] || fail "tasks after scaling to 1: $IDS1"
printf '%s\n' "$IDS5" | grep -qxF "$IDS1" || fail "scaling down started a new task $IDS1"
gone_all() {
	local id
	for id in $IDS5; do
		[ "$id" = "$IDS1" ] && continue
		proc_live "${PID5[$id]}" && return 1
	done
	return 0
}
wait_for 20 gone_all || fail "stopped tasks still run: $(inst_procs)"
wait_for 10 procs_are $IDS1 || fail "processes at 1: $(inst_procs)"
[ "$(app_field "$WEB" 'a["instances"]')" = 1 ] || fail "instances after PATCH: $HTTP_BODY"
log "ok - PATCH instances 1: exactly 1 SRV record, the 4 stopped processes are gone"

expect_http 200 PATCH "/v2/apps$WEB" '{"instances":3}'
V_PATCH3=$(jget 'j["version"]')
wait_srv_count "$WEB" 3 30 || fail "SRV after scaling back to 3: $(srv_records "$WEB")"
wait_deployed 30
IDS=$(task_ids "$WEB")
wait_for 10 procs_are $IDS || fail "processes at 3: $(inst_procs)"
log "ok - PATCH instances 3: 3 SRV records"

# ---------------------------------------------------------------- kill -9
VICTIM=$(printf '%s\n' "$IDS" | sed -n 2p)
VPORT=$(task_port "$VICTIM")
VTARGET=$(srv_records "$WEB" | awk -v p="$VPORT" '$1 == p { print $2 }')
[ -n "$VTARGET" ] || fail "no SRV record of $VICTIM on port $VPORT: $(srv_records "$WEB")"
VPID=$(task_pid "$VICTIM") || fail "no record of $VICTIM"
proc_live "$VPID" || fail "pid $VPID of $VICTIM does not run"
app_get "$WEB"
[ "$(jget 'j["app"].get("lastTaskFailure")')" = null ] || fail "lastTaskFailure before any failure: $HTTP_BODY"
kill -KILL "$VPID" || fail "kill -9 $VPID"
log "killed task $VICTIM (pid $VPID, port $VPORT) with SIGKILL"
victim_out_of_dns() { ! srv_records "$WEB" | awk '{ print $2 }' | grep -qxF "$VTARGET"; }
wait_for 5 victim_out_of_dns || fail "$VTARGET still in DNS after its task died: $(srv_records "$WEB")"
log "ok - the dead task left DNS"
replaced() {
	local ids
	ids=$(task_ids "$WEB")
	[ "$(printf '%s\n' "$ids" | grep -c .)" = 3 ] &&
	    ! printf '%s\n' "$ids" | grep -qxF "$VICTIM" &&
	    [ "$(srv_count "$WEB")" = 3 ] && srv_equals_tasks "$WEB"
}
wait_for 15 replaced || fail "no replacement in DNS: tasks $(task_ids "$WEB" | tr '\n' ' '), SRV $(srv_records "$WEB")"
NEWIDS=$(task_ids "$WEB")
NEWONE=$(printf '%s\n' "$NEWIDS" | grep -vxF "$IDS")
[ "$(printf '%s\n' "$NEWONE" | grep -c .)" = 1 ] || fail "expected one new task: $IDS -> $NEWIDS"
victim_out_of_dns || fail "$VTARGET came back"
wait_for 10 web_serves_tasks || fail "the replacement does not serve: $SERVE_ERR"
log "ok - a replacement $NEWONE is in DNS and serves"
app_get "$WEB"
[ "$(jget 'j["app"]["lastTaskFailure"]["taskId"]')" = "$VICTIM" ] || fail "lastTaskFailure: $HTTP_BODY"
[ "$(jget 'j["app"]["lastTaskFailure"]["state"]')" = TASK_FAILED ] || fail "lastTaskFailure state: $HTTP_BODY"
[ "$(jget 'j["app"]["lastTaskFailure"]["appId"]')" = "$WEB" ] || fail "lastTaskFailure appId: $HTTP_BODY"
# Our own child: its exit status is known, 128 + SIGKILL.
[ "$(jget 'j["app"]["lastTaskFailure"]["message"]')" = "exited with code 137" ] || fail "lastTaskFailure message: $HTTP_BODY"
[ "$(jget 'j["app"]["tasksRunning"]')" = 3 ] || fail "tasksRunning: $HTTP_BODY"
log "ok - lastTaskFailure names $VICTIM: $(jget 'j["app"]["lastTaskFailure"]["message"]')"
IDS=$NEWIDS
wait_for 10 procs_are $IDS || fail "processes after the replacement: $(inst_procs)"
wait_deployed 30

# ---------------------------------------------------------------- daemon restarts
# what_runs: the tasks as the API shows them, their processes, DNS.
what_runs() {
	echo "tasks:"
	tasks_snapshot "$WEB"
	echo "procs:"
	inst_procs
	echo "srv:"
	srv_records "$WEB"
	echo "a: $(q +short "$WEB_LABEL.$Z" A | sort -u | tr '\n' ' ')"
	echo "deployments: $(deployment_ids | tr '\n' ' ')"
}
same_as_before() { what_runs > "$T/now" && diff -q "$T/before" "$T/now" >/dev/null; }

# log_since_launch: the daemon log since its last (re)launch (lib.sh marks
# each launch with a "### " line).
log_since_launch() {
	awk '/^### / { n = 0 } { l[n++] = $0 } END { for (i = 0; i < n; i++) print l[i] }' "$DAEMON_LOG"
}

# check_adopted HOW: after a relaunch, every task adopted, nothing launched
# or stopped, the same pids, no duplicate, DNS unchanged, and it stays so.
check_adopted() {
	local how=$1 id
	_synced_3() { log_since_launch | grep -q 'process driver synced: 3 instances'; }
	wait_for 30 _synced_3 ||
	    fail "the process driver did not sync 3 instances after $how: $(log_since_launch | grep 'driver synced')"
	for id in $IDS; do
		log_since_launch | grep -qF "adopted $id " || fail "task $id was not adopted after $how"
	done
	if ! wait_for 10 same_as_before; then
		diff -u "$T/before" "$T/now" >&2
		fail "what runs changed across $how"
	fi
	# A duplicate launch or a stop would come right after the sync.
	if ! holds 3 same_as_before; then
		diff -u "$T/before" "$T/now" >&2
		fail "what runs changed after $how"
	fi
	if log_since_launch | grep -E 'launching task|stopping task|killing task|removing .*an instance of no known task' >&2; then
		fail "stadiond launched, stopped or removed instances after $how"
	fi
	procs_are $IDS || fail "processes after $how: $(inst_procs)"
	wait_for 10 web_serves_tasks || fail "the tasks do not serve after $how: $SERVE_ERR"
	[ "$(app_field "$WEB" 'a["tasksRunning"]')" = 3 ] || fail "tasksRunning after $how: $HTTP_BODY"
}

# A settled snapshot: two in a row that agree.
settled() { what_runs > "$T/prev" && sleep 0.3 && what_runs > "$T/before" && diff -q "$T/prev" "$T/before" >/dev/null; }
wait_for 10 settled || fail "what runs does not settle: $(diff -u "$T/prev" "$T/before")"
grep -q 'TASK_RUNNING' "$T/before" || fail "snapshot: $(cat "$T/before")"
crash_daemon
# The instances outlive the daemon.
procs_are $IDS || fail "processes after kill -9 of stadiond: $(inst_procs)"
relaunch_daemon
check_adopted "kill -9 of stadiond"
log "ok - after kill -9 of stadiond: the same task ids and pids, no duplicate, DNS unchanged"

stop_daemon
procs_are $IDS || fail "processes after SIGTERM of stadiond: $(inst_procs)"
relaunch_daemon
check_adopted "SIGTERM of stadiond"
log "ok - after a SIGTERM restart: the same task ids and pids, no duplicate, DNS unchanged"
# lastTaskFailure is kept in memory only (doc/api.md): a new stadiond has none.
[ "$(app_field "$WEB" 'a.get("lastTaskFailure")')" = null ] || fail "lastTaskFailure after restarts: $HTTP_BODY"

# ---------------------------------------------------------------- restart
declare -A OLDPID
for id in $IDS; do
	OLDPID[$id]=$(task_pid "$id") || fail "no record of $id"
done
OLDPORTS=$(task_ports "$WEB")
expect_http 200 POST "/v2/apps$WEB/restart"
V_RESTART=$(jget 'j["version"]')
D_RESTART=$(jget 'j["deploymentId"]')
[[ "$D_RESTART" =~ ^[0-9a-f-]{36}$ ]] || fail "restart answered: $HTTP_BODY"
wait_deployed 60
RIDS=$(task_ids "$WEB")
[ "$(printf '%s\n' "$RIDS" | grep -c .)" = 3 ] || fail "tasks after restart: $RIDS"
for id in $IDS; do
	printf '%s\n' "$RIDS" | grep -qxF "$id" && fail "task $id survived the restart"
done
old_gone() {
	local id
	for id in $IDS; do
		proc_live "${OLDPID[$id]}" && return 1
	done
	return 0
}
wait_for 20 old_gone || fail "old processes still run after the restart: $(inst_procs)"
[ "$(srv_count "$WEB")" = 3 ] || fail "SRV after restart: $(srv_records "$WEB")"
srv_equals_tasks "$WEB" || fail "SRV $(srv_ports "$WEB" | tr '\n' ' ') vs new tasks $(task_ports "$WEB" | tr '\n' ' ') (old: $(echo $OLDPORTS))"
wait_for 10 procs_are $RIDS || fail "processes after restart: $(inst_procs)"
wait_for 10 web_serves_tasks || fail "the new tasks do not serve: $SERVE_ERR"
[ "$(app_field "$WEB" 'a["version"]')" = "$V_RESTART" ] || fail "version after restart: $HTTP_BODY"
# No new task failed on the way (e.g. on a port an adopted task holds).
[ "$(app_field "$WEB" 'a.get("lastTaskFailure")')" = null ] || fail "a task failed during the restart: $HTTP_BODY"
[ "$(task_ports "$WEB" | sort -u | grep -c .)" = 3 ] || fail "tasks share ports: $(task_ports "$WEB")"
IDS=$RIDS
log "ok - restart replaced every task (new ids, old processes gone), DNS holds the new ports only"

# ---------------------------------------------------------------- versions
expect_http 200 GET "/v2/apps$WEB/versions"
got=$(jget '" ".join(j["versions"])')
want="$V_RESTART $V_PATCH3 $V_PATCH1 $V_PUT5 $V_CREATE"
[ "$got" = "$want" ] || fail "versions: $got, expected $want"
log "ok - versions newest first: $got"
check_version() {
	expect_http 200 GET "/v2/apps$WEB/versions/$1"
	[ "$(jget 'j["id"]')" = "$WEB" ] || fail "version $1: $HTTP_BODY"
	[ "$(jget 'j["instances"]')" = "$2" ] || fail "version $1 has instances $(jget 'j["instances"]'), expected $2"
	[ "$(jget 'j["version"]')" = "$1" ] || fail "version $1 says version $(jget 'j["version"]')"
	# PUT and PATCH merge: the rest of the definition stays.
	jget 'j["cmd"]' | grep -q "httpd -f -p 127.0.0.1:\$PORT0" || fail "version $1 cmd: $(jget 'j["cmd"]')"
	[ "$(jget 'j["labels"]["team"] + " " + j["env"]["GREETING"]')" = "edge-1 hello world" ] ||
	    fail "version $1 labels/env: $HTTP_BODY"
}
check_version "$V_CREATE" 3
check_version "$V_PUT5" 5
check_version "$V_PATCH1" 1
check_version "$V_PATCH3" 3
check_version "$V_RESTART" 3
expect_http 404 GET "/v2/apps$WEB/versions/2001-01-01T00:00:00.000Z"
log "ok - /versions/{v} gives each version's definition; an unknown version is 404"
# A change that changes nothing makes no version and no deployment.
expect_http 200 PATCH "/v2/apps$WEB" '{"instances":3}'
[ "$(jget 'j["version"]')" = "$V_RESTART" ] || fail "a no-op PATCH answered version $(jget 'j["version"]'), not $V_RESTART"
no_deployments || fail "a no-op PATCH left a deployment: $HTTP_BODY"
expect_http 200 GET "/v2/apps$WEB/versions"
[ "$(jget '" ".join(j["versions"])')" = "$want" ] || fail "a no-op PATCH made a version: $HTTP_BODY"
[ "$(task_ids "$WEB")" = "$IDS" ] || fail "a no-op PATCH changed the tasks"
log "ok - a no-op PATCH: no new version, no deployment, same tasks"

# ---------------------------------------------------------------- a task dies while stadiond is down
VICTIM=$(printf '%s\n' "$IDS" | tail -n 1)
VPID=$(task_pid "$VICTIM") || fail "no record of $VICTIM"
proc_live "$VPID" || fail "task $VICTIM: pid $VPID does not run"
crash_daemon
kill -KILL "$VPID"
_vdead() { ! proc_live "$VPID"; }
wait_for 10 _vdead || fail "pid $VPID survived kill -9"
relaunch_daemon
replaced_after_down() {
	local ids
	ids=$(task_ids "$WEB")
	[ "$(printf '%s\n' "$ids" | grep -c .)" = 3 ] && ! printf '%s\n' "$ids" | grep -qxF "$VICTIM" &&
	    [ "$(srv_count "$WEB")" = 3 ] && srv_equals_tasks "$WEB"
}
wait_for 15 replaced_after_down || fail "the task that died while stadiond was down is not replaced: tasks $(task_ids "$WEB" | tr '\n' ' '), SRV $(srv_records "$WEB")"
[ "$(app_field "$WEB" 'a["lastTaskFailure"]["taskId"]')" = "$VICTIM" ] || fail "lastTaskFailure: $HTTP_BODY"
# The others were adopted, not replaced.
for id in $IDS; do
	[ "$id" = "$VICTIM" ] && continue
	task_ids "$WEB" | grep -qxF "$id" || fail "task $id was replaced too"
done
wait_deployed 30
IDS=$(task_ids "$WEB")
wait_for 10 procs_are $IDS || fail "processes after the replacement: $(inst_procs)"
wait_for 10 web_serves_tasks || fail "the tasks do not serve: $SERVE_ERR"
log "ok - a task killed while stadiond was down is found dead at start and replaced; the others adopted"

# ---------------------------------------------------------------- a bad definition
http GET /v2/apps
APPS_BEFORE=$(jget 'json.dumps(sorted((a["id"], a["version"]) for a in j["apps"]))')
expect_http 422 POST /v2/apps '{"id": "/ap/bad", "cmd": "sleep 1", "instances": -1, "mem": "x"}'
[ "$(jget 'j["message"]')" = "Object is not valid" ] || fail "422 message: $HTTP_BODY"
paths=$(jget '" ".join(sorted(d["path"] for d in j["details"]))')
[ "$paths" = "/instances /mem" ] || fail "422 details name $paths: $HTTP_BODY"
[ "$(jget 'all(len(d["errors"]) > 0 for d in j["details"])')" = true ] || fail "422 details without errors: $HTTP_BODY"
expect_http 404 GET /v2/apps/ap/bad
# A bad PUT to an existing app changes nothing either.
expect_http 422 PUT "/v2/apps$WEB" '{"cmd": "sleep 1", "instances": -1, "mem": "x"}'
[ "$(jget '" ".join(sorted(d["path"] for d in j["details"]))')" = "/instances /mem" ] || fail "PUT 422 details: $HTTP_BODY"
http GET /v2/apps
[ "$(jget 'json.dumps(sorted((a["id"], a["version"]) for a in j["apps"]))')" = "$APPS_BEFORE" ] ||
    fail "/v2/apps changed by refused requests: $APPS_BEFORE -> $HTTP_BODY"
no_deployments || fail "a refused request started a deployment: $HTTP_BODY"
[ "$(task_ids "$WEB")" = "$IDS" ] || fail "a refused request changed the tasks"
log "ok - instances -1 and mem \"x\": 422 naming /instances and /mem, nothing stored"

# ---------------------------------------------------------------- tasks of all apps
SLEEP=/ap/sleeper
app_create '{"id": "/ap/sleeper", "cmd": "exec sleep 1000", "instances": 2, "cpus": 0.01, "mem": 16}'
wait_srv_count "$SLEEP" 2 30 || fail "SRV of $SLEEP: $(srv_records "$SLEEP")"
wait_deployed 30
SIDS=$(task_ids "$SLEEP")
[ "$(printf '%s\n' "$SIDS" | grep -c .)" = 2 ] || fail "tasks of $SLEEP: $SIDS"
expect_http 200 GET "/v2/tasks?status=running"
got=$(jget '"\n".join(sorted(t["id"] for t in j["tasks"]))')
want=$(printf '%s\n%s\n' "$IDS" "$SIDS" | sort)
[ "$got" = "$want" ] || fail "/v2/tasks?status=running: $got, expected $want"
[ "$(jget 'sorted(set(t["state"] for t in j["tasks"]))')" = '["TASK_RUNNING"]' ] || fail "states: $HTTP_BODY"
[ "$(jget 'sorted(set(t["appId"] for t in j["tasks"]))')" = '["/ap/sleeper", "/ap/web"]' ] || fail "appIds: $HTTP_BODY"
expect_http 200 GET "/v2/tasks?status=staging"
[ "$(jget 'len(j["tasks"])')" = 0 ] || fail "/v2/tasks?status=staging: $HTTP_BODY"
log "ok - /v2/tasks?status=running lists the running tasks of both apps"

STASK=$(printf '%s\n' "$SIDS" | head -n 1)
SKEEP=$(printf '%s\n' "$SIDS" | tail -n 1)
SPID=$(task_pid "$STASK") || fail "no record of $STASK"
expect_http 200 DELETE "/v2/apps$SLEEP/tasks/$STASK?scale=true"
[[ "$(jget 'j["deploymentId"]')" =~ ^[0-9a-f-]{36}$ ]] || fail "kill with scale answered: $HTTP_BODY"
V_SCALED=$(jget 'j["version"]')
wait_deployed 30
[ "$(app_field "$SLEEP" 'a["instances"]')" = 1 ] || fail "instances after a kill with scale: $HTTP_BODY"
[ "$(app_field "$SLEEP" 'a["version"]')" = "$V_SCALED" ] || fail "version after a kill with scale: $HTTP_BODY"
wait_srv_count "$SLEEP" 1 20 || fail "SRV of $SLEEP after a kill with scale: $(srv_records "$SLEEP")"
stays_one() { [ "$(task_ids "$SLEEP")" = "$SKEEP" ]; }
wait_for 10 stays_one || fail "tasks of $SLEEP after a kill with scale: $(task_ids "$SLEEP")"
holds 2 stays_one || fail "the killed task was replaced: $(task_ids "$SLEEP")"
_spid_gone() { ! proc_live "$SPID"; }
wait_for 20 _spid_gone || fail "killed task $STASK (pid $SPID) still runs"
log "ok - DELETE .../tasks/{id}?scale=true: instances 2 -> 1, the task gone, not replaced"
expect_http 404 DELETE "/v2/apps$SLEEP/tasks/$STASK"

# ---------------------------------------------------------------- a deployment lock
LOCKED=/ap/locked
app_create '{"id": "/ap/locked", "cmd": "exec sleep 1000", "instances": 1, "cpus": 0.01, "mem": 16, "dependencies": ["/ap/nothere"]}'
D1=$(jget 'j["deployments"][0]["id"]')
[[ "$D1" =~ ^[0-9a-f-]{36}$ ]] || fail "POST of $LOCKED answered: $HTTP_BODY"
locked_deployed() {
	http GET /v2/deployments
	[ "$(jget "[d['id'] for d in j if d['affectedApps'] == ['$LOCKED']]")" = "[\"$D1\"]" ]
}
locked_deployed || fail "GET /v2/deployments lacks $D1: $HTTP_BODY"
# It waits for a dependency that never comes: the deployment stays.
holds 3 locked_deployed || fail "the deployment of $LOCKED ended or changed: $HTTP_BODY"
[ -z "$(task_ids "$LOCKED")" ] || fail "$LOCKED launched without its dependency: $(task_ids "$LOCKED")"
log "ok - an app with a missing dependency stays deploying ($D1)"
expect_http 409 PUT "/v2/apps$LOCKED" '{"cmd": "exec sleep 1000", "instances": 2, "dependencies": ["/ap/nothere"]}'
[ "$(jget '[d["id"] for d in j["deployments"]]')" = "[\"$D1\"]" ] || fail "409 deployments: $HTTP_BODY"
jget 'j["message"]' | grep -qF "/v2/deployments/$D1" || fail "409 message: $HTTP_BODY"
expect_http 409 PATCH "/v2/apps$LOCKED" '{"instances": 2}'
expect_http 409 POST "/v2/apps$LOCKED/restart"
expect_http 409 DELETE "/v2/apps$LOCKED"
[ "$(app_field "$LOCKED" 'a["instances"]')" = 1 ] || fail "a refused PUT changed $LOCKED: $HTTP_BODY"
log "ok - PUT/PATCH/restart/DELETE of a locked app: 409 naming $D1"
expect_http 200 PUT "/v2/apps$LOCKED?force=true" '{"cmd": "exec sleep 1000", "instances": 2, "dependencies": ["/ap/nothere"]}'
D2=$(jget 'j["deploymentId"]')
[[ "$D2" =~ ^[0-9a-f-]{36}$ ]] && [ "$D2" != "$D1" ] || fail "forced PUT answered: $HTTP_BODY"
[ "$(app_field "$LOCKED" 'a["instances"]')" = 2 ] || fail "forced PUT did not change $LOCKED: $HTTP_BODY"
[ "$(deployment_ids)" = "$D2" ] || fail "deployments after the forced PUT: $(deployment_ids), expected $D2 only"
log "ok - PUT ?force=true: 200, deployment $D2 replaces $D1"
expect_http 202 DELETE "/v2/deployments/$D2?force=true"
[ -z "$(deployment_ids)" ] || fail "deployments after the cancel: $(deployment_ids)"
expect_http 404 DELETE "/v2/deployments/$D2?force=true"
log "ok - DELETE /v2/deployments/$D2?force=true: 202, gone"
expect_http 200 DELETE "/v2/apps$LOCKED"
wait_deployed 30
expect_http 404 GET "/v2/apps$LOCKED"

# ---------------------------------------------------------------- delete
declare -A WPID
for id in $IDS; do
	WPID[$id]=$(task_pid "$id") || fail "no record of $id"
done
http GET /v1/services
jget '[s["name"] for s in j]' | grep -qF "\"$WEB\"" || fail "/v1/services lacks $WEB: $HTTP_BODY"
expect_http 200 DELETE "/v2/apps$WEB"
[[ "$(jget 'j["deploymentId"]')" =~ ^[0-9a-f-]{36}$ ]] || fail "DELETE answered: $HTTP_BODY"
wait_deployed 30
web_gone_from_dns() {
	local out st
	out=$(q "_$WEB_LABEL._tcp.$Z" SRV)
	st=$(dig_status "$out")
	[ "$st" = NXDOMAIN ] || { [ "$st" = NOERROR ] && [ "$(count_rr "$out" SRV)" = 0 ]; }
}
wait_for 10 web_gone_from_dns || fail "SRV of $WEB after DELETE: $(q "_$WEB_LABEL._tcp.$Z" SRV)"
out=$(q "$WEB_LABEL.$Z" A)
[ "$(count_rr "$out" A)" = 0 ] || fail "A of $WEB_LABEL after DELETE: $out"
web_procs_gone() {
	local id
	for id in $IDS; do
		proc_live "${WPID[$id]}" && return 1
	done
	! inst_procs | grep -q ' ap_web\.'
}
wait_for 20 web_procs_gone || fail "processes of $WEB after DELETE: $(inst_procs)"
expect_http 404 GET "/v2/apps$WEB"
[ "$(jget 'j["message"]')" = "App '$WEB' does not exist" ] || fail "404 message: $HTTP_BODY"
expect_http 404 GET "/v2/apps$WEB/tasks"
http GET /v1/services
[ "$HTTP_CODE" = 200 ] || fail "GET /v1/services answered $HTTP_CODE"
jget '[s["name"] for s in j]' | grep -qF "\"$WEB\"" && fail "/v1/services still lists $WEB: $HTTP_BODY"
jget '[s["name"] for s in j]' | grep -qF "\"$SLEEP\"" || fail "/v1/services lost $SLEEP: $HTTP_BODY"
http GET /v2/apps
[ "$(jget '[a["id"] for a in j["apps"]]')" = '["/ap/sleeper"]' ] || fail "/v2/apps after DELETE: $HTTP_BODY"
log "ok - DELETE: no SRV/A left, processes gone, GET 404, not in /v1/services"

# ---------------------------------------------------------------- the end
expect_http 200 DELETE "/v2/apps$SLEEP"
wait_deployed 30
_none_left() { [ -z "$(inst_procs)" ]; }
wait_for 20 _none_left || fail "processes left after deleting every app: $(inst_procs)"
[ -z "$(proc_pids | while read -r p; do proc_live "$p" && echo "$p"; done)" ] ||
    fail "recorded instances still run: $(proc_pids)"
log "ok - no instance left"
stop_daemon
exit 0
