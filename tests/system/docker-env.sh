# shellcheck shell=bash
# docker-env.sh -- the Docker test environment of the system tests.
#
# Sourced: docker_env_start makes sure that
#   - a Docker engine answers on /var/run/docker.sock (when none does, it
#     starts "dockerd --bridge=none --iptables=false" and remembers it);
#   - the image stadion-test/busybox:latest exists (docker import of a
#     directory holding the static busybox and a link per applet);
#     docker_env_glibc_image makes stadion-test/glibc:latest, the same
#     with the host's getent and glibc's NSS modules (a glibc resolver);
#   - a registry with htpasswd auth listens on 127.0.0.1:$REGISTRY_PORT
#     (user $REGISTRY_USER, password $REGISTRY_PASSWORD);
# and docker_env_stop stops whatever docker_env_start started (the image
# stays: it is cheap to keep and slow to make).
# Run: docker-env.sh start|stop (the state lives in $DOCKER_ENV_DIR,
# default /tmp/stadion-docker-env; a dockerd we start, in $DOCKER_SHARED).
#
# Packages: docker.io docker-registry busybox-static apache2-utils curl
# (and libc-bin: getent, ldd).

DOCKER_SOCK=/var/run/docker.sock
TEST_IMAGE=stadion-test/busybox:latest
GLIBC_IMAGE=stadion-test/glibc:latest
: "${DOCKER_ENV_DIR:=${TMPDIR:-/tmp}/stadion-docker-env}"
: "${DOCKER_SHARED:=${TMPDIR:-/tmp}/stadion-dockerd}"
REGISTRY_USER=stadion
REGISTRY_PASSWORD=s3cret-registry
REGISTRY_PORT=

_denv_log() { printf 'docker-env: %s\n' "$*" >&2; }

docker_ping() {
	curl -s --max-time 2 --unix-socket "$DOCKER_SOCK" http://localhost/_ping 2>/dev/null | grep -q OK
}

# _denv_wait SECONDS COMMAND...: poll until COMMAND succeeds.
_denv_wait() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.2
	done
}

# An engine we start is shared by the tests running at the same time: each
# user ($DOCKER_ENV_DIR) is listed in $DOCKER_SHARED/users, under a lock,
# and the last one to leave stops it.
_denv_lock() {
	mkdir -p "$DOCKER_SHARED" || return 1
	exec {DOCKER_LOCK_FD}>"$DOCKER_SHARED/lock"
	flock "$DOCKER_LOCK_FD"
}

_denv_unlock() {
	exec {DOCKER_LOCK_FD}>&-
}

docker_env_engine() {
	local rc=0
	_denv_lock || return 1
	if [ -f "$DOCKER_SHARED/dockerd.pid" ] && kill -0 "$(cat "$DOCKER_SHARED/dockerd.pid")" 2>/dev/null; then
		echo "$DOCKER_ENV_DIR" >>"$DOCKER_SHARED/users"
	elif ! docker_ping; then
		if ! command -v dockerd >/dev/null; then
			_denv_log "no dockerd"
			_denv_unlock
			return 1
		fi
		_denv_log "starting dockerd (log: $DOCKER_SHARED/dockerd.log)"
		# Not holding the lock: it would be held for the engine's life.
		dockerd --bridge=none --iptables=false >"$DOCKER_SHARED/dockerd.log" 2>&1 {DOCKER_LOCK_FD}>&- &
		echo $! >"$DOCKER_SHARED/dockerd.pid"
		echo "$DOCKER_ENV_DIR" >"$DOCKER_SHARED/users"
		if ! _denv_wait 60 docker_ping; then
			_denv_log "dockerd does not answer after 60 s:"
			tail -n 20 "$DOCKER_SHARED/dockerd.log" >&2
			rc=1
		fi
	fi
	_denv_unlock
	return $rc
}

# _denv_engine_leave: drop this user (and users whose dir is gone); stop
# the engine we started when nobody uses it any more.
_denv_engine_leave() {
	local u left=
	[ -f "$DOCKER_SHARED/users" ] || return 0
	_denv_lock || return 1
	while read -r u; do
		[ "$u" != "$DOCKER_ENV_DIR" ] && [ -d "$u" ] && left="$left$u"$'\n'
	done <"$DOCKER_SHARED/users"
	printf '%s' "$left" >"$DOCKER_SHARED/users"
	if [ -z "$left" ]; then
		_denv_kill "$DOCKER_SHARED/dockerd.pid"
		rm -f "$DOCKER_SHARED/users"
	fi
	_denv_unlock
}

