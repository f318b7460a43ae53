#!/usr/bin/env bash
# Docker apps end to end: the real stadiond runs Marathon apps through the
# real Docker engine (host networking, reached on 127.0.0.1 only) and
# publishes their tasks in DNS.
#   - deploy 3 instances: exactly 3 SRV records whose ports are the tasks'
#     ports; each container answers on its port with its own task id;
#   - docker inspect: memory, swap, CPU shares/period/quota, host network,
#     stadion's labels (one stadion.owner) and the app's own label;
#   - scale to 5 and to 1: DNS and the running containers follow, nothing
#     stopped is left once the deployment ended;
#   - docker kill / docker rm -f behind stadion's back: out of DNS,
#     replaced by a new task within seconds, the dead container removed;
#   - kill -9 of stadiond and a new start: the same containers are adopted,
#     no duplicate, DNS unchanged; a container of the same app made by
#     another stadiond (another stadion.owner) is neither adopted nor
#     removed;
#   - a stadiond that serves DNS on 127.x.y.z:53 gives new containers that
#     address as resolver and marathon.mesos as search domain;
#   - an image that exists nowhere: no task, lastTaskFailure names the
#     pull error, retries with growing delays;
#   - DELETE of an app removes its containers and its SRV records;
#   - no task ended that neither stadiond nor the test stopped, and
#     stadiond removed no container it did not make (the engine is shared
#     with the tests running at the same time).
# Every container the test makes is removed on exit (apps_trap). The
# missing image is asked of the local registry of docker-env.sh, so that
# nothing is sent beyond the loopback.
: "${STADION_TEST_TIMEOUT:=600}"
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/apps-lib.sh"
need_tools docker dockerd docker-registry htpasswd busybox curl python3 dig ss

# shellcheck disable=SC2034  # read by docker-env.sh
DOCKER_ENV_DIR=$T/denv
. "$SYSTEM_DIR/docker-env.sh"

# App ids unique to this run: the engine is shared with other tests.
RUN=dk$$x$RANDOM
APPS_DOCKER_LABEL=/$RUN/
APP_WEB=/$RUN/web
APP_DNS=/$RUN/resolv
APP_NOPE=/$RUN/nope
apps_trap 'docker_env_stop'

docker_env_start || fail "the docker test environment did not start"
log "ok - engine, test image $TEST_IMAGE and registry (127.0.0.1:$REGISTRY_PORT) ready"

# ---------------------------------------------------------------- helpers

# shellcheck disable=SC2016  # $MESOS_TASK_ID, $PORT0: the container's
# docker_app_json ID INSTANCES IMAGE [EXTRA]: a host-network docker app
# whose containers serve their task id over HTTP on $PORT0.
docker_app_json() {
	printf '{"id":"%s","instances":%s,"cpus":0.5,"mem":64,' "$1" "$2"
	printf '"cmd":"mkdir -p /tmp/www && echo $MESOS_TASK_ID > /tmp/www/index.html && exec httpd -f -p $PORT0 -h /tmp/www",'
	printf '"container":{"type":"DOCKER","docker":{"image":"%s","network":"HOST"}},' "$3"
	printf '"networks":[{"mode":"host"}],"portDefinitions":[{"port":0,"protocol":"tcp","name":"http"}],'
	printf '"labels":{"team":"edge-%s"},"taskKillGracePeriodSeconds":2%s}' "$RUN" "${4:-}"
}

# ctr_ids APPID [-a]: full ids of the app's running (-a: all) containers.
ctr_ids() {
	# shellcheck disable=SC2086  # no -a: no word
	docker ps ${2:-} -q --no-trunc --filter "label=stadion.app=$1" | sort
}

# ctr_count APPID [-a]
ctr_count() {
	ctr_ids "$@" | grep -c .
}

# ctr_count_is APPID N [-a]
ctr_count_is() {
	[ "$(ctr_count "$1" "${3:-}")" = "$2" ]
}

# srv_rrs APPID: "port target" of every SRV record of the app, sorted.
srv_rrs() {
	q +short "_$(app_label "$1")._tcp.marathon.mesos" SRV | awk '{ print $3, $4 }' | sort
}

