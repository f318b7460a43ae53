#!/usr/bin/env bash
# deploy-docker.sh -- deployments end to end with the Docker engine (the
# counterpart of deploy-process.sh): 4 host-network containers of the
# test image each serve their version with busybox httpd on 127.0.0.1,
# while a client load finds them only through stadion's DNS (TTL 1 s) and
# sends them HTTP requests:
#   1. v1 created and served by 4 instances (4 running containers);
#   2. a rolling update to v2: zero failed requests;
#   3. a blue-green switch to v3 (scaleDownDelaySeconds 2): DNS never
#      shows both versions, zero failed requests;
#   4. a canary to v4 (setWeight 25, a 2 s pause, setWeight 50, an
#      indefinite pause): at the pause the SRV weights are 2500 for each
#      of 2 v3 and 2 v4, and about half the requests go to v4; resumed, it
#      finishes with zero failed requests;
#   5. a v5 whose health check fails (failureThreshold 3) rolls back by
#      itself: deployment_failed names failureThreshold, v4 serves from 4
#      instances, zero failed requests;
#   6. stadiond killed with SIGKILL after the second step of a batched
#      rolling update to v6 (batchSize 25%, batchIntervalSeconds 2), and
#      started again: the deployment finishes, exactly 4 containers of the
#      app run, all serving v6, none stopped is left (the load runs on and
#      its failures while the daemon is down, when DNS does not answer, are
#      logged; an HTTP failure fails the test);
#   7. the app deleted: no container of it is left.
# Every container the test makes is labelled with this run's app ids and
# removed on exit; nothing leaves the loopback (the image is made locally
# by docker-env.sh, the containers use the host's network).
: "${STADION_TEST_TIMEOUT:=300}"
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/apps-lib.sh"
need_tools docker dockerd busybox curl python3 dig

# shellcheck disable=SC2034  # read by docker-env.sh
DOCKER_ENV_DIR=$T/denv
. "$SYSTEM_DIR/docker-env.sh"

# App ids unique to this run: the engine is shared with other tests.
RUN=dd$$x$RANDOM
APPS_DOCKER_LABEL=/$RUN/
DEP_APP=/$RUN/web
DEP_N=4
DEP_IMAGE=$TEST_IMAGE
. "$SYSTEM_DIR/deploy-lib.sh"
trap '_rc=$?; dep_cleanup; apps_cleanup; docker_env_stop; (exit $_rc); _cleanup' EXIT

T0=$SECONDS
mkdir -p "$DOCKER_ENV_DIR" || fail "mkdir $DOCKER_ENV_DIR"
# The engine and the image; no registry: nothing is pulled.
{ docker_env_engine && docker_env_image; } || fail "the docker test environment did not start"
log "ok - engine and test image $TEST_IMAGE ready"

# ---------------------------------------------------------------- helpers

# ctr_count [-a]: the app's running (-a: all) containers.
ctr_count() {
	# shellcheck disable=SC2086  # no -a: no word
	docker ps ${1:-} -q --filter "label=stadion.app=$DEP_APP" | grep -c .
}

# ctr_ports: the port each running container of the app serves on (its
# PORT0), sorted.
ctr_ports() {
	local c
	for c in $(docker ps -q --filter "label=stadion.app=$DEP_APP"); do
		docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c" | sed -n 's/^PORT0=//p'
	done | sort -n
}

# ctr_versions: what the app's running containers serve, one per line.
ctr_versions() {
	local p
	for p in $(ctr_ports); do
		curl -s --max-time 2 "http://127.0.0.1:$p/index.html"
	done
}

# phase: seconds since the start, for the log.
phase() { log "[$((SECONDS - T0)) s] $*"; }

start_daemon --ttl 1
sse_start

# ---------------------------------------------------------------- 1: v1

app_create "$(dep_app v1)"
wait_deployed 60
wait_for 15 dep_served v1 || fail "v1 is not served by 4 instances: $(srv_versions)"
check "4 running containers" test "$(ctr_count)" = 4
phase "ok - v1 serves from 4 containers"

# ------------------------------------- 2-5: strategies and a rollback

dep_rolling v2
dep_blue_green v2 v3
dep_canary v3 v4
dep_failing v4 v5
_4ctr() { [ "$(ctr_count)" = 4 ]; }
wait_for 10 _4ctr || fail "$(ctr_count) running containers after the rollback, expected 4"
phase "ok - rolling, blue-green, canary, rollback"

# ----------------------------------------------- 6: kill -9 in the middle

load_start
dep_put v6 '{"batchSize":"25%","batchIntervalSeconds":2}'
_step2() { [ "$(dep_get 'd["currentStep"]')" = 2 ]; }
wait_for 60 _step2 || fail "the deployment did not reach step 2: $(dep_get d)"
log "at step 2: $(ctr_versions | sort | uniq -c | tr -s ' \n' ' ')"
crash_daemon
relaunch_daemon
phase "stadiond started again"
wait_deployed 90
wait_for 10 dep_served v6 || fail "v6 is not served by 4 instances after the restart: $(srv_versions)"
_ctr_settled() { [ "$(ctr_count)" = 4 ] && [ "$(ctr_count -a)" = 4 ]; }
wait_for 10 _ctr_settled ||
    fail "$(ctr_count) running, $(ctr_count -a) containers of the app, expected 4: $(docker ps -a --filter "label=stadion.app=$DEP_APP" --format '{{.ID}} {{.Status}} {{.Label "stadion.instance"}}')"
check "the 4 containers all serve v6" test "$(ctr_versions | sort | uniq -c | tr -s ' \n' ' ')" = " 4 v6 "
check "the containers' ports are the SRV records'" test "$(ctr_ports)" = "$(srv_ports "$DEP_APP")"
# DNS does not answer while the daemon is down: those failures are
# expected; any other one (an instance stopped too early) is not.
load_stop 1000000
other=$(load_stat 'sum(n for r, n in j["reasons"].items() if not r.startswith("dns"))')
log "failures while stadiond was down: $(load_stat 'j["reasons"]')"
[ "$other" = 0 ] || fail "$other requests failed other than in DNS: $(load_stat 'j["first_errors"]')"
phase "ok - a deployment survives kill -9 of stadiond: 4 containers serve v6"

# ---------------------------------------------------------- 7: delete

expect_http 200 DELETE "/v2/apps$DEP_APP"
wait_deployed 60
_no_ctr() { [ "$(ctr_count -a)" = 0 ]; }
wait_for 20 _no_ctr || fail "containers of the app left after its deletion: $(docker ps -a --filter "label=stadion.app=$DEP_APP")"
check "no SRV record left" test "$(srv_count "$DEP_APP")" = 0
phase "ok - deleted: no container of the app is left"
