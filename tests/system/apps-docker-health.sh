#!/usr/bin/env bash
# Health checks, auto-healing and the event stream of Docker apps, end to
# end: the real stadiond, the real Docker engine (host networking, reached
# on 127.0.0.1 only), DNS asked with dig and GET /v2/events read by curl.
#   1. a COMMAND check run in the container (docker exec): the task stays
#      out of DNS until it passes, is served once healthy; the checked file
#      removed in the container, the task leaves DNS at the first failure
#      and is killed and replaced (new task, new container, in DNS) at the
#      second, and its container removed;
#   2. an HTTP check against the containers' httpd: tasksHealthy = 2;
#   3. docker kill of one container of that app: the time from the kill to
#      its replacement being healthy and in DNS is measured and logged
#      (target < 2 s, fails above 30 s); the stream has the old task's
#      TASK_FAILED (or TASK_KILLED), the new one's TASK_RUNNING and its
#      health_status_changed_event alive true;
#   4. a container killed by the OOM killer (mem 8 MiB): lastTaskFailure
#      "killed by the OOM killer", a status_update_event TASK_FAILED, back-
#      off events (1 s, then 2 s) and a replacement; then deleted;
#   6. (checked right after 4) the SSE client, started before everything,
#      saw for the kill of 3 the events in order: the old task's
#      TASK_FAILED/TASK_KILLED, then the new task's TASK_STAGING,
#      TASK_RUNNING and health alive true;
#   5. the Docker engine taken away and started again, only when these
#      tests started it and no other test uses it (else skipped, with a
#      line saying why; the engine lock is held meanwhile, so that a test
#      starting then waits for it):
#      a. dockerd killed (SIGKILL: its events stream breaks while the
#         containers run): the 3 tasks of the HTTP and COMMAND apps become
#         TASK_UNREACHABLE and are not killed, not even by their failing
#         COMMAND check (docker exec cannot reach the engine); started
#         again, dockerd stops the containers it finds (no live-restore,
#         no restart policy), and within bounds exactly 2 + 1 containers
#         run, with 2 + 1 healthy tasks and SRV records, no duplicate;
#      b. dockerd stopped with SIGTERM (as docker-env.sh stops it), which
#         first stops the containers itself: the tasks end; started again,
#         exactly 2 containers of a fresh app run, 2 SRV records.
# Every container the test makes is removed on exit, and the engine (and
# anything else) it started is stopped. Nothing leaves the loopback: the
# image is stadion-test/busybox:latest made locally by docker-env.sh.
: "${STADION_TEST_TIMEOUT:=300}"
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/apps-lib.sh"
need_tools docker dockerd busybox curl python3 dig

# shellcheck disable=SC2034  # read by docker-env.sh
DOCKER_ENV_DIR=$T/denv
. "$SYSTEM_DIR/docker-env.sh"

# App ids unique to this run: the engine is shared with other tests.
RUN=dh$$x$RANDOM
APPS_DOCKER_LABEL=/$RUN/
APP_CMD=/$RUN/cmd
APP_HTTP=/$RUN/http
APP_OOM=/$RUN/oom
EVENTS=$T/events.sse
SSE_PID=
ENGINE_LOCKED=
ENGINE_DOWN=

