#!/usr/bin/env bash
# stadionctl-live.sh -- the built stadionctl against the real daemon: it
# creates, lists, shows, scales, updates, restarts and removes a process
# driver app, lists and kills its tasks, lists deployments and services,
# and reports a 409, a 422 and a 404 with the server's words and exit 1.
# What it prints is compared with what the API and DNS say.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apps-lib.sh"
apps_trap
need_tools curl dig python3

: "${STADIONCTL:=$top_builddir/src/stadionctl}"
[ -x "$STADIONCTL" ] || fail "no stadionctl binary at $STADIONCTL (build first)"
# Loopback only: a proxy from the environment must not be asked.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy='*' NO_PROXY='*'
unset STADION_SERVER

APP=/lv/sleep
LABEL=$(app_label "$APP")
[ "$LABEL" = sleep-lv ] || fail "app_label $APP gave $LABEL"
UUID_RE='[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
VERSION_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# ---------------------------------------------------------------- helpers

# ctl ARGS...: run stadionctl against the daemon; sets OUT, ERR, RC.
ctl() {
	stadionctl_run --server "http://127.0.0.1:$HTTP_PORT" --timeout 20 "$@"
}

# squeeze TEXT: blanks squeezed, so that column widths do not matter.
squeeze() { printf '%s\n' "$1" | sed 's/[[:space:]]\{1,\}/ /g; s/^ //; s/ $//'; }
# out_has LINE / err_has LINE: a line of stdout / stderr equals LINE.
out_has() {
	squeeze "$OUT" | grep -qxF -- "$1" || fail "stdout lacks line '$1':
$OUT"
}
out_lacks() {
	squeeze "$OUT" | grep -qF -- "$1" && fail "stdout has '$1':
$OUT"
	return 0
}
err_has() {
	printf '%s\n' "$ERR" | grep -qxF -- "$1" || fail "stderr lacks line '$1':
$ERR"
}
# out_match ERE: the whole stdout (one line) matches ERE.
out_match() {
	[[ "$OUT" =~ ^$1$ ]] || fail "stdout '$OUT' does not match '$1' (stderr: $ERR)"
}
# out_rows: how many lines stdout has below its header.
out_rows() { printf '%s\n' "$OUT" | sed 1d | grep -c .; }

# result_ids: the deployment id and version of a printed result line.
result_dep() { printf '%s\n' "$OUT" | sed -n 's/.*: deployment \([0-9a-f-]*\) started.*/\1/p'; }
result_version() { printf '%s\n' "$OUT" | sed -n 's/.*(version \(.*\))$/\1/p'; }

# proc_tasks: the task ids that have a live process, sorted.
proc_tasks() { inst_procs | awk '{ print $2 }' | sort -u; }

# tasks_are_procs APPID: the app's task ids are exactly those with a process.
tasks_are_procs() {
	[ "$(task_ids "$1")" = "$(proc_tasks)" ]
}

# settled APPID N: N tasks, all running, N SRV records, no deployment, one
# process per task.
settled() {
	[ "$(task_ports "$1" | grep -c .)" = "$2" ] && [ "$(task_ids "$1" | grep -c .)" = "$2" ] &&
	    [ "$(srv_count "$1")" = "$2" ] && no_deployments && tasks_are_procs "$1"
}

# TTL 1 s: a task scaled away drains 2 s (TTL + 1) before its stop.
start_daemon --ttl 1

# ---------------------------------------------------------------- apps create
cat > "$T/app.json" <<'EOF'
{"id": "/lv/sleep", "cmd": "exec sleep 1000", "instances": 2, "cpus": 0.25, "mem": 16,
 "portDefinitions": [{"port": 0, "name": "http"}], "labels": {"owner": "ctl"}}
EOF
ctl apps create -f "$T/app.json"
expect_rc 0 "apps create"
out_match "app $APP created: deployment $UUID_RE started \\(version $VERSION_RE\\)"
[ -z "$ERR" ] || fail "apps create wrote on stderr: $ERR"
D_CREATE=$(result_dep)
V_CREATE=$(result_version)
app_get "$APP"
[ "$(jget 'j["app"]["version"]')" = "$V_CREATE" ] || fail "printed version $V_CREATE, the app has $(jget 'j["app"]["version"]')"
[ "$(jget 'j["app"]["instances"]')" = 2 ] || fail "created app: $HTTP_BODY"
wait_for 30 settled "$APP" 2 || fail "app not deployed: tasks $(task_ids "$APP"), SRV $(srv_ports "$APP"), procs $(inst_procs)"
log "ok - apps create: app $APP, deployment $D_CREATE (version $V_CREATE), 2 tasks in DNS"

