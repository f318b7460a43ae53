#!/usr/bin/env bash
# glibc's resolver in containers stadiond made, end to end: the real
# stadiond serves DNS on port 53 of a free 127.x.y.z and forwards names
# outside its zones to an NSD the test starts on 127.0.0.1 (another port),
# serving a zone of its own; the real Docker engine runs the apps (host
# networking, reached on the loopback only).
#   - an app of the busybox image serving HTTP on $PORT0 makes a name;
#   - a second app, of an image whose getent is the host's, linked with
#     glibc and its files and dns NSS modules (docker_env_glibc_image),
#     resolves in a loop, from the resolver stadiond gave its container
#     (Dns, DnsSearch), and writes what it got to its log:
#       getent hosts <app>.marathon.mesos and <app> (the search domain):
#         127.0.0.1;
#       getent hosts / ahosts www.<zone>: the NSD zone's address, through
#         stadiond's forwarding (NSD is on no port 53: only stadiond
#         reaches it);
#       getent ahosts of a name that exists nowhere: exit status 2, no
#         output, within 2 s; stadiond answers that name from its negative
#         cache afterwards (asked without RD, which it refused before): the
#         container's queries reached it and NSD's NXDOMAIN came back;
#   - the same from a plain docker run --dns <addr> --dns-search
#     marathon.mesos of that image.
# Every container the test makes is removed on exit, NSD and the engine
# (when it started it) are stopped.
: "${STADION_TEST_TIMEOUT:=180}"
. "$(dirname "$0")/lib.sh"
. "$SYSTEM_DIR/apps-lib.sh"
. "$SYSTEM_DIR/nsd-lib.sh"
need_tools docker dockerd busybox curl python3 dig nsd getent ldd

# shellcheck disable=SC2034  # read by docker-env.sh
DOCKER_ENV_DIR=$T/denv
. "$SYSTEM_DIR/docker-env.sh"

# App ids unique to this run: the engine is shared with other tests.
RUN=rs$$x$RANDOM
APPS_DOCKER_LABEL=/$RUN/
APP_WEB=/$RUN/web
APP_PROBE=/$RUN/probe
WEB=$(app_label "$APP_WEB")
ZONE=upstream.test
WWW_ADDR=127.0.53.80
NOSUCH=nosuch-$RUN.$ZONE

# Plain docker run containers carry this label (none of stadion's).
RUN_LABEL=stadion-test.run=$RUN
rm_plain() {
	docker ps -aq --filter "label=$RUN_LABEL" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
}
apps_trap 'rm_plain; nsd_stop; docker_env_stop'

mkdir -p "$DOCKER_ENV_DIR" || fail "mkdir"
# The engine and the images; no registry: nothing is pulled.
{ docker_env_engine && docker_env_image && docker_env_glibc_image; } ||
    fail "the docker test environment did not start"
log "ok - engine, images $TEST_IMAGE and $GLIBC_IMAGE ready"

# ---------------------------------------------------------------- NSD
cat >"$NSD_DIR/$ZONE.zone" <<EOF
\$ORIGIN $ZONE.
\$TTL 300
@	SOA	ns1 hostmaster 1 3600 900 86400 60
@	NS	ns1
ns1	A	127.0.0.1
www	A	$WWW_ADDR
EOF
NSD_PORT=$(free_port) || fail "no free port"
nsd_start 127.0.0.1 "$NSD_PORT" <<EOF
zone:
	name: $ZONE
	zonefile: "$NSD_DIR/$ZONE.zone"
EOF
nsd_wait "www.$ZONE" "$WWW_ADDR" || fail "NSD did not start on 127.0.0.1 port $NSD_PORT"
log "ok - NSD serves $ZONE on 127.0.0.1 port $NSD_PORT"

# ---------------------------------------------------------------- stadiond on :53
DNS53=$(loopback_53_addr) || fail "no free 127.x.y.z:53"
start_daemon --ttl 1 --dns-listen "$DNS53:53" --recursion-allow 127.0.0.0/8 \
    --forwarder "127.0.0.1:$NSD_PORT"
# d53 ARGS...: dig against stadiond on $DNS53:53, as a stub asks (RD).
d53() { dig -r @"$DNS53" -p 53 +time=3 +tries=1 "$@"; }
[ "$(d53 +short "www.$ZONE" A)" = "$WWW_ADDR" ] || fail "www.$ZONE through $DNS53:53: $(d53 "www.$ZONE" A)"
log "ok - stadiond on $DNS53:53 forwards $ZONE to NSD"