# sse_stop: end the event stream client.
sse_stop() {
	[ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null
	SSE_PID=
}

# engine_restore: after a failure between the engine's stop and start,
# start it again (so that the containers can be removed) and drop the
# engine lock (docker_env_stop takes it again).
engine_restore() {
	if [ -n "$ENGINE_DOWN" ]; then
		engine_start || log "the engine did not come back"
	fi
	if [ -n "$ENGINE_LOCKED" ]; then
		_denv_unlock
		ENGINE_LOCKED=
	fi
}

# apps_trap's clean-up, with the stream client and the engine first.
trap '_rc=$?; sse_stop; engine_restore; apps_cleanup; docker_env_stop; (exit $_rc); _cleanup' EXIT

mkdir -p "$DOCKER_ENV_DIR" || fail "mkdir $DOCKER_ENV_DIR"
# The engine and the image; no registry: nothing is pulled.
{ docker_env_engine && docker_env_image; } || fail "the docker test environment did not start"
log "ok - engine and test image $TEST_IMAGE ready"

# ---------------------------------------------------------------- helpers

now() { date +%s.%N; }

# elapsed T0: seconds since T0 (from now), 2 decimals.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

# shellcheck disable=SC2016  # $MESOS_TASK_ID, $PORT0: the container's
# web_app_json ID INSTANCES HEALTHCHECKS [CMD_PREFIX]: a host-network docker
# app whose containers serve their task id over HTTP on $PORT0.
web_app_json() {
	printf '{"id":"%s","instances":%s,"cpus":0.2,"mem":32,' "$1" "$2"
	printf '"cmd":"mkdir -p /tmp/www; echo $MESOS_TASK_ID > /tmp/www/index.html; %sexec httpd -f -p $PORT0 -h /tmp/www",' "${4:-}"
	printf '"container":{"type":"DOCKER","docker":{"image":"%s","network":"HOST"}},' "$TEST_IMAGE"
	printf '"networks":[{"mode":"host"}],"portDefinitions":[{"port":0,"protocol":"tcp","name":"http"}],'
	printf '"taskKillGracePeriodSeconds":1,"healthChecks":%s}' "$3"
}

# ctr_ids APPID [-a]: full ids of the app's running (-a: all) containers.
ctr_ids() {
	# shellcheck disable=SC2086  # no -a: no word
	docker ps ${2:-} -q --no-trunc --filter "label=stadion.app=$1" | sort
}

ctr_count() { ctr_ids "$@" | grep -c .; }

# task_ctr TASKID: the running container of a task.
task_ctr() {
	docker ps -q --no-trunc --filter "label=stadion.instance=$1"
}

# srv_rrs APPID: "port target" of every SRV record of the app, sorted.
srv_rrs() {
	q +short "_$(app_label "$1")._tcp.marathon.mesos" SRV | awk '{ print $3, $4 }' | sort
}

# task_table APPID: "port taskid state alive" of each task (alive: the
# health checks' results all passed), sorted by port.
task_table() {
	http GET "/v2/apps$1/tasks"
	[ "$HTTP_CODE" = 200 ] || return 1
	jget '"\n".join("%s %s %s %s" % (t["ports"][0] if t["ports"] else 0, t["id"], t["state"],
	    "alive" if t["healthCheckResults"] and all(r["alive"] for r in t["healthCheckResults"]) else "-")
	    for t in j["tasks"])' | grep . | sort -n
}

# running_task_ids APPID: ids of the TASK_RUNNING tasks, sorted.
running_task_ids() {
	task_table "$1" | awk '$3 == "TASK_RUNNING" { print $2 }' | sort
}

# app_field APPID EXPR: EXPR on GET /v2/apps/APPID's app (bound to a).
app_field() {
	http GET "/v2/apps$1"
	[ "$HTTP_CODE" = 200 ] || { echo "HTTP $HTTP_CODE"; return 1; }
	jget "(lambda a: $2)(j['app'])"
}

# healthy_in_dns APPID N: N running tasks, all healthy (tasksHealthy N,
# every check result alive), N SRV records whose ports are the tasks'.
healthy_in_dns() {
	local app=$1 n=$2 tt sp tp
	[ "$(app_field "$app" 'a["tasksHealthy"]')" = "$n" ] || return 1
	tt=$(task_table "$app") || return 1
	[ "$(printf '%s\n' "$tt" | grep -c .)" = "$n" ] || return 1
	[ "$(printf '%s\n' "$tt" | awk '$3 == "TASK_RUNNING" && $4 == "alive"' | grep -c .)" = "$n" ] || return 1
	sp=$(srv_ports "$app")
	tp=$(printf '%s\n' "$tt" | awk '{ print $1 }' | sort -n)
	[ "$sp" = "$tp" ]
}

# check_containers APPID: the app's containers are its tasks, all running
# (none stopped left over), each serving its task id on its port.
check_containers() {
	local app=$1 tt labels port id
	tt=$(task_table "$app")
	[ "$(ctr_count "$app")" = "$(printf '%s\n' "$tt" | grep -c .)" ] ||
	    fail "$app: running containers $(ctr_ids "$app" | tr '\n' ' ') for tasks: $tt"
	[ "$(ctr_count "$app" -a)" = "$(ctr_count "$app")" ] ||
	    fail "$app: stopped containers left: $(docker ps -a --filter "label=stadion.app=$app")"
	labels=$(for c in $(ctr_ids "$app"); do docker inspect -f '{{index .Config.Labels "stadion.instance"}}' "$c"; done | sort)
	[ "$labels" = "$(printf '%s\n' "$tt" | awk '{ print $2 }' | sort)" ] ||
	    fail "$app: container labels [${labels//$'\n'/ }] are not the task ids: $tt"
	while read -r port id _; do
		[ "$(curl -s --max-time 3 "http://127.0.0.1:$port/" | tr -d '\r\n ')" = "$id" ] ||
		    fail "$app: 127.0.0.1:$port does not serve task $id"
	done <<<"$tt"
}

# ---------------------------------------------------------------- the stream

# The SSE reader: E is the list of complete frames ({"type", "data", "i"});
# ev EXPR prints EXPR evaluated on it (str/int as is, others as JSON).
cat >"$T/ev.py" <<'EOF'
import json, sys, datetime
raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace')
E = []
for f in raw.split('\r\n\r\n')[:-1]:
    typ, data = None, None
    for line in f.split('\r\n'):
        if line.startswith('event: '):
            typ = line[7:]
        elif line.startswith('data: '):
            data = json.loads(line[6:])
    if typ is not None:
        E.append({'type': typ, 'data': data or {}, 'i': len(E)})
def find(typ, **kw):
    return [e for e in E if e['type'] == typ and
            all(e['data'].get(k) == v for k, v in kw.items())]
def idx(typ, **kw):
    l = find(typ, **kw)
    return l[0]['i'] if l else -1
def status(task, st):
    return idx('status_update_event', taskId=task, taskStatus=st)
def ts(i):
    s = E[i]['data']['timestamp']
    return datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc).timestamp()