ctl apps create -f "$T/app.json"
expect_rc 1 "apps create of an existing app"
err_has "stadionctl: An app with id [$APP] already exists."
[ -z "$OUT" ] || fail "a refused create printed on stdout: $OUT"
log "ok - apps create of an existing id: exit 1, the server's message"

# ---------------------------------------------------------------- apps list
ctl apps list
expect_rc 0 "apps list"
out_has "ID INSTANCES HEALTHY CPUS MEM IMAGE/CMD DEPLOYMENTS"
out_has "$APP 2/2 - 0.25 16 exec sleep 1000 -"
[ "$(out_rows)" = 1 ] || fail "apps list rows: $OUT"
log "ok - apps list table"

ctl apps list --json
expect_rc 0 "apps list --json"
[ "$(jget '[a["id"] for a in j["apps"]]' "$OUT")" = "[\"$APP\"]" ] || fail "apps list --json: $OUT"
[ "$(jget 'j["apps"][0]["tasksRunning"]' "$OUT")" = 2 ] || fail "apps list --json tasksRunning: $OUT"
[ "$(jget 'j["apps"][0]["labels"]' "$OUT")" = '{"owner": "ctl"}' ] || fail "apps list --json labels: $OUT"
[ "$(printf '%s\n' "$OUT" | wc -l)" -gt 5 ] || fail "--json is not pretty printed: $OUT"
http GET /v2/apps
[ "$(jget 'json.dumps(j, sort_keys=True)' "$OUT")" = "$(jget 'json.dumps(j, sort_keys=True)')" ] ||
    fail "apps list --json is not what GET /v2/apps answers"
log "ok - apps list --json is the server's answer"

# ---------------------------------------------------------------- apps show
ctl apps show "${APP#/}"
expect_rc 0 "apps show"
out_has "ID $APP"
out_has "CMD exec sleep 1000"
out_has "INSTANCES 2 (2 running, 0 staged)"
out_has "CPUS 0.25"
out_has "MEM 16"
out_has "VERSION $V_CREATE"
out_has "DEPLOYMENTS -"
out_has "ID HOST PORTS STATE HEALTH STARTED"
http GET "/v2/apps$APP/tasks"
n=0
while read -r id port started; do
	[ -n "$id" ] || continue
	out_has "$id 127.0.0.1 $port TASK_RUNNING - $started"
	n=$((n + 1))
done <<EOF
$(jget '"\n".join("%s %s %s" % (t["id"], t["ports"][0], t["startedAt"]) for t in j["tasks"])')
EOF
[ "$n" = 2 ] || fail "apps show: $n tasks from the API"
log "ok - apps show: settings, counters and both tasks as the API has them"

# ---------------------------------------------------------------- tasks list
ctl tasks list
expect_rc 0 "tasks list"
out_has "ID APP HOST PORTS STATE HEALTH STARTED"
[ "$(out_rows)" = 2 ] || fail "tasks list rows: $OUT"
http GET /v2/tasks
while read -r id port started; do
	[ -n "$id" ] || continue
	out_has "$id $APP 127.0.0.1 $port TASK_RUNNING - $started"
done <<EOF
$(jget '"\n".join("%s %s %s" % (t["id"], t["ports"][0], t["startedAt"]) for t in j["tasks"])')
EOF
# Their ports are those in DNS.
[ "$(printf '%s\n' "$OUT" | sed 1d | awk '{ print $4 }' | sort -n)" = "$(srv_ports "$APP")" ] ||
    fail "tasks list ports vs SRV $(srv_ports "$APP" | tr '\n' ' '): $OUT"
ctl tasks list "$APP"
expect_rc 0 "tasks list APP"
[ "$(out_rows)" = 2 ] || fail "tasks list $APP rows: $OUT"
ctl --json tasks list "$APP"
[ "$(jget '"\n".join(sorted(t["id"] for t in j["tasks"]))' "$OUT")" = "$(task_ids "$APP")" ] ||
    fail "tasks list --json: $OUT"