# task_table APPID: "port taskid state" of each task, sorted by port
# (nothing when the app is unknown).
task_table() {
	http GET "/v2/apps$1/tasks"
	[ "$HTTP_CODE" = 200 ] || return 1
	jget '"\n".join("%s %s %s" % (t["ports"][0] if t["ports"] else 0, t["id"], t["state"]) for t in j["tasks"])' |
	    grep . | sort -n
}

# running_task_ids APPID: ids of the TASK_RUNNING tasks, sorted.
running_task_ids() {
	task_table "$1" | awk '$3 == "TASK_RUNNING" { print $2 }' | sort
}

# fetch PORT: what the container on 127.0.0.1:PORT serves.
fetch() {
	curl -s --max-time 3 "http://127.0.0.1:$1/" | tr -d '\r\n '
}

# serves PORT TASKID: the container on PORT answers with TASKID.
serves() {
	[ "$(fetch "$1")" = "$2" ]
}

# check_app_consistent APPID N: exactly N SRV records whose ports are the
# ports of the N running tasks, N running containers (and no other
# container of the app), each answering on its port with its task id.
check_app_consistent() {
	local app=$1 n=$2 tt sp tp port id state labels
	check_no_stray_ends
	tt=$(task_table "$app")
	[ "$(printf '%s\n' "$tt" | grep -c TASK_RUNNING)" = "$n" ] ||
	    fail "$app: expected $n running tasks: $tt"
	[ "$(printf '%s\n' "$tt" | grep -c .)" = "$n" ] ||
	    fail "$app: tasks other than the $n running ones: $tt"
	sp=$(srv_ports "$app")
	tp=$(printf '%s\n' "$tt" | awk '{ print $1 }' | sort -n)
	[ "$(printf '%s\n' "$sp" | grep -c .)" = "$n" ] || fail "$app: $n SRV records expected, got: $sp"
	[ "$sp" = "$tp" ] || fail "$app: SRV ports [${sp//$'\n'/ }] are not the task ports [${tp//$'\n'/ }]"
	ctr_count_is "$app" "$n" || fail "$app: $n running containers expected: $(docker ps -a --filter "label=stadion.app=$app")"
	ctr_count_is "$app" "$n" -a || fail "$app: containers other than the $n running ones: $(docker ps -a --filter "label=stadion.app=$app")"
	# The containers are the tasks: their stadion.instance labels.
	labels=$(for c in $(ctr_ids "$app"); do docker inspect -f '{{index .Config.Labels "stadion.instance"}}' "$c"; done | sort)
	[ "$labels" = "$(printf '%s\n' "$tt" | awk '{ print $2 }' | sort)" ] ||
	    fail "$app: container labels [${labels//$'\n'/ }] are not the task ids: $tt"
	while read -r port id state; do
		wait_for 20 serves "$port" "$id" ||
		    fail "$app: 127.0.0.1:$port answers '$(fetch "$port")', expected task $id"
	done <<<"$tt"
}

# log_since_start: the daemon log of the current run (after its ### line).
log_since_start() {
	awk '/^### / { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$DAEMON_LOG"
}

# synced_since_start: the docker driver listed its containers in this run.
synced_since_start() {
	log_since_start | grep -aq 'orch: docker driver synced'
}

# Tasks the test itself ends behind stadion's back.
ENDED_BY_TEST=

# stray_ends: tasks of the web and resolv apps that ended (in any run of
# the daemon) without the test ending them.
stray_ends() {
	grep -a "orch: task .* of \($APP_WEB\|$APP_DNS\) ended: " "$DAEMON_LOG" |
	    awk -v known="$ENDED_BY_TEST" '
	    BEGIN { n = split(known, k, " "); for (i = 1; i <= n; i++) mine[k[i]] = 1 }
	    !($5 in mine) { print }'
}

# check_no_stray_ends: no container of the test's apps died unasked.
check_no_stray_ends() {
	local s
	s=$(stray_ends)
	[ -z "$s" ] || fail "tasks ended that neither stadiond nor the test stopped (did another stadiond on this engine remove them?):
$s"
}