v = eval(sys.argv[2])
if isinstance(v, bool) or v is None or isinstance(v, (list, dict)):
    print(json.dumps(v))
else:
    print(v)
EOF
ev() { python3 "$T/ev.py" "$EVENTS" "$1"; }
# ev_true EXPR: EXPR holds on the stream.
ev_true() { [ "$(ev "$1")" = true ]; }

# shellcheck disable=SC2119  # no arguments
# TTL 1 s: a task scaled away drains 2 s (TTL + 1) before its stop.
start_daemon --ttl 1

# An SSE client from the start: it must see everything that follows.
curl -sN --max-time "$STADION_TEST_TIMEOUT" "http://127.0.0.1:$HTTP_PORT/v2/events" >"$EVENTS" 2>"$T/events.err" &
SSE_PID=$!
wait_for 10 ev_true 'idx("event_stream_attached") >= 0' || fail "GET /v2/events: no event_stream_attached: $(head -c 500 "$EVENTS")"
log "ok - event stream client attached"

# ---------------------------------------------------------------- 1 + 2: deploy
# The COMMAND app makes the checked file 3 s after its start, so that it
# is seen running and out of DNS first.
CMD_CHECK='[{"protocol":"COMMAND","command":{"value":"test -f /tmp/www/ok"},"intervalSeconds":1,"maxConsecutiveFailures":2}]'
HTTP_CHECK='[{"protocol":"HTTP","path":"/","portIndex":0,"intervalSeconds":2,"timeoutSeconds":2,"maxConsecutiveFailures":3}]'
app_create "$(web_app_json "$APP_CMD" 1 "$CMD_CHECK" '(sleep 3; touch /tmp/www/ok) & ')"
app_create "$(web_app_json "$APP_HTTP" 2 "$HTTP_CHECK")"

# ---------------------------------------------------------------- 1: COMMAND
_cmd_running() { [ "$(running_task_ids "$APP_CMD" | grep -c .)" = 1 ]; }
wait_for 60 _cmd_running || fail "$APP_CMD: no running task: $(task_table "$APP_CMD")"
# DNS first, then the file: no file after the answer means no pass before.
t1=$(running_task_ids "$APP_CMD")
n_srv=$(srv_count "$APP_CMD")
n_healthy=$(app_field "$APP_CMD" 'a["tasksHealthy"]')
c1=$(task_ctr "$t1")
[ -n "$c1" ] || fail "$APP_CMD: no container for $t1"
if ! docker exec "$c1" test -f /tmp/www/ok; then
	[ "$n_srv" = 0 ] || fail "$APP_CMD: task $t1 in DNS before its check could pass: $(srv_rrs "$APP_CMD")"
	[ "$n_healthy" = 0 ] || fail "$APP_CMD: tasksHealthy $n_healthy before its check could pass"
	log "ok - COMMAND check: task $t1 running, its check not passed yet: not in DNS, tasksHealthy 0"
else
	log "task $t1 seen running only after its check could pass: 'not in DNS before healthy' not checked"
fi
wait_for 30 healthy_in_dns "$APP_CMD" 1 || fail "$APP_CMD: not healthy in DNS: $(task_table "$APP_CMD"); SRV $(srv_rrs "$APP_CMD")"
check_containers "$APP_CMD"
ev_true "idx('health_status_changed_event', taskId='$t1', alive=True) > status('$t1', 'TASK_RUNNING') >= 0" ||
    fail "$APP_CMD: no health_status_changed_event alive true after TASK_RUNNING for $t1"
log "ok - COMMAND check in the container passes: $t1 healthy and in DNS ($(srv_rrs "$APP_CMD"))"