log "ok - tasks list (all, one app, --json) shows the running tasks and their DNS ports"

# ---------------------------------------------------------------- services
ctl services list
expect_rc 0 "services list"
out_has "NAME LABEL DNS INSTANCES"
out_has "$APP $LABEL $LABEL.marathon.mesos 2"
ctl services show "$APP"
expect_rc 0 "services show"
out_has "NAME $APP"
out_has "LABEL $LABEL"
out_has "DNS $LABEL.marathon.mesos"
out_has "INSTANCES 2"
out_has "ID ADDRESS PORTS WEIGHT HEALTH"
http GET "/v2/apps$APP/tasks"
for id in $(task_ids "$APP"); do
	port=$(jget "[t['ports'][0] for t in j['tasks'] if t['id'] == '$id'][0]")
	out_has "$id 127.0.0.1 $port/tcp(http) 1 none"
done
[ "$(q +short "$LABEL.marathon.mesos" A | sort -u)" = 127.0.0.1 ] || fail "A of $LABEL"
log "ok - services list and show: the app's service with its instances"

# ---------------------------------------------------------------- apps scale
ctl apps scale "$APP" 3
expect_rc 0 "apps scale"
out_match "app $APP scaled to 3: deployment $UUID_RE started \\(version $VERSION_RE\\)"
V_SCALE=$(result_version)
app_get "$APP"
[ "$(jget 'j["app"]["instances"]')" = 3 ] || fail "instances after apps scale: $HTTP_BODY"
[ "$(jget 'j["app"]["version"]')" = "$V_SCALE" ] || fail "version after apps scale: $HTTP_BODY"
wait_for 30 settled "$APP" 3 || fail "scale to 3: tasks $(task_ids "$APP"), SRV $(srv_ports "$APP")"
ctl apps list
out_has "$APP 3/3 - 0.25 16 exec sleep 1000 -"
log "ok - apps scale 3: 3 tasks, 3 SRV records, apps list says 3/3"

# ---------------------------------------------------------------- deployments list
# An app whose dependency does not exist stays deploying.
cat > "$T/locked.json" <<'EOF'
{"id": "/lv/locked", "cmd": "exec sleep 1000", "instances": 1, "cpus": 0.01, "mem": 16,
 "dependencies": ["/lv/nothere"]}
EOF
ctl apps create -f "$T/locked.json"
expect_rc 0 "apps create of the locked app"
D_LOCK=$(result_dep)
V_LOCK=$(result_version)
[ -n "$D_LOCK" ] || fail "no deployment printed: $OUT"
ctl deployments list
expect_rc 0 "deployments list"
out_has "ID APPS STEP STRATEGY PAUSED ACTIONS VERSION"
out_has "$D_LOCK /lv/locked 2/2 - - ScaleApplication /lv/locked $V_LOCK"
[ "$(out_rows)" = 1 ] || fail "deployments list rows: $OUT"
ctl --json deployments list
[ "$(jget '[d["id"] for d in j]' "$OUT")" = "[\"$D_LOCK\"]" ] || fail "deployments list --json: $OUT"
log "ok - deployments list shows the pending deployment $D_LOCK"

ctl apps scale /lv/locked 2
expect_rc 1 "apps scale of a locked app"
err_has "stadionctl: App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/$D_LOCK'."
err_has "  blocked by deployment $D_LOCK (--force overrides it)"
[ -z "$OUT" ] || fail "a refused scale printed on stdout: $OUT"
log "ok - a 409: exit 1, the message and the blocking deployment"

ctl deployments cancel "$D_LOCK" --force
expect_rc 0 "deployments cancel --force"
[ "$OUT" = "deployment $D_LOCK canceled" ] || fail "deployments cancel --force printed: $OUT"
ctl deployments list
expect_rc 0 "deployments list"
[ "$(out_rows)" = 0 ] || fail "deployments left after the cancel: $OUT"
ctl apps remove /lv/locked
expect_rc 0 "apps remove of the unlocked app"
out_match "app /lv/locked removed: deployment $UUID_RE started \\(version $VERSION_RE\\)"
wait_deployed 30
log "ok - deployments cancel --force, then the app is removable"