# TTL 1 s: a task scaled away drains 2 s (TTL + 1) before its stop.
start_daemon --ttl 1

# ---------------------------------------------------------------- deploy 3
app_create "$(docker_app_json "$APP_WEB" 3 "$TEST_IMAGE")"
wait_deployed 120
wait_srv_count "$APP_WEB" 3 30 || fail "$APP_WEB: not 3 SRV records: $(srv_rrs "$APP_WEB")"
check_app_consistent "$APP_WEB" 3
[ "$(a_addrs "$APP_WEB" | sort -u)" = 127.0.0.1 ] || fail "$APP_WEB: A records: $(a_addrs "$APP_WEB")"
log "ok - 3 instances: 3 SRV records on the tasks' ports, each container serves its task id on 127.0.0.1"

# ---------------------------------------------------------------- inspect
http GET "/v2/apps$APP_WEB"
[ "$HTTP_CODE" = 200 ] || fail "GET /v2/apps$APP_WEB answered $HTTP_CODE"
VERSION=$(jget 'j["app"]["version"]')
[ "$(jget 'j["app"]["tasksRunning"]')" = 3 ] || fail "tasksRunning: $HTTP_BODY"
want="67108864 67108864 512 100000 50000 host $APP_WEB $VERSION edge-$RUN false"
for c in $(ctr_ids "$APP_WEB"); do
	got=$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.CpuShares}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.NetworkMode}} {{index .Config.Labels "stadion.app"}} {{index .Config.Labels "stadion.version"}} {{index .Config.Labels "team"}} {{.HostConfig.Privileged}}' "$c")
	[ "$got" = "$want" ] || fail "docker inspect $c: '$got', expected '$want'"
	inst=$(docker inspect -f '{{index .Config.Labels "stadion.instance"}}' "$c")
	running_task_ids "$APP_WEB" | grep -qxF "$inst" || fail "container $c: stadion.instance '$inst' is no task of $APP_WEB"
	owner=$(docker inspect -f '{{index .Config.Labels "stadion.owner"}}' "$c")
	[[ "$owner" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
	    fail "container $c: stadion.owner '$owner' is no UUID"
	[ -z "${OWNER:-}" ] || [ "$owner" = "$OWNER" ] || fail "container $c: stadion.owner '$owner', another container has '$OWNER'"
	OWNER=$owner
done
log "ok - docker inspect: Memory = MemorySwap = 64 MiB, CpuShares 512, CpuPeriod 100000, CpuQuota 50000, host network, labels stadion.app/instance/version, team and one stadion.owner ($OWNER)"

# ---------------------------------------------------------------- scale
app_scale "$APP_WEB" 5
wait_deployed 120
wait_srv_count "$APP_WEB" 5 30 || fail "$APP_WEB: not 5 SRV records: $(srv_rrs "$APP_WEB")"
check_app_consistent "$APP_WEB" 5
log "ok - scaled to 5: 5 SRV records, 5 running containers, each serving its task"

app_scale "$APP_WEB" 1
wait_deployed 120
# The deployment is over: DNS and the engine must already agree.
[ "$(srv_count "$APP_WEB")" = 1 ] || fail "$APP_WEB: deployment to 1 over, SRV records: $(srv_rrs "$APP_WEB")"
check_app_consistent "$APP_WEB" 1
log "ok - scaled to 1: 1 SRV record, 1 running container, no stopped container left"

# ---------------------------------------------------------------- docker kill
# replaced_after WHAT CMD...: run CMD on the only container of the web app
# behind stadion's back; it must leave DNS, be replaced by a new task
# (in DNS, serving) within seconds, and be removed.
replaced_after() {
	local what=$1 old_c old_t old_rr t0 new_t new_rr el
	shift
	old_c=$(ctr_ids "$APP_WEB")
	old_t=$(running_task_ids "$APP_WEB")
	old_rr=$(srv_rrs "$APP_WEB")
	[ -n "$old_c" ] && [ -n "$old_t" ] && [ -n "$old_rr" ] || fail "$what: nothing to start from"
	t0=$SECONDS
	ENDED_BY_TEST="$ENDED_BY_TEST $old_t"
	"$@" "$old_c" >/dev/null || fail "$what $old_c failed"
	_old_gone_from_dns() { ! srv_rrs "$APP_WEB" | grep -qxF "$old_rr"; }
	_replaced() {
		new_t=$(running_task_ids "$APP_WEB")
		new_rr=$(srv_rrs "$APP_WEB")
		[ -n "$new_t" ] && [ "$new_t" != "$old_t" ] &&
		    [ "$(printf '%s\n' "$new_rr" | grep -c .)" = 1 ] && [ "$new_rr" != "$old_rr" ]
	}
	wait_for 15 _old_gone_from_dns || fail "$what: task $old_t still in DNS: $old_rr"
	wait_for 15 _replaced || fail "$what: no replacement in DNS within 15 s: tasks $(task_table "$APP_WEB"), SRV $(srv_rrs "$APP_WEB")"
	el=$((SECONDS - t0))
	_old_ctr_gone() { ! docker inspect "$old_c" >/dev/null 2>&1; }
	wait_for 20 _old_ctr_gone || fail "$what: container $old_c not removed: $(docker ps -a --filter "label=stadion.app=$APP_WEB")"
	check_app_consistent "$APP_WEB" 1
	http GET "/v2/apps$APP_WEB"
	[ "$(jget 'j["app"].get("lastTaskFailure", {}).get("taskId", "")')" = "$old_t" ] ||
	    fail "$what: lastTaskFailure is not of $old_t: $HTTP_BODY"
	LAST_FAILURE=$(jget 'j["app"]["lastTaskFailure"]["message"]')
	log "ok - $what: task $old_t left DNS, replaced by $new_t (in DNS, serving) after ${el} s, container removed; lastTaskFailure: $LAST_FAILURE"
}

replaced_after "docker kill" docker kill
[ "$LAST_FAILURE" = "exited with code 137" ] || fail "docker kill: lastTaskFailure message '$LAST_FAILURE'"
replaced_after "docker rm -f" docker rm -f

# ---------------------------------------------------------------- kill -9
before_c=$(ctr_ids "$APP_WEB")
before_t=$(running_task_ids "$APP_WEB")
before_rr=$(srv_rrs "$APP_WEB")
crash_daemon
# Meanwhile another stadiond (another owner) runs a container of the same
# app on this engine: it is none of ours to adopt, publish or remove.
FOREIGN_T=${APP_WEB#/}
FOREIGN_T=${FOREIGN_T//\//_}.00000000-0000-4000-8000-$(printf '%012d' $$)
FOREIGN=$(docker run -d --network host --label "stadion.app=$APP_WEB" --label "stadion.instance=$FOREIGN_T" \
    --label "stadion.version=$VERSION" --label "stadion.owner=00000000-0000-4000-8000-000000000000" \
    "$TEST_IMAGE" sleep 600) || fail "docker run of a foreign container failed"
FOREIGN=$(docker inspect -f '{{.Id}}' "$FOREIGN")
relaunch_daemon
[ "$(srv_rrs "$APP_WEB")" = "$before_rr" ] || fail "after kill -9: DNS changed: '$(srv_rrs "$APP_WEB")', was '$before_rr'"
wait_for 60 synced_since_start || fail "the docker driver did not sync after the restart"
wait_deployed 60
[ "$(ctr_ids "$APP_WEB" -a | grep -vxF "$FOREIGN")" = "$before_c" ] || fail "after kill -9: containers $(ctr_ids "$APP_WEB" -a | tr '\n' ' '), were $before_c"
[ "$(docker inspect -f '{{.State.Status}}' "$FOREIGN" 2>&1)" = running ] ||
    fail "after kill -9: the container of another stadiond ($FOREIGN) was touched: $(docker inspect -f '{{.State.Status}}' "$FOREIGN" 2>&1)"
[ "$(running_task_ids "$APP_WEB")" = "$before_t" ] || fail "after kill -9: tasks $(task_table "$APP_WEB"), were $before_t"
[ "$(srv_rrs "$APP_WEB")" = "$before_rr" ] || fail "after kill -9 and the sync: DNS '$(srv_rrs "$APP_WEB")', was '$before_rr'"
! log_since_start | grep -aq "launching task .* of $APP_WEB\$" || fail "after kill -9: a task was launched: $(log_since_start | grep -a 'launching task')"
! log_since_start | grep -aq "removing .* an instance of no known task" || fail "after kill -9: an instance was taken for an orphan"
docker rm -f "$FOREIGN" >/dev/null || fail "docker rm -f $FOREIGN"
check_app_consistent "$APP_WEB" 1
log "ok - kill -9 and start again: the same container $(echo "$before_c" | cut -c1-12) adopted, no duplicate, DNS unchanged; another owner's container of the app left alone, not in DNS"

# ---------------------------------------------------------------- DNS on :53
stop_daemon
DNS53=$(loopback_53_addr) || fail "no free 127.x.y.z:53"
start_daemon --ttl 1 --dns-listen "$DNS53:53"
wait_for 60 synced_since_start || fail "the docker driver did not sync after the restart"
[ "$(dig -r @"$DNS53" -p 53 +time=3 +tries=1 +norec +short "_$(app_label "$APP_WEB")._tcp.marathon.mesos" SRV |
    awk '{ print $3, $4 }' | sort)" = "$before_rr" ] || fail "stadiond does not answer on $DNS53:53"
[ "$(ctr_ids "$APP_WEB" -a)" = "$before_c" ] || fail "after a clean restart: containers $(ctr_ids "$APP_WEB" -a | tr '\n' ' '), were $before_c"
log "ok - stadiond restarted with --dns-listen $DNS53:53, the web container adopted again"

app_create "$(docker_app_json "$APP_DNS" 1 "$TEST_IMAGE")"
wait_deployed 120
wait_srv_count "$APP_DNS" 1 30 || fail "$APP_DNS: no SRV record"
check_app_consistent "$APP_DNS" 1
c=$(ctr_ids "$APP_DNS")
got=$(docker inspect -f '{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}}' "$c")
[ "$got" = "[$DNS53] [marathon.mesos]" ] || fail "$APP_DNS: Dns DnsSearch '$got', expected '[$DNS53] [marathon.mesos]'"
log "ok - a container made by that stadiond: Dns [$DNS53], DnsSearch [marathon.mesos]"
# The container resolves the apps through it.
res=$(docker exec "$c" cat /etc/resolv.conf 2>&1)
printf '%s\n' "$res" | grep -qx "nameserver $DNS53" || fail "$APP_DNS: resolv.conf: $res"
out=$(docker exec "$c" nslookup "$(app_label "$APP_WEB").marathon.mesos" 2>&1)
printf '%s\n' "$out" | grep -q 'Address.*127\.0\.0\.1' || fail "nslookup in the container: $out"
log "ok - inside it, resolv.conf names $DNS53 and $(app_label "$APP_WEB").marathon.mesos resolves to 127.0.0.1"

# ---------------------------------------------------------------- no image
NOPE_IMAGE=127.0.0.1:$REGISTRY_PORT/stadion-test/nope-$RUN:1
app_create "$(docker_app_json "$APP_NOPE" 1 "$NOPE_IMAGE" ',"backoffSeconds":1,"backoffFactor":2,"maxLaunchDelaySeconds":60')"
t0=$SECONDS
nope_failures() {
	log_since_start | grep -ac "orch: $APP_NOPE: next launch in"
}
_nope_failed_4() { [ "$(nope_failures)" -ge 4 ]; }
wait_for 90 _nope_failed_4 || fail "$APP_NOPE: fewer than 4 failed launches after 90 s: $(log_since_start | grep -aF "$APP_NOPE")"
el=$((SECONDS - t0))
# "seconds-of-day failure delay" of each failure, from the log.
delays=$(log_since_start | sed -n "s|^[0-9-]*T\([0-9:.]*\)Z .*orch: $APP_NOPE: next launch in \([0-9.]*\) s (failure \([0-9]*\)).*|\1 \3 \2|p" |
    awk '{ split($1, h, ":"); t = h[1] * 3600 + h[2] * 60 + h[3]; if (t < last) t += 86400; last = t
	printf "%.3f %s %s\n", t, $2, $3 }')
# Failure k waits 1 * 2^(k-1) s, and the next attempt (so the next
# failure) comes no earlier than that.
printf '%s\n' "$delays" | awk '
    NR <= 4 && ($2 != NR || $3 + 0 != 2 ^ (NR - 1)) { bad = 1 }
    NR > 1 && NR <= 4 && $1 - prev < prevd - 0.01 { bad = 1 }
    { prev = $1; prevd = $3 }
    END { exit bad }' ||
    fail "$APP_NOPE: failures at [seconds failure delay] ${delays//$'\n'/; }: not 1, 2, 4, 8 s apart"
launches=$(log_since_start | grep -ac "launching task .* of $APP_NOPE\$")
failures=$(nope_failures)
[ "$launches" -le $((failures + 1)) ] || fail "$APP_NOPE: $launches launches for $failures failures: spinning"
http GET "/v2/apps$APP_NOPE"
[ "$HTTP_CODE" = 200 ] || fail "GET /v2/apps$APP_NOPE answered $HTTP_CODE"
[ "$(jget 'j["app"]["tasksRunning"]')" = 0 ] || fail "$APP_NOPE: tasks running: $HTTP_BODY"
msg=$(jget 'j["app"].get("lastTaskFailure", {}).get("message", "")')
state=$(jget 'j["app"].get("lastTaskFailure", {}).get("state", "")')
case "$msg" in
"create failed: "*"stadion-test/nope-$RUN"*) ;;
*) fail "$APP_NOPE: lastTaskFailure message '$msg' does not name the pull of the image" ;;
esac
[ "$state" = TASK_FAILED ] || fail "$APP_NOPE: lastTaskFailure state '$state'"
[ "$(running_task_ids "$APP_NOPE" | grep -c .)" = 0 ] || fail "$APP_NOPE: running tasks: $(task_table "$APP_NOPE")"
ctr_count_is "$APP_NOPE" 0 -a || fail "$APP_NOPE: containers: $(docker ps -a --filter "label=stadion.app=$APP_NOPE")"
[ "$(srv_count "$APP_NOPE")" = 0 ] || fail "$APP_NOPE: SRV records: $(srv_rrs "$APP_NOPE")"
log "ok - missing image: no task, no container, lastTaskFailure '$msg'; $failures failures in $el s, delays $(printf '%s\n' "$delays" | awk '{ printf "%s%s", sep, $3; sep = " " }') s"

expect_http 200 DELETE "/v2/apps$APP_NOPE?force=true"
_nope_gone() { http GET "/v2/apps$APP_NOPE"; [ "$HTTP_CODE" = 404 ]; }
wait_for 30 _nope_gone || fail "$APP_NOPE still there after DELETE: $HTTP_BODY"
wait_deployed 60
log "ok - the app of the missing image deleted"

# ---------------------------------------------------------------- delete
for app in "$APP_WEB" "$APP_DNS"; do
	expect_http 200 DELETE "/v2/apps$app"
done
wait_deployed 120
for app in "$APP_WEB" "$APP_DNS"; do
	expect_http 404 GET "/v2/apps$app"
	ctr_count_is "$app" 0 -a || fail "$app: containers left after DELETE: $(docker ps -a --filter "label=stadion.app=$app")"
	[ "$(srv_count "$app")" = 0 ] || fail "$app: SRV records left after DELETE: $(srv_rrs "$app")"
done
left=$(docker ps -a --filter label=stadion.app --format '{{.ID}} {{.Label "stadion.app"}}' | awk -v p="$APPS_DOCKER_LABEL" 'index($2, p) == 1')
[ -z "$left" ] || fail "containers of this run left: $left"
log "ok - DELETE: every container removed, no SRV record left"
check_no_stray_ends
others=$(grep -a "an instance of no known task" "$DAEMON_LOG")
[ -z "$others" ] || fail "stadiond removed containers it did not make (other stadiond instances share this engine):
$others"
log "ok - no container of another stadiond removed, none of ours ended unasked"