old_c=$(task_ctr "$t1")
old_rr=$(srv_rrs "$APP_CMD")
t0=$(now)
docker exec "$old_c" rm /tmp/www/ok || fail "docker exec $old_c rm /tmp/www/ok"
_cmd_out_of_dns() { [ "$(srv_count "$APP_CMD")" = 0 ]; }
wait_for 10 _cmd_out_of_dns || fail "$APP_CMD: $t1 still in DNS 10 s after its check file went: $(srv_rrs "$APP_CMD")"
out_s=$(elapsed "$t0")
_cmd_replaced() {
	t2=$(running_task_ids "$APP_CMD")
	[ -n "$t2" ] && [ "$t2" != "$t1" ] && healthy_in_dns "$APP_CMD" 1
}
wait_for 60 _cmd_replaced || fail "$APP_CMD: $t1 not replaced by a healthy task in DNS: $(task_table "$APP_CMD"); SRV $(srv_rrs "$APP_CMD")"
rep_s=$(elapsed "$t0")
[ "$(srv_rrs "$APP_CMD")" != "$old_rr" ] || fail "$APP_CMD: the replacement has the old SRV record $old_rr"
_old_ctr_gone() { ! docker inspect "$old_c" >/dev/null 2>&1; }
wait_for 20 _old_ctr_gone || fail "$APP_CMD: container $old_c of $t1 not removed: $(docker ps -a --filter "label=stadion.app=$APP_CMD")"
new_c=$(task_ctr "$t2")
{ [ -n "$new_c" ] && [ "$new_c" != "$old_c" ]; } || fail "$APP_CMD: no new container for $t2"
check_containers "$APP_CMD"
# The stream: out of DNS (health false) at the first failure, then the kill.
_cmd_events() {
	ev_true "0 <= idx('failed_health_check_event', taskId='$t1') < idx('health_status_changed_event', taskId='$t1', alive=False) < idx('unhealthy_task_kill_event', taskId='$t1') < status('$t1', 'TASK_KILLED')" &&
	    ev_true "idx('health_status_changed_event', taskId='$t2', alive=True) > status('$t2', 'TASK_RUNNING') >= 0"
}
wait_for 10 _cmd_events || fail "$APP_CMD: events of $t1/$t2: $(ev "[(e['type'], e['data'].get('taskId'), e['data'].get('taskStatus'), e['data'].get('alive')) for e in E if e['data'].get('appId') == '$APP_CMD']")"
reason=$(ev "find('unhealthy_task_kill_event', taskId='$t1')[0]['data']['reason']")
log "ok - check file removed in the container: $t1 out of DNS after ${out_s} s, killed ($reason) and replaced by $t2 (new container ${new_c:0:12}, healthy, in DNS) after ${rep_s} s; old container removed"

# ---------------------------------------------------------------- 2: HTTP
wait_for 30 healthy_in_dns "$APP_HTTP" 2 || fail "$APP_HTTP: not 2 healthy tasks in DNS: $(task_table "$APP_HTTP"); SRV $(srv_rrs "$APP_HTTP")"
wait_deployed 30
check_containers "$APP_HTTP"
for t in $(running_task_ids "$APP_HTTP"); do
	ev_true "idx('health_status_changed_event', taskId='$t', alive=True) >= 0" || fail "$APP_HTTP: no health alive event for $t"
done
log "ok - HTTP check against the containers' httpd passes: tasksHealthy 2 of 2 instances, 2 SRV records"

# ---------------------------------------------------------------- 3: docker kill
before=$(task_table "$APP_HTTP")
old_rr=$(srv_rrs "$APP_HTTP")
victim=$(printf '%s\n' "$before" | awk 'NR == 1 { print $2 }')
keep=$(printf '%s\n' "$before" | awk 'NR == 2 { print $2 }')
vc=$(task_ctr "$victim")
[ -n "$vc" ] || fail "$APP_HTTP: no container for $victim"
n_ev=$(ev 'len(E)')
t0=$(now)
docker kill "$vc" >/dev/null || fail "docker kill $vc"
# Healthy and in DNS: served only once healthy, so DNS alone says when.
_srv_changed() {
	local rr
	rr=$(srv_rrs "$APP_HTTP")
	[ "$(printf '%s\n' "$rr" | grep -c .)" = 2 ] && [ "$rr" != "$old_rr" ]
}
deadline=$((SECONDS + 30))
until _srv_changed; do
	[ $SECONDS -lt $deadline ] || fail "$APP_HTTP: no replacement of $victim healthy in DNS 30 s after docker kill: $(task_table "$APP_HTTP"); SRV $(srv_rrs "$APP_HTTP")"
	sleep 0.02
done
heal_s=$(elapsed "$t0")
healthy_in_dns "$APP_HTTP" 2 || fail "$APP_HTTP: after the kill: $(task_table "$APP_HTTP"); SRV $(srv_rrs "$APP_HTTP")"
newt=$(running_task_ids "$APP_HTTP" | grep -vxF "$keep")
if [ -z "$newt" ] || printf '%s\n' "$newt" | grep -qxF "$victim"; then
	fail "$APP_HTTP: $victim still running, or no new task: $(task_table "$APP_HTTP")"
