# shellcheck shell=bash
# knot-lib.sh -- knotd as the secondary of a test (sourced after lib.sh):
# a secondary of stadion's zones mesos and marathon.mesos, its config,
# storage and log under $KNOT_DIR ($T/knot). The caller stops it with
# knot_stop (from its EXIT trap as well), and defines, for in_sync, how
# the primary is asked: primary_serial ZONE (its SOA serial) and
# primary_axfr ZONE (its AXFR, as kdig or dig list it).

KNOT_DIR=$T/knot
KNOT_PID=
mkdir -p "$KNOT_DIR"

# knot_start PORT PRIMARY_PORT KEY SECRET [VIA]: knotd on 127.0.0.1@PORT,
# a secondary of mesos and marathon.mesos whose primary is
# 127.0.0.1@PRIMARY_PORT (asked from the address VIA when given), its
# transfers signed with KEY (hmac-sha256, SECRET); NOTIFY from 127.0.0.1
# and transfers to 127.0.0.1 allowed. Sets KNOT_PID and KNOT_PORT; logs
# to $KNOT_DIR/knot.log.
knot_start() {
	KNOT_PORT=$1
	cat > "$KNOT_DIR/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$KNOT_PORT
    rundir: "$KNOT_DIR"
database:
    storage: "$KNOT_DIR"
log:
  - target: stderr
    any: info
key:
  - id: $3
    algorithm: hmac-sha256
    secret: $4
remote:
  - id: stadion
    address: 127.0.0.1@$2${5:+
    via: $5}
    key: $3
acl:
  - id: notify_from_stadion
    address: 127.0.0.1
    action: notify
  - id: transfer_to_test
    address: 127.0.0.1
    action: transfer
template:
  - id: default
    storage: "$KNOT_DIR"
    master: stadion
    acl: [notify_from_stadion, transfer_to_test]
zone:
  - domain: mesos
  - domain: marathon.mesos
EOF
	knotd -c "$KNOT_DIR/knot.conf" > "$KNOT_DIR/knot.log" 2>&1 &
	KNOT_PID=$!
}

# knot_stop: stop knotd, if it runs.
knot_stop() {
	[ -n "$KNOT_PID" ] && kill "$KNOT_PID" 2>/dev/null && wait "$KNOT_PID"
	KNOT_PID=
}

# knot_log_clean: fail when knotd logged a warning or an error.
knot_log_clean() {
	local problems
	problems=$(grep -E ' (warning|error|critical): ' "$KNOT_DIR/knot.log")
	[ -z "$problems" ] || fail "knotd complained: $problems"
	log "ok - knotd logged no warning"
}

# canon: the RRs of a dig or kdig listing as "owner type rdata", sorted.
canon() {
	awk '$0 !~ /^;/ && NF >= 5 && $3 == "IN" {
		$2 = ""; $3 = ""; print }' | sed 's/  */ /g' | sort
}

# secondary_serial PORT ZONE: the serial of ZONE served on 127.0.0.1@PORT.
secondary_serial() {
	kdig @127.0.0.1 -p "$1" +time=1 +retry=0 +short "$2" SOA 2>/dev/null |
	    awk '{print $3}'
}

# in_sync ZONE SECONDS [PORT LOG]: within SECONDS the secondary (knotd by
# default; else the one on PORT, logging to LOG) serves ZONE at the
# primary's serial, with the same RRs.
in_sync() {
	local want port=${3:-$KNOT_PORT} slog=${4:-$KNOT_DIR/knot.log}
	local deadline=$((SECONDS + $2))
	want=$(primary_serial "$1")
	while [ $SECONDS -lt $deadline ]; do
		[ "$(secondary_serial "$port" "$1")" = "$want" ] && break
		sleep 0.1
	done
	[ "$(secondary_serial "$port" "$1")" = "$want" ] || {
		log "port $port serves $1 at serial $(secondary_serial "$port" "$1"), not $want"
		tail -n 20 "$slog"
		return 1
	}
	[ "$(kdig @127.0.0.1 -p "$port" +time=5 +retry=0 "$1" AXFR | canon)" = \
	    "$(primary_axfr "$1" | canon)" ]
}