# ---------------------------------------------------------------- the apps
# shellcheck disable=SC2016  # $MESOS_TASK_ID, $PORT0: the container's
app_create "$(printf '{"id":"%s","instances":1,"cpus":0.2,"mem":32,%s%s%s%s}' "$APP_WEB" \
    '"cmd":"mkdir -p /tmp/www && echo $MESOS_TASK_ID > /tmp/www/index.html && exec httpd -f -p $PORT0 -h /tmp/www",' \
    "\"container\":{\"type\":\"DOCKER\",\"docker\":{\"image\":\"$TEST_IMAGE\",\"network\":\"HOST\"}}," \
    '"networks":[{"mode":"host"}],"portDefinitions":[{"port":0,"protocol":"tcp","name":"http"}],' \
    '"taskKillGracePeriodSeconds":1')"
wait_deployed 60
_web_in_dns() { [ "$(d53 +short "$WEB.marathon.mesos" A)" = 127.0.0.1 ]; }
wait_for 30 _web_in_dns || fail "$WEB.marathon.mesos not 127.0.0.1 on $DNS53:53: $(d53 "$WEB.marathon.mesos" A)"
log "ok - $APP_WEB runs, $WEB.marathon.mesos A 127.0.0.1"

# The probe, run by busybox's sh in the glibc image: its resolv.conf
#   probe|resolv|RESOLV.CONF (lines joined)
# then ROUNDS rounds (0: no end) of the getent queries, a line each:
#   probe|ROUND|QUERY|EXIT STATUS|SECONDS|OUTPUT (lines joined)
# A resolver off the loopback (the host's, had the container not been
# given one) is not asked: the probe then only sleeps.
# shellcheck disable=SC2016  # the container's shell expands it
PROBE='echo "probe|resolv|$(echo $(cat /etc/resolv.conf))"
if grep "^nameserver" /etc/resolv.conf | grep -qv "^nameserver 127\."; then
	exec sleep 600
fi
n=0
while [ "$ROUNDS" = 0 ] || [ $n -lt "$ROUNDS" ]; do
	n=$((n + 1))
	for q in "hosts $WEB.marathon.mesos" "hosts $WEB" "hosts www.$ZONE" \
	    "ahosts www.$ZONE" "ahosts $NOSUCH"; do
		t0=$(date +%s)
		out=$(getent $q 2>&1)
		rc=$?
		echo "probe|$n|$q|$rc|$(($(date +%s) - t0))|$(echo $out)"
	done
	[ "$ROUNDS" = 0 ] && sleep 1
done
echo "probe|done"'

# probe_env ROUNDS: the probe's environment as a JSON object.
probe_env() {
	printf '{"WEB":"%s","ZONE":"%s","NOSUCH":"%s","ROUNDS":"%s"}' "$WEB" "$ZONE" "$NOSUCH" "$1"
}

# Nobody asked stadiond for $NOSUCH yet: without RD (its cache only) it
# refuses; after the probe it must answer from its negative cache.
out=$(d53 +norec "$NOSUCH" A)
expect_status REFUSED "$out" "$NOSUCH without RD before the probe (not cached)"

app_create "$(python3 -c 'import json, sys
print(json.dumps({"id": sys.argv[1], "instances": 1, "cpus": 0.2, "mem": 32,
    "cmd": sys.argv[2], "env": json.loads(sys.argv[4]),
    "container": {"type": "DOCKER", "docker": {"image": sys.argv[3], "network": "HOST"}},
    "networks": [{"mode": "host"}], "taskKillGracePeriodSeconds": 1}))' \
    "$APP_PROBE" "$PROBE" "$GLIBC_IMAGE" "$(probe_env 0)")"
wait_deployed 60

# ctr_ids APPID: full ids of the app's running containers.
ctr_ids() {
	docker ps -q --no-trunc --filter "label=stadion.app=$1"
}
_probe_running() { [ "$(ctr_ids "$APP_PROBE" | grep -c .)" = 1 ]; }
wait_for 30 _probe_running || fail "$APP_PROBE: no running container: $(docker ps -a --filter "label=stadion.app=$APP_PROBE")"
PC=$(ctr_ids "$APP_PROBE")
got=$(docker inspect -f '{{.HostConfig.Dns}} {{.HostConfig.DnsSearch}} {{.Config.Image}}' "$PC")
[ "$got" = "[$DNS53] [marathon.mesos] $GLIBC_IMAGE" ] ||
    fail "$APP_PROBE: Dns DnsSearch Image '$got', expected '[$DNS53] [marathon.mesos] $GLIBC_IMAGE'"