fi
_victim_ctr_gone() { ! docker inspect "$vc" >/dev/null 2>&1; }
wait_for 20 _victim_ctr_gone || fail "$APP_HTTP: killed container $vc not removed"
check_containers "$APP_HTTP"
msg=$(app_field "$APP_HTTP" 'a.get("lastTaskFailure", {}).get("taskId", "") + " " + a.get("lastTaskFailure", {}).get("message", "")')
[ "$msg" = "$victim exited with code 137" ] || fail "$APP_HTTP: lastTaskFailure after docker kill: '$msg'"
_kill_events() {
	ev_true "max(status('$victim', 'TASK_FAILED'), status('$victim', 'TASK_KILLED')) >= $n_ev" &&
	    ev_true "status('$newt', 'TASK_RUNNING') >= 0" &&
	    ev_true "idx('health_status_changed_event', taskId='$newt', alive=True) >= 0"
}
wait_for 10 _kill_events || fail "$APP_HTTP: the stream lacks the kill's events: $(ev "[(e['type'], e['data'].get('taskId'), e['data'].get('taskStatus'), e['data'].get('alive')) for e in E[$n_ev:]]")"
# Where the time went, from the events' timestamps.
breakdown=$(ev "' '.join('%s %+.2fs' % (n, ts(i) - $t0) for n, i in (('TASK_FAILED', max(status('$victim', 'TASK_FAILED'), status('$victim', 'TASK_KILLED'))), ('backoff', idx('stadion_backoff_event', appId='$APP_HTTP')), ('STAGING', status('$newt', 'TASK_STAGING')), ('RUNNING', status('$newt', 'TASK_RUNNING')), ('healthy', idx('health_status_changed_event', taskId='$newt', alive=True))) if i >= 0)")
log "docker kill -> replacement healthy and in DNS: ${heal_s} s (target < 2 s; events after the kill: $breakdown)"
awk -v s="$heal_s" 'BEGIN { exit !(s < 2) }' || log "NOTE: over the 2 s target"
log "ok - docker kill of $victim: replaced by $newt, healthy and in DNS after ${heal_s} s; stream: TASK_FAILED of the old task, TASK_RUNNING and health alive true of the new one; lastTaskFailure 'exited with code 137'"

# ---------------------------------------------------------------- 4: OOM
# shellcheck disable=SC2016  # the container's shell expands it
OOM_CMD='x=$(head -c 100000000 /dev/zero | tr \"\\0\" a); sleep 600'
app_create "$(printf '{"id":"%s","instances":1,"cpus":0.2,"mem":8,"cmd":"%s","container":{"type":"DOCKER","docker":{"image":"%s","network":"HOST"}},"networks":[{"mode":"host"}],"backoffSeconds":1,"backoffFactor":2}' \
    "$APP_OOM" "$OOM_CMD" "$TEST_IMAGE")"
_oom_failed() {
	[ "$(app_field "$APP_OOM" 'a.get("lastTaskFailure", {}).get("message", "")')" = "killed by the OOM killer" ]
}
wait_for 60 _oom_failed || fail "$APP_OOM: lastTaskFailure: $(app_field "$APP_OOM" 'a.get("lastTaskFailure")')"
oom_t=$(app_field "$APP_OOM" 'a["lastTaskFailure"]["taskId"]')
[ "$(app_field "$APP_OOM" 'a["lastTaskFailure"]["state"]')" = TASK_FAILED ] || fail "$APP_OOM: lastTaskFailure state: $HTTP_BODY"
# Replaced after 1 s, and that one is killed too: back-off 1 s, then 2 s.
_oom_replaced() {
	ev_true "status('$oom_t', 'TASK_FAILED') >= 0" &&
	    ev_true "len([e for e in find('status_update_event', appId='$APP_OOM', taskStatus='TASK_STAGING') if e['data']['taskId'] != '$oom_t']) >= 1" &&
	    ev_true "[(e['data']['failures'], e['data']['delaySeconds']) for e in find('stadion_backoff_event', appId='$APP_OOM')][:2] == [(1, 1), (2, 2)]"
}
wait_for 30 _oom_replaced || fail "$APP_OOM: stream: $(ev "[(e['type'], e['data'].get('taskId'), e['data'].get('taskStatus'), e['data'].get('failures'), e['data'].get('delaySeconds')) for e in E if e['data'].get('appId') == '$APP_OOM']")"
oom_n=$(ev "len(find('status_update_event', appId='$APP_OOM', taskStatus='TASK_FAILED'))")
log "ok - OOM kill (mem 8 MiB): lastTaskFailure 'killed by the OOM killer' (TASK_FAILED) for $oom_t, status_update_event TASK_FAILED on the stream, replaced after back-off events of 1 s and 2 s ($oom_n tasks failed so far)"
expect_http 200 DELETE "/v2/apps$APP_OOM?force=true"
_oom_gone() { http GET "/v2/apps$APP_OOM"; [ "$HTTP_CODE" = 404 ] && [ "$(ctr_count "$APP_OOM" -a)" = 0 ]; }
wait_for 30 _oom_gone || fail "$APP_OOM still there after DELETE: $HTTP_CODE; containers $(ctr_ids "$APP_OOM" -a)"
log "ok - the OOM app deleted, its containers removed"

