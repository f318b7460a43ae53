# shellcheck shell=bash
# nsd-lib.sh -- NSD started by a test (sourced after lib.sh, or by a bench
# script that sets T): one NSD at a time, in the foreground of a
# background job, its config, pid, state and log under $NSD_DIR ($T/nsd).
# The caller stops it with nsd_stop (from its EXIT trap as well).

NSD_DIR=$T/nsd
NSD_PID=
mkdir -p "$NSD_DIR"

# nsd_start ADDR PORT [VERBOSITY] < CLAUSES: write $NSD_DIR/nsd.conf for an
# NSD on ADDR@PORT (one server process, IPv4 only, no remote control, no
# rate limit: NSD's own would hold back the queries of a test or a bench)
# followed by CLAUSES (its key: and zone: clauses, from stdin; zone files
# relative to $NSD_DIR), start it and set NSD_PID, NSD_ADDR and NSD_PORT.
nsd_start() {
	NSD_ADDR=$1 NSD_PORT=$2
	{
		cat <<EOF
server:
	ip-address: $NSD_ADDR@$NSD_PORT
	port: $NSD_PORT
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	database: ""
	pidfile: "$NSD_DIR/nsd.pid"
	xfrdfile: "$NSD_DIR/xfrd.state"
	zonelistfile: "$NSD_DIR/zone.list"
	logfile: "$NSD_DIR/nsd.log"
	verbosity: ${3:-1}
	do-ip6: no
	rrl-ratelimit: 0
remote-control:
	control-enable: no
EOF
		cat
	} > "$NSD_DIR/nsd.conf"
	nsd -d -c "$NSD_DIR/nsd.conf" >> "$NSD_DIR/nsd.log" 2>&1 &
	NSD_PID=$!
}

# nsd_wait NAME [ADDRESS]: until the NSD started last answers NAME A with
# NOERROR (with ADDRESS: with that address alone), 10 s at most; else
# print the end of its log and fail (return 1).
nsd_wait() {
	local deadline=$((SECONDS + 10))
	until _nsd_answers "$@"; do
		if [ $SECONDS -ge $deadline ]; then
			echo "NSD does not answer $1 on $NSD_ADDR port $NSD_PORT: $(tail -n 5 "$NSD_DIR/nsd.log")" >&2
			return 1
		fi
		sleep 0.1
	done
}

_nsd_answers() {
	local d=(dig -r @"$NSD_ADDR" -p "$NSD_PORT" +time=1 +tries=1 +norec)
	if [ -n "${2:-}" ]; then
		[ "$("${d[@]}" +short "$1" A)" = "$2" ]
	else
		"${d[@]}" "$1" A | grep -q 'status: NOERROR'
	fi
}

# nsd_stop: stop the NSD started last, if it runs.
nsd_stop() {
	[ -n "$NSD_PID" ] || return 0
	kill "$NSD_PID" 2>/dev/null
	wait "$NSD_PID" 2>/dev/null
	NSD_PID=
}