# _denv_busybox_root ROOT: a fresh root file system in ROOT holding the
# static busybox and a link per applet in /bin.
_denv_busybox_root() {
	local bb root=$1 a
	bb=$(command -v busybox) || bb=/bin/busybox
	[ -x "$bb" ] || { _denv_log "no busybox (busybox-static)"; return 1; }
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/tmp" "$root/proc" "$root/sys" "$root/dev" "$root/etc" || return 1
	cp "$bb" "$root/bin/busybox" || return 1
	# Relative links: busybox --install -s would point at the host's path.
	for a in $("$bb" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$root/bin/$a"
	done
}

# _denv_import ROOT IMAGE: docker import of ROOT as IMAGE (sh, PATH=/bin);
# ROOT is removed.
_denv_import() {
	local root=$1 rc
	tar -C "$root" -cf "$root.tar" . &&
	    docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
	    "$root.tar" "$2" >/dev/null
	rc=$?
	rm -rf "$root" "$root.tar"
	return $rc
}

docker_env_image() {
	docker image inspect "$TEST_IMAGE" >/dev/null 2>&1 && return 0
	_denv_busybox_root "$DOCKER_ENV_DIR/rootfs" &&
	    _denv_import "$DOCKER_ENV_DIR/rootfs" "$TEST_IMAGE"
}

# _denv_copy_libs ROOT FILE...: copy into ROOT, at their host paths, the
# shared libraries that ldd lists for the FILEs.
_denv_copy_libs() {
	local root=$1 lib
	shift
	for lib in $(ldd "$@" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && NF > 1 { print $1 }' | sort -u); do
		mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib" || return 1
	done
}

# docker_env_glibc_image: the image $GLIBC_IMAGE, busybox's with the host's
# getent, the libraries it needs, glibc's files and dns NSS modules and an
# nsswitch.conf "hosts: files dns": names in it are resolved by glibc
# (busybox's nslookup has a resolver of its own).
docker_env_glibc_image() {
	docker image inspect "$GLIBC_IMAGE" >/dev/null 2>&1 && return 0
	local root=$DOCKER_ENV_DIR/glibc-root getent libc dir m mods=()
	getent=$(command -v getent) || { _denv_log "no getent"; return 1; }
	libc=$(ldd "$getent" | awk '$1 ~ /^libc\.so/ { print $3 }')
	[ -n "$libc" ] || { _denv_log "$getent is not linked with glibc"; return 1; }
	dir=$(dirname "$libc")
	# Built into libc since glibc 2.34, separate (and needing libresolv)
	# before: copied either way.
	for m in libnss_files.so.2 libnss_dns.so.2; do
		[ -e "$dir/$m" ] && mods+=("$dir/$m")
	done
	if ! _denv_busybox_root "$root"; then
		rm -rf "$root"
		return 1
	fi
	# Not through a link busybox might have made.
	rm -f "$root/bin/getent"
	if ! cp "$getent" "$root/bin/getent" || ! _denv_copy_libs "$root" "$getent" "${mods[@]}"; then
		rm -rf "$root"
		return 1
	fi
	for m in "${mods[@]}"; do
		cp -L "$m" "$root$m" || { rm -rf "$root"; return 1; }
	done
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
	_denv_import "$root" "$GLIBC_IMAGE"
}

_denv_registry_up() {
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$REGISTRY_PORT/v2/" | grep -q 401
}

docker_env_registry() {
	local dir=$DOCKER_ENV_DIR/registry
	command -v docker-registry >/dev/null || { _denv_log "no docker-registry"; return 1; }
	mkdir -p "$dir/data"
	htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$dir/htpasswd" || return 1
	REGISTRY_PORT=$(python3 "$(dirname "${BASH_SOURCE[0]}")/free_port.py") || return 1
	cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$REGISTRY_PORT
auth:
  htpasswd:
    realm: stadion-test
    path: $dir/htpasswd
EOF
	docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
	echo $! >"$DOCKER_ENV_DIR/registry.pid"
	echo "$REGISTRY_PORT" >"$DOCKER_ENV_DIR/registry.port"
	_denv_wait 30 _denv_registry_up || { _denv_log "registry does not answer"; tail -n 20 "$dir/registry.log" >&2; return 1; }
}

docker_env_start() {
	mkdir -p "$DOCKER_ENV_DIR" || return 1
	docker_env_engine && docker_env_image && docker_env_registry
}

# _denv_kill PIDFILE: TERM, then KILL after 10 s.
_denv_kill() {
	local f=$1 pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$f"
}

docker_env_stop() {
	_denv_kill "$DOCKER_ENV_DIR/registry.pid"
	rm -rf "$DOCKER_ENV_DIR/registry" "$DOCKER_ENV_DIR/registry.port"
	_denv_engine_leave
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	start)
		docker_env_start || exit 1
		echo "registry: 127.0.0.1:$REGISTRY_PORT user $REGISTRY_USER password $REGISTRY_PASSWORD"
		;;
	stop) docker_env_stop ;;
	*) echo "usage: $0 start|stop" >&2; exit 2 ;;
	esac
fi
