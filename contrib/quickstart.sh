#!/usr/bin/env bash
# contrib/quickstart.sh -- from a fresh Debian/Ubuntu machine to a running
# stadiond with one example service, in the foreground (Ctrl-C stops it).
#
# Installs the build dependencies (apt-get, with sudo when not root, skipped
# when everything is there), builds in the tree, starts ./src/stadiond -f
# with the defaults (DNS 127.0.0.1:5353, HTTP 127.0.0.1:8053, state ./state,
# zone files ./zones), registers the service "web" with two instances and
# prints the queries to try.
set -euo pipefail

cd "$(dirname "$0")/.."

PKGS="autoconf automake pkg-config gcc make libldns-dev libevent-dev
libcurl4-openssl-dev libjansson-dev liblmdb-dev libcmocka-dev bind9-dnsutils curl"

say() { printf '\033[1mquickstart:\033[0m %s\n' "$*"; }

missing=
for p in $PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
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
if curl -s -o /dev/null --max-time 1 "http://$HTTP/health"; then
	echo "quickstart: something already answers on $HTTP (another stadiond?); stop it first" >&2
	exit 1
fi

mkdir -p zones
say "starting ./src/stadiond -f (DNS 127.0.0.1:5353, HTTP $HTTP)"
./src/stadiond -f &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
	curl -sf -o /dev/null "http://$HTTP/health" && break
	kill -0 "$pid" 2>/dev/null || { echo "quickstart: stadiond exited" >&2; exit 1; }
	sleep 0.1
done
curl -sf -o /dev/null "http://$HTTP/health" || { echo "quickstart: stadiond does not answer on $HTTP" >&2; exit 1; }

for i in 1 2; do
	body="{\"id\":\"$i\",\"address\":\"127.0.0.1\",\"ports\":[{\"port\":3100$i,\"name\":\"http\",\"protocol\":\"tcp\"}],\"health\":\"healthy\"}"
	code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    --data "$body" "http://$HTTP/v1/services/web/instances/$i")
	case $code in
	200|201) ;;
	*) echo "quickstart: registering web/$i answered $code" >&2; exit 1 ;;
	esac
done
say "registered service web: instances 1 and 2 on 127.0.0.1 ports 31001 and 31002"

cat <<EOF

Try:
  dig @127.0.0.1 -p 5353 web.marathon.mesos
  dig @127.0.0.1 -p 5353 _web._tcp.marathon.mesos SRV
  dig @127.0.0.1 -p 5353 web-1.marathon.mesos
  dig @127.0.0.1 -p 5353 www.example.stadion       (from zones/example.zone)
  curl -s http://$HTTP/v1/services/web
  curl -s -X POST -H 'Content-Type: application/json' \\
      -d '{"id":"3","address":"127.0.0.1","ports":[{"port":31003}]}' \\
      http://$HTTP/v1/services/web/instances

stadiond runs in the foreground (pid $pid); Ctrl-C stops it.
EOF

set +e
wait "$pid"
status=$?
trap - EXIT
exit "$status"