# ---------------------------------------------------------------- 6: order
# (checked here, before the engine is touched: it is about step 3)
order=$(ev "[max(status('$victim', 'TASK_FAILED'), status('$victim', 'TASK_KILLED')), status('$newt', 'TASK_STAGING'), status('$newt', 'TASK_RUNNING'), idx('health_status_changed_event', taskId='$newt', alive=True)]")
ev_true "(lambda o: min(o) >= 0 and o == sorted(o) and len(set(o)) == 4)($order)" ||
    fail "stream order for the docker kill (old end, STAGING, RUNNING, alive): indexes $order: $(ev "[(e['i'], e['type'], e['data'].get('taskId'), e['data'].get('taskStatus'), e['data'].get('alive')) for e in E if e['data'].get('taskId') in ('$victim', '$newt')]")"
log "ok - the SSE client started first saw, in order, $victim TASK_FAILED, then $newt TASK_STAGING, TASK_RUNNING and health alive true (frames $order)"

# ---------------------------------------------------------------- 5: engine restart
# drop_stale_pidfile FILE WHAT: remove a pid file whose process is gone
# or a zombie. A dockerd killed with SIGKILL leaves its pid file, and its
# containerd dies with it (parent-death signal); where nothing reaps such
# orphans (an init that does not wait for them) they linger as zombies,
# whose pids make the next dockerd refuse to start or wait in vain for
# "its" containerd.
drop_stale_pidfile() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] && proc_live "$pid" && return 0
	log "the old $2 ($pid) is gone or a zombie: its pid file $1 dropped"
	rm -f "$1"
}

# engine_start: dockerd as docker-env.sh starts it (the lock is held).
engine_start() {
	drop_stale_pidfile /var/run/docker.pid dockerd
	drop_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
	dockerd --bridge=none --iptables=false >>"$DOCKER_SHARED/dockerd.log" 2>&1 {DOCKER_LOCK_FD}>&- &
	echo $! >"$DOCKER_SHARED/dockerd.pid"
	_denv_wait 60 docker_ping || return 1
	ENGINE_DOWN=
}

# engine_users: the other users of the shared engine (dirs that exist).
engine_users() {
	local u
	[ -f "$DOCKER_SHARED/users" ] || return 0
	while read -r u; do
		[ "$u" != "$DOCKER_ENV_DIR" ] && [ -d "$u" ] && echo "$u"
	done <"$DOCKER_SHARED/users"
}

# engine_take: take the engine lock and keep it when the engine was
# started by these tests and this test is its only user (ENGINE_PID);
# else drop it and say why (ENGINE_WHY). While it is held, a test that
# starts waits for the engine to be back instead of starting its own.
engine_take() {
	local pid
	_denv_lock || fail "cannot take the engine lock"
	ENGINE_LOCKED=1
	ENGINE_WHY=
	pid=$(cat "$DOCKER_SHARED/dockerd.pid" 2>/dev/null)
	if [ -z "$pid" ] || ! proc_live "$pid"; then
		ENGINE_WHY="the engine was not started by the test scripts"
	elif ! grep -qxF "$DOCKER_ENV_DIR" "$DOCKER_SHARED/users" 2>/dev/null; then
		ENGINE_WHY="this test is not a user of the engine"
	elif [ -n "$(engine_users)" ]; then
		ENGINE_WHY="other tests use the engine: $(engine_users | tr '\n' ' ')"
	fi
	if [ -n "$ENGINE_WHY" ]; then
		engine_release
		return 1
	fi
	ENGINE_PID=$pid
	# Its exit is expected: no job report.
	disown "$pid" 2>/dev/null
	return 0
}

engine_release() {
	_denv_unlock
	ENGINE_LOCKED=
}

# engine_stop SIGNAL: stop dockerd and wait for its end (STOP_S: how long).
engine_stop() {
	local t0
	t0=$(now)
	ENGINE_DOWN=1
	kill "-$1" "$ENGINE_PID" || fail "kill -$1 dockerd $ENGINE_PID"
	# A zombie is gone too: its parent may be a test that has ended.
	_dockerd_gone() { ! proc_live "$ENGINE_PID"; }
	wait_for 60 _dockerd_gone || fail "dockerd $ENGINE_PID did not stop within 60 s of SIG$1"
	STOP_S=$(elapsed "$t0")
}