# ---------------------------------------------------------------- apps update
OLD_IDS=$(task_ids "$APP")
# PUT merges (Marathon's partialUpdate): what the file leaves out stays.
printf '{"cmd": "exec sleep 2000", "instances": 2, "mem": 24}' > "$T/update.json"
ctl apps update "${APP#/}" -f "$T/update.json"
expect_rc 0 "apps update"
out_match "app $APP updated: deployment $UUID_RE started \\(version $VERSION_RE\\)"
V_UPDATE=$(result_version)
app_get "$APP"
[ "$(jget 'j["app"]["cmd"]')" = "exec sleep 2000" ] || fail "cmd after apps update: $HTTP_BODY"
[ "$(jget 'j["app"]["mem"]')" = 24.0 ] || fail "mem after apps update: $HTTP_BODY"
[ "$(jget 'j["app"]["version"]')" = "$V_UPDATE" ] || fail "version after apps update: $HTTP_BODY"
[ "$(jget 'j["app"]["labels"]')" = '{"owner": "ctl"}' ] || fail "labels lost by apps update: $HTTP_BODY"
[ "$(jget 'j["app"]["cpus"]')" = 0.25 ] || fail "cpus lost by apps update: $HTTP_BODY"
[ "$(jget 'j["app"]["portDefinitions"][0]["name"]')" = http ] || fail "portDefinitions lost by apps update: $HTTP_BODY"
wait_for 60 settled "$APP" 2 || fail "update: tasks $(task_ids "$APP"), SRV $(srv_ports "$APP"), procs $(inst_procs)"
for id in $OLD_IDS; do
	task_ids "$APP" | grep -qxF "$id" && fail "task $id of the old config survived the update"
done
new_cmd_runs() {
	local pid
	for pid in $(inst_procs | awk '{ print $1 }'); do
		tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qx 'sleep 2000 ' || return 1
	done
}
wait_for 10 new_cmd_runs || fail "the new cmd does not run: $(inst_procs)"
ctl apps show "$APP"
out_has "CMD exec sleep 2000"
out_has "INSTANCES 2 (2 running, 0 staged)"
out_has "MEM 24"
log "ok - apps update: new config, every task replaced, the new cmd runs"

# ---------------------------------------------------------------- apps restart
OLD_IDS=$(task_ids "$APP")
OLD_PIDS=$(inst_procs | awk '{ print $1 }')
ctl apps restart "$APP"
expect_rc 0 "apps restart"
out_match "app $APP restarting: deployment $UUID_RE started \\(version $VERSION_RE\\)"
V_RESTART=$(result_version)
wait_for 60 settled "$APP" 2 || fail "restart: tasks $(task_ids "$APP"), SRV $(srv_ports "$APP")"
for id in $OLD_IDS; do
	task_ids "$APP" | grep -qxF "$id" && fail "task $id survived the restart"
done
for pid in $OLD_PIDS; do
	proc_live "$pid" && fail "pid $pid of an old task still runs"
done
[ "$(jget 'j["app"]["version"]' "$(curl -s "http://127.0.0.1:$HTTP_PORT/v2/apps$APP")")" = "$V_RESTART" ] ||
    fail "version after restart"
ctl apps versions "$APP"
expect_rc 0 "apps versions"
[ "$(printf '%s\n' "$OUT" | head -n 1)" = "$V_RESTART" ] || fail "apps versions: $OUT"
[ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "$V_RESTART $V_UPDATE $V_SCALE $V_CREATE " ] ||
    fail "apps versions: $OUT"
log "ok - apps restart: every task replaced; apps versions newest first"

# ---------------------------------------------------------------- tasks kill
VICTIM=$(task_ids "$APP" | head -n 1)
KEEP=$(task_ids "$APP" | tail -n 1)
ctl tasks kill "$VICTIM"
expect_rc 0 "tasks kill"
[ "$OUT" = "task $VICTIM killed" ] || fail "tasks kill printed: $OUT"
replaced() {
	! task_ids "$APP" | grep -qxF "$VICTIM" && settled "$APP" 2
}
wait_for 30 replaced || fail "no replacement for $VICTIM: $(task_ids "$APP")"
task_ids "$APP" | grep -qxF "$KEEP" || fail "tasks kill took $KEEP too"
[ "$(jget 'j["app"]["instances"]' "$(curl -s "http://127.0.0.1:$HTTP_PORT/v2/apps$APP")")" = 2 ] ||
    fail "tasks kill without --scale changed instances"
