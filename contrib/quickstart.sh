#!/usr/bin/env bash
# contrib/quickstart.sh -- from a fresh Debian/Ubuntu machine to a running
# stadiond with one registered service and one app, in the foreground
# (Ctrl-C stops it).
#
# Installs the build dependencies (apt-get, with sudo when not root, skipped
# when everything is there; busybox-static only when there is no busybox),
# builds in the tree, starts ./src/stadiond -f with the defaults (DNS
# 127.0.0.1:5353, HTTP 127.0.0.1:8053, state ./state, zone files ./zones),
# registers the service "web" with two instances through /v1/services,
# deploys the app /hello (two busybox httpd instances run by the process
# driver, each on its host port $PORT0) through the Marathon API /v2/apps,
# waits until its SRV records answer and prints what to try.
#
# On exit (Ctrl-C, SIGTERM) it deletes /hello, waits until its processes are
# gone and stops stadiond: app instances do not die with stadiond (a
# restarted stadiond adopts them), so a demo must remove its app itself.
set -euo pipefail

cd "$(dirname "$0")/.."

PKGS="autoconf automake pkg-config gcc make libldns-dev libevent-dev
libcurl4-openssl-dev libjansson-dev liblmdb-dev libcmocka-dev bind9-dnsutils curl"

say() { printf '\033[1mquickstart:\033[0m %s\n' "$*"; }

missing=
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
# busybox-static conflicts with the busybox package: only when neither is there.
command -v busybox >/dev/null 2>&1 || missing="$missing busybox-static"
if [ -n "$missing" ]; then
	command -v apt-get >/dev/null || { echo "quickstart: apt-get not found; install:$missing" >&2; exit 1; }
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO="sudo"
	say "installing:$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

say "building"
autoreconf -fi
./configure -q
make -s -j"$(nproc)"

HTTP=127.0.0.1:8053
API=http://$HTTP
DIG="dig @127.0.0.1 -p 5353"
if curl -s -o /dev/null --max-time 1 "$API/health"; then
	echo "quickstart: something already answers on $HTTP (another stadiond?); stop it first" >&2
	exit 1
fi

pid=
app=
# Remove the example app (its processes outlive stadiond), then stop stadiond.
# shellcheck disable=SC2317  # run by the traps
cleanup() {
	[ -n "$pid" ] || return 0
	if [ -n "$app" ] && kill -0 "$pid" 2>/dev/null; then
		say "deleting the app /hello and waiting for its tasks to end"
		curl -s -o /dev/null -X DELETE "$API/v2/apps/hello?force=true" || true
		for _ in $(seq 1 100); do
			curl -sf "$API/v2/tasks" 2>/dev/null | grep -q '"appId":"/hello"' || break
			sleep 0.2
		done
	fi
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

mkdir -p zones
say "starting ./src/stadiond -f (DNS 127.0.0.1:5353, HTTP $HTTP)"
# A session of its own: Ctrl-C reaches this script, which removes the app
# before it stops stadiond, rather than stadiond directly.
if command -v setsid >/dev/null 2>&1; then
	setsid ./src/stadiond -f &
else
	./src/stadiond -f &
fi
pid=$!

for _ in $(seq 1 100); do
	curl -sf -o /dev/null "$API/health" && break
	kill -0 "$pid" 2>/dev/null || { echo "quickstart: stadiond exited" >&2; exit 1; }
	sleep 0.1
done
curl -sf -o /dev/null "$API/health" || { echo "quickstart: stadiond does not answer on $HTTP" >&2; exit 1; }

# A service registered by hand, as a scheduler or a script would (nothing
# listens on its ports; they lie below the apps' host port range 31000-32000).
for i in 1 2; do
	body="{\"id\":\"$i\",\"address\":\"127.0.0.1\",\"ports\":[{\"port\":3000$i,\"name\":\"http\",\"protocol\":\"tcp\"}],\"health\":\"healthy\"}"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    --data "$body" "$API/v1/services/web/instances/$i")
	case $code in
	200|201) ;;
	*) echo "quickstart: registering web/$i answered $code" >&2; exit 1 ;;
	esac