# engine_restart: start dockerd again and let go of the lock (START_S).
engine_restart() {
	local t0
	t0=$(now)
	engine_start || fail "dockerd did not start again: $(tail -n 20 "$DOCKER_SHARED/dockerd.log")"
	engine_release
	START_S=$(elapsed "$t0")
}

# all_unreachable APPID N: N tasks, all TASK_UNREACHABLE.
all_unreachable() {
	local tt
	tt=$(task_table "$1") || return 1
	[ "$(printf '%s\n' "$tt" | grep -c .)" = "$2" ] &&
	    [ "$(printf '%s\n' "$tt" | awk '$3 == "TASK_UNREACHABLE"' | grep -c .)" = "$2" ]
}

ctr_table() {
	docker ps -a --filter "label=stadion.app=$1" --format '{{.ID}} {{.Status}} {{.Label "stadion.instance"}}'
}

# recovered APPID N: exactly N running containers of the app and no other,
# N healthy running tasks that are those containers, N SRV records.
recovered() {
	local app=$1 n=$2
	[ "$(ctr_count "$app")" = "$n" ] && [ "$(ctr_count "$app" -a)" = "$n" ] &&
	    healthy_in_dns "$app" "$n" && [ "$(srv_count "$app")" = "$n" ] &&
	    [ "$(for c in $(ctr_ids "$app"); do docker inspect -f '{{index .Config.Labels "stadion.instance"}}' "$c"; done | sort)" = \
	      "$(running_task_ids "$app")" ]
}

# check_recovers APPID N BEFORE_TASKS WHAT: within 60 s of the engine's
# start exactly N containers, N healthy tasks and N SRV records, and no
# duplicate for 5 s more (a bounded watch).
check_recovers() {
	local app=$1 n=$2 before=$3 what=$4 t0 rec_s watch_end after kept
	t0=$(now)
	wait_for 60 recovered "$app" "$n" ||
	    fail "$what: $app has not exactly $n containers, $n healthy tasks and $n SRV records 60 s after the engine came back: tasks $(task_table "$app"); containers $(ctr_table "$app"); SRV $(srv_rrs "$app")"
	rec_s=$(elapsed "$t0")
	watch_end=$((SECONDS + 5))
	while [ $SECONDS -lt $watch_end ]; do
		{ [ "$(ctr_count "$app" -a)" = "$n" ] && [ "$(srv_count "$app")" = "$n" ]; } ||
		    fail "$what: $app after recovery: containers $(ctr_table "$app"); SRV $(srv_rrs "$app")"
		sleep 0.5
	done
	recovered "$app" "$n" || fail "$what: $app not stable after recovery: $(task_table "$app"); containers $(ctr_table "$app")"
	check_containers "$app"
	after=$(running_task_ids "$app")
	kept=$(comm -12 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep -c .)
	log "ok - $what: engine back (dockerd answered ${START_S} s after its start), then within ${rec_s} s exactly $n containers of $app run, $n healthy tasks, $n SRV records, no duplicate ($kept adopted, $((n - kept)) replaced)"
}

# 5a. The engine crashes (SIGKILL): its events stream breaks while the
# containers still run, so the tasks are unreachable, not ended, and not
# killed either: not even the COMMAND app's, whose checks (docker exec)
# cannot run meanwhile. The engine started again without live-restore
# stops the containers it finds (they have no restart policy): stadiond
# must replace them.
if ! engine_take; then
	log "SKIP step 5 (engine crash and start): $ENGINE_WHY"
else
	before_t=$(running_task_ids "$APP_HTTP")
	before_cmd=$(running_task_ids "$APP_CMD")
	n_ev=$(ev 'len(E)')
	engine_stop KILL
	wait_for 30 all_unreachable "$APP_HTTP" 2 || fail "$APP_HTTP: tasks not TASK_UNREACHABLE with the engine gone: $(task_table "$APP_HTTP")"
	wait_for 10 all_unreachable "$APP_CMD" 1 || fail "$APP_CMD: task not TASK_UNREACHABLE with the engine gone: $(task_table "$APP_CMD")"
	for t in $before_t $before_cmd; do
		ev_true "status('$t', 'TASK_UNREACHABLE') >= $n_ev" || fail "no status_update_event TASK_UNREACHABLE for $t"
	done
	# Unreachable tasks are not killed (a bounded watch: the COMMAND
	# check, 1 s apart, would have failed twice by then).
	sleep 4
	ids=$(printf '%s\n' "$before_t" "$before_cmd" | tr '\n' ' ')
	killed=$(ev "[(e['type'], e['data'].get('taskId'), e['data'].get('taskStatus'), e['data'].get('reason')) for e in E[$n_ev:] if e['data'].get('taskId') in '$ids'.split() and (e['type'] == 'unhealthy_task_kill_event' or e['data'].get('taskStatus') in ('TASK_KILLING', 'TASK_KILLED'))]")
	[ "$killed" = "[]" ] || fail "unreachable tasks killed while the engine is down: $killed"
	{ all_unreachable "$APP_HTTP" 2 && all_unreachable "$APP_CMD" 1; } ||
	    fail "tasks changed with the engine down: $(task_table "$APP_HTTP"; task_table "$APP_CMD")"
	log "ok - engine killed (SIGKILL): the 3 tasks of $APP_HTTP and $APP_CMD TASK_UNREACHABLE (API and stream), none killed in 4 s; SRV records meanwhile: $(srv_count "$APP_HTTP") and $(srv_count "$APP_CMD")"
	engine_restart
	check_recovers "$APP_HTTP" 2 "$before_t" "engine crash"
	check_recovers "$APP_CMD" 1 "$before_cmd" "engine crash"