# check_round WHAT LINES: the 5 lines of one round of the probe are right.
check_round() {
	local what=$1 q rc s out want
	[ "$(printf '%s\n' "$2" | grep -c '^probe|')" = 5 ] || fail "$what: not 5 probe lines: $2"
	while IFS='|' read -r _ _ q rc s out; do
		case $q in
		"hosts $WEB.marathon.mesos" | "hosts $WEB") want="0 127.0.0.1 $WEB.marathon.mesos" ;;
		"hosts www.$ZONE") want="0 $WWW_ADDR www.$ZONE" ;;
		"ahosts www.$ZONE") want="0 $WWW_ADDR STREAM www.$ZONE $WWW_ADDR DGRAM $WWW_ADDR RAW" ;;
		"ahosts $NOSUCH") want="2 " ;;
		*) fail "$what: unexpected probe line: $q" ;;
		esac
		[ "$rc $out" = "$want" ] || fail "$what: getent $q: status and output '$rc $out', expected '$want'"
		[ "$s" -le 2 ] || fail "$what: getent $q took $s s (a resolver time-out?)"
	done <<<"$2"
}

# check_resolv WHAT LINES: the probe's resolv.conf names stadiond only,
# with marathon.mesos to search.
check_resolv() {
	local r
	r=$(printf '%s\n' "$2" | sed -n 's/^probe|resolv|//p')
	case " $r " in
	*" nameserver $DNS53 "*) ;;
	*) fail "$1: resolv.conf '$r' does not name $DNS53" ;;
	esac
	case " $r " in
	*" search marathon.mesos "*) ;;
	*) fail "$1: resolv.conf '$r' has no search marathon.mesos" ;;
	esac
	[ "$(printf '%s\n' "$r" | grep -o 'nameserver [^ ]*' | grep -c .)" = 1 ] ||
	    fail "$1: resolv.conf '$r' names other servers"
}

# probe_round N: the lines of round N in the probe container's log.
probe_round() {
	docker logs "$PC" 2>&1 | grep "^probe|$1|"
}
_round_done() {
	[ "$(probe_round 2 | grep -c .)" = 5 ] ||
	    docker logs "$PC" 2>&1 | grep '^probe|resolv|' | grep -q -v "nameserver $DNS53"
}
wait_for 30 _round_done || fail "$APP_PROBE: two rounds not done in 30 s: $(docker logs "$PC" 2>&1 | tail -n 20)"
check_resolv "$APP_PROBE" "$(probe_round resolv)"
check_round "$APP_PROBE round 1" "$(probe_round 1)"
check_round "$APP_PROBE round 2" "$(probe_round 2)"
log "$APP_PROBE round 1: $(probe_round 1 | tr '\n' ';')"
# The container's own queries reached stadiond: $NOSUCH is in its cache.
out=$(d53 +norec "$NOSUCH" A)
expect_status NXDOMAIN "$out" "$NOSUCH without RD after the probe (stadiond's negative cache)"
dig_section "$out" AUTHORITY | grep -q "^$ZONE\..*SOA" || fail "$NOSUCH: no SOA of $ZONE: $out"
out=$(d53 "$NOSUCH.marathon.mesos" A)
expect_status NXDOMAIN "$out" "$NOSUCH.marathon.mesos (the search domain)"
has_flag "$out" aa || fail "$NOSUCH.marathon.mesos not authoritative: $out"
log "ok - in $APP_PROBE's container (glibc, the resolver stadiond gave it): $WEB.marathon.mesos and $WEB -> 127.0.0.1, www.$ZONE -> $WWW_ADDR (hosts and ahosts, forwarded to NSD), $NOSUCH: status 2, no output, at once (its NXDOMAIN from NSD through stadiond)"

# ---------------------------------------------------------------- docker run
out=$(timeout 60 docker run --rm --network host --dns "$DNS53" --dns-search marathon.mesos \
    --label "$RUN_LABEL" -e WEB="$WEB" -e ZONE="$ZONE" -e NOSUCH="$NOSUCH" -e ROUNDS=1 \
    "$GLIBC_IMAGE" sh -c "$PROBE" 2>&1)
printf '%s\n' "$out" | grep -qx 'probe|done' || fail "docker run of the probe: $out"
check_resolv "docker run --dns $DNS53" "$(printf '%s\n' "$out" | grep '^probe|resolv|')"
check_round "docker run --dns $DNS53" "$(printf '%s\n' "$out" | grep '^probe|1|')"
log "ok - docker run --dns $DNS53 --dns-search marathon.mesos of $GLIBC_IMAGE: the same answers"

# ---------------------------------------------------------------- the end
for app in "$APP_PROBE" "$APP_WEB"; do
	expect_http 200 DELETE "/v2/apps$app"
done
wait_deployed 60
_all_gone() {
	[ -z "$(docker ps -aq --filter "label=stadion.app=$APP_PROBE")" ] &&
	    [ -z "$(docker ps -aq --filter "label=stadion.app=$APP_WEB")" ]
}
wait_for 30 _all_gone || fail "containers left after DELETE: $(docker ps -a --filter label=stadion.app)"
[ -z "$(docker ps -aq --filter "label=$RUN_LABEL")" ] || fail "docker run --rm left its container"
daemon_alive || fail "stadiond died"
log "ok - the apps deleted, their containers removed"