done
say "registered service web: instances 1 and 2 on 127.0.0.1 ports 30001 and 30002"

# An app run by stadiond. The process driver runs cmd with /bin/sh -c in
# <state>/proc/<task id>/; $PORT0 is the host port stadion gave the task,
# $HOST its address. PUT creates the app, or updates the one a previous run
# left (force: even while a deployment of it is in progress).
# shellcheck disable=SC2016  # $HOST, $PORT0 are the task's, not ours
if command -v busybox >/dev/null 2>&1; then
	serve='exec busybox httpd -f -p $HOST:$PORT0 -h www'
else
	serve='exec python3 -m http.server $PORT0 --bind $HOST --directory www'
fi
# shellcheck disable=SC2016
def='{"id": "/hello", "instances": 2, "cpus": 0.1, "mem": 64,
  "cmd": "mkdir -p www && echo hello from $MESOS_TASK_ID > www/index.html && '"$serve"'",
  "portDefinitions": [{"port": 0, "name": "http"}]}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "$def" "$API/v2/apps/hello?force=true")
case $code in
200|201) app=1 ;;
*) echo "quickstart: PUT /v2/apps/hello answered $code" >&2; exit 1 ;;
esac
say "deployed app /hello (2 instances); waiting for its SRV records"

srv=
for _ in $(seq 1 150); do
	srv=$($DIG +short _hello._tcp.marathon.mesos SRV 2>/dev/null || true)
	[ "$(printf '%s\n' "$srv" | grep -c .)" -ge 2 ] && break
	kill -0 "$pid" 2>/dev/null || { echo "quickstart: stadiond exited" >&2; exit 1; }
	sleep 0.2
done
if [ "$(printf '%s\n' "$srv" | grep -c .)" -lt 2 ]; then
	echo "quickstart: /hello is not in DNS after 30 s; see: curl -s $API/v2/apps/hello" >&2
	exit 1
fi
port=$(printf '%s\n' "$srv" | awk 'NR == 1 { print $3 }')
page=
for _ in $(seq 1 50); do
	page=$(curl -sf --max-time 1 "http://127.0.0.1:$port/" 2>/dev/null) && break
	sleep 0.2
done
say "_hello._tcp.marathon.mesos SRV:"
printf '%s\n' "$srv" | sed 's/^/    /'
say "http://127.0.0.1:$port/ says: ${page:-(no answer yet)}"

cat <<EOF

Try:
  $DIG web.marathon.mesos
  $DIG _web._tcp.marathon.mesos SRV
  $DIG web-1.marathon.mesos
  $DIG www.example.stadion       (from zones/example.zone)
  curl -s $API/v1/services/web
  curl -s -X POST -H 'Content-Type: application/json' \\
      -d '{"id":"3","address":"127.0.0.1","ports":[{"port":30003}]}' \\
      $API/v1/services/web/instances

  $DIG _hello._tcp.marathon.mesos SRV
  $DIG _http._hello._tcp.marathon.mesos SRV
  curl -s http://127.0.0.1:$port/
  curl -s $API/v2/apps/hello
  curl -s $API/v1/services/%2Fhello          (the same tasks, as registry instances)
  ./src/stadionctl apps list
  ./src/stadionctl tasks list
  ./src/stadionctl apps scale hello 3       (a scaling: the running tasks stay)
  ./src/stadionctl apps restart hello       (a new config: every task is replaced, rolling)
  ./src/stadionctl deployments list

stadiond runs in the foreground (pid $pid); Ctrl-C deletes /hello and stops it.
EOF

set +e
wait "$pid"
status=$?
pid=
trap - EXIT
exit "$status"