log "ok - tasks kill: the task is replaced, instances unchanged"

VICTIM=$(task_ids "$APP" | head -n 1)
ctl tasks kill --app "$APP" "$VICTIM" --scale
expect_rc 0 "tasks kill --app --scale"
out_match "killed and scaled down: deployment $UUID_RE started \\(version $VERSION_RE\\)"
wait_for 30 settled "$APP" 1 || fail "kill --scale: tasks $(task_ids "$APP"), SRV $(srv_ports "$APP")"
task_ids "$APP" | grep -qxF "$VICTIM" && fail "$VICTIM still listed"
ctl apps show "$APP"
out_has "INSTANCES 1 (1 running, 0 staged)"
log "ok - tasks kill --app --scale: instances 2 -> 1, one task left"

# ---------------------------------------------------------------- errors
ctl tasks kill --app "$APP" "$VICTIM"
expect_rc 1 "tasks kill of a gone task"
err_has "stadionctl: Task '$VICTIM' does not exist"
ctl apps show /lv/nothere
expect_rc 1 "apps show of a missing app"
err_has "stadionctl: App '/lv/nothere' does not exist"
[ -z "$OUT" ] || fail "a 404 printed on stdout: $OUT"
ctl apps scale lv/nothere 2
expect_rc 1 "apps scale of a missing app"
[ -n "$ERR" ] || fail "apps scale of a missing app printed no error"
log "ok - a 404: exit 1 and the server's message"

printf '{"id": "/lv/bad", "cmd": "sleep 1", "instances": -1, "mem": "x"}' > "$T/bad.json"
ctl apps create -f "$T/bad.json"
expect_rc 1 "apps create of a bad definition"
err_has "stadionctl: Object is not valid"
printf '%s\n' "$ERR" | grep -q '^  /instances: .' || fail "no /instances detail: $ERR"
printf '%s\n' "$ERR" | grep -q '^  /mem: .' || fail "no /mem detail: $ERR"
[ -z "$OUT" ] || fail "a 422 printed on stdout: $OUT"
expect_http 404 GET /v2/apps/lv/bad
ctl apps scale "$APP" --force -- -1
expect_rc 1 "apps scale to -1"
err_has "stadionctl: Object is not valid"
printf '%s\n' "$ERR" | grep -q '^  /instances: .' || fail "no /instances detail: $ERR"
[ "$(jget 'j["app"]["instances"]' "$(curl -s "http://127.0.0.1:$HTTP_PORT/v2/apps$APP")")" = 1 ] ||
    fail "a refused scale changed the app"
log "ok - a 422: exit 1, the message and every bad field"

# ---------------------------------------------------------------- apps remove
PIDS=$(inst_procs | awk '{ print $1 }')
[ -n "$PIDS" ] || fail "no process before apps remove"
ctl apps remove "$APP"
expect_rc 0 "apps remove"
out_match "app $APP removed: deployment $UUID_RE started \\(version $VERSION_RE\\)"
wait_deployed 30
ctl apps list
expect_rc 0 "apps list after remove"
[ "$(out_rows)" = 0 ] || fail "apps list after remove: $OUT"
out_lacks "$APP"
ctl apps show "$APP"
expect_rc 1 "apps show after remove"
err_has "stadionctl: App '$APP' does not exist"
no_srv() { [ "$(srv_count "$APP")" = 0 ]; }
wait_for 10 no_srv || fail "SRV after apps remove: $(srv_ports "$APP")"
no_procs() { [ -z "$(inst_procs)" ]; }
wait_for 20 no_procs || fail "processes after apps remove: $(inst_procs)"
ctl services list
expect_rc 0 "services list after remove"
out_lacks "$APP"
ctl tasks list
expect_rc 0 "tasks list after remove"
[ "$(out_rows)" = 0 ] || fail "tasks list after remove: $OUT"
log "ok - apps remove: gone from apps, tasks, services and DNS; no process left"

stop_daemon
exit 0