fi

expect_http 200 DELETE "/v2/apps$APP_HTTP"
expect_http 200 DELETE "/v2/apps$APP_CMD"

# 5b. The engine stopped (SIGTERM, as docker-env.sh stops it): dockerd
# stops the containers itself first, and stadiond sees them end (or
# become unreachable, should the stream break first); started again,
# exactly 2 must run. A fresh app: its back-off starts afresh.
APP_ENG=/$RUN/eng
app_create "$(web_app_json "$APP_ENG" 2 "$HTTP_CHECK")"
wait_for 60 healthy_in_dns "$APP_ENG" 2 || fail "$APP_ENG: not 2 healthy tasks in DNS: $(task_table "$APP_ENG"); SRV $(srv_rrs "$APP_ENG")"
_http_gone() { http GET "/v2/apps$APP_HTTP"; [ "$HTTP_CODE" = 404 ] && [ "$(ctr_count "$APP_HTTP" -a)" = 0 ] && [ "$(srv_count "$APP_HTTP")" = 0 ]; }
wait_for 30 _http_gone || fail "$APP_HTTP: app, containers or SRV records left after DELETE: $(ctr_table "$APP_HTTP"); SRV $(srv_rrs "$APP_HTTP")"
_cmd_gone() { http GET "/v2/apps$APP_CMD"; [ "$HTTP_CODE" = 404 ] && [ "$(ctr_count "$APP_CMD" -a)" = 0 ] && [ "$(srv_count "$APP_CMD")" = 0 ]; }
wait_for 30 _cmd_gone || fail "$APP_CMD: app, containers or SRV records left after DELETE: $(ctr_table "$APP_CMD"); SRV $(srv_rrs "$APP_CMD")"
if ! engine_take; then
	log "SKIP step 5 (engine stop and start): $ENGINE_WHY"
else
	before_t=$(running_task_ids "$APP_ENG")
	n_ev=$(ev 'len(E)')
	engine_stop TERM
	_eng_ended() {
		local t
		for t in $before_t; do
			ev_true "max(status('$t', 'TASK_FAILED'), status('$t', 'TASK_KILLED'), status('$t', 'TASK_UNREACHABLE')) >= $n_ev" || return 1
		done
	}
	wait_for 10 _eng_ended || fail "$APP_ENG: no TASK_FAILED, TASK_KILLED or TASK_UNREACHABLE for $before_t: $(ev "[(e['type'], e['data'].get('taskId'), e['data'].get('taskStatus')) for e in E[$n_ev:]]")"
	ends=$(ev "' '.join(sorted(set(e['data']['taskStatus'] for e in E[$n_ev:] if e['type'] == 'status_update_event' and e['data']['taskId'] in '''$before_t'''.split())))")
	log "ok - engine stopped (SIGTERM, dockerd gone after ${STOP_S} s): the tasks of $APP_ENG went $ends"
	engine_restart
	check_recovers "$APP_ENG" 2 "$before_t" "engine stop"
fi

# ---------------------------------------------------------------- the end
expect_http 200 DELETE "/v2/apps$APP_ENG"
wait_deployed 60
_eng_gone() { [ "$(ctr_count "$APP_ENG" -a)" = 0 ] && [ "$(srv_count "$APP_ENG")" = 0 ]; }
wait_for 30 _eng_gone || fail "$APP_ENG: containers or SRV records left after DELETE"
left=$(docker ps -a --filter label=stadion.app --format '{{.ID}} {{.Label "stadion.app"}}' | awk -v p="$APPS_DOCKER_LABEL" 'index($2, p) == 1')
[ -z "$left" ] || fail "containers of this run left: $left"
daemon_alive || fail "stadiond died"
log "ok - every app deleted, no container of this run left"
