#!/usr/bin/env bash
# update.sh -- dynamic updates with nsupdate: TSIG keys from a key file
# (-k) and on the command line (-y), A/SRV/TXT added and resolved, every
# prerequisite failure code, unsigned and wrongly signed updates, a name
# owned by an app, GET /v1/records listing what updates wrote, updates racing with the registry, and the updates kept
# over a restart and a kill -9.
. "$(dirname "$0")/lib.sh"
need_tools dig nsupdate curl openssl

Z=marathon.mesos
SECRET=$(openssl rand -base64 32)
KEYFILE=$T/upd.key
if command -v tsig-keygen >/dev/null 2>&1; then
	tsig-keygen -a hmac-sha256 upd > "$KEYFILE"
	SECRET=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$KEYFILE")
else
	# As tsig-keygen writes it.
	printf 'key "upd" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
	    "$SECRET" > "$KEYFILE"
fi

start_daemon --tsig-keyfile "$KEYFILE"

# nsu ARGS... < SCRIPT: nsupdate against the daemon; prints its output.
nsu() {
	{ echo "server 127.0.0.1 $DNS_PORT"; echo "zone $Z"; cat; echo send; } |
	    nsupdate -t 3 "$@" 2>&1
}

# expect_upd RCODE WHAT ARGS... < SCRIPT
expect_upd() {
	local want=$1 what=$2 out
	shift 2
	out=$(nsu "$@")
	if [ "$want" = NOERROR ]; then
		[ -z "$out" ] || fail "$what: $out"
	else
		printf '%s\n' "$out" | grep -q "$want" || fail "$what: expected $want, got: $out"
	fi
	log "ok - $what: $want"
}

s0=$(soa_serial $Z)
expect_upd NOERROR "add A, SRV, TXT (-k)" -k "$KEYFILE" <<E
update add db.$Z 30 A 10.9.0.1
update add db.$Z 30 A 10.9.0.2
update add _pg._tcp.$Z 30 SRV 0 1 5432 db.$Z
update add db.$Z 30 TXT "primary"
E
check "A resolves" [ "$(q_short db.$Z A | tr '\n' ' ')" = "10.9.0.1 10.9.0.2 " ]
check "SRV resolves" [ "$(q_short _pg._tcp.$Z SRV)" = "0 1 5432 db.$Z." ]
check "TXT resolves" [ "$(q_short db.$Z TXT)" = '"primary"' ]
check "serial increased" [ "$(soa_serial $Z)" -gt "$s0" ]

expect_upd NOERROR "-y key, over TCP" -v -y "hmac-sha256:upd:$SECRET" <<E
update add tcp.$Z 30 A 10.9.0.3
E
check "TCP update resolves" [ "$(q_short tcp.$Z A)" = 10.9.0.3 ]

# listed QUERY NAME TYPE DATA: whether GET /v1/records?QUERY lists it.
listed() {
	expect_http 200 GET "/v1/records?$1"
	shift
	printf '%s\n' "$HTTP_BODY" | python3 -c '
import json, sys
want = {"name": sys.argv[1], "type": sys.argv[2], "ttl": 30, "data": sys.argv[3]}
sys.exit(0 if want in json.load(sys.stdin) else 1)' "$@"
}
unlisted() { ! listed "$@"; }
check "/v1/records lists the A" listed "zone=$Z" "db.$Z." A 10.9.0.1
check "/v1/records lists the SRV" \
    listed "zone=$Z" "_pg._tcp.$Z." SRV "0 1 5432 db.$Z."
check "/v1/records lists the TXT" listed "zone=$Z" "db.$Z." TXT '"primary"'
expect_upd NOERROR "add gone.$Z" -k "$KEYFILE" <<E
update add gone.$Z 30 A 10.9.0.8
E
check "/v1/records lists the added A" listed "zone=$Z" "gone.$Z." A 10.9.0.8
expect_upd NOERROR "delete gone.$Z" -k "$KEYFILE" <<E
update delete gone.$Z A
E
check "/v1/records no longer lists it" \
    unlisted "zone=$Z" "gone.$Z." A 10.9.0.8
check "/v1/records of every zone" listed "" "tcp.$Z." A 10.9.0.3
expect_http 404 GET "/v1/records?zone=example.org"
log "ok - /v1/records of an unknown zone: 404"

# Prerequisites.
expect_upd NXDOMAIN "prereq yxdomain on a free name" -k "$KEYFILE" <<E
prereq yxdomain free.$Z
update add free.$Z 30 A 10.9.0.9
E
expect_upd YXDOMAIN "prereq nxdomain on a used name" -k "$KEYFILE" <<E
prereq nxdomain db.$Z
E
expect_upd NXRRSET "prereq yxrrset of a missing type" -k "$KEYFILE" <<E
prereq yxrrset db.$Z AAAA
E
expect_upd YXRRSET "prereq nxrrset of a present type" -k "$KEYFILE" <<E
prereq nxrrset db.$Z A
E
expect_upd NXRRSET "prereq yxrrset with a partial value" -k "$KEYFILE" <<E
prereq yxrrset db.$Z A 10.9.0.1
E
expect_upd NOERROR "prereq yxrrset with the whole value" -k "$KEYFILE" <<E
prereq yxrrset db.$Z A 10.9.0.1
prereq yxrrset db.$Z A 10.9.0.2
update delete db.$Z A 10.9.0.1
E
check "one A deleted" [ "$(q_short db.$Z A)" = 10.9.0.2 ]
check "free name untouched" [ -z "$(q_short free.$Z A)" ]
expect_upd NOTZONE "prereq outside the zone" -k "$KEYFILE" <<E
prereq yxdomain example.org
E
out=$(printf 'server 127.0.0.1 %s\nzone example.org\nupdate add x.example.org 30 A 10.0.0.1\nsend\n' \
    "$DNS_PORT" | nsupdate -t 3 -k "$KEYFILE" 2>&1)
printf '%s\n' "$out" | grep -q NOTAUTH || fail "foreign zone: $out"
log "ok - foreign zone: NOTAUTH"

# Unsigned and wrongly signed.
expect_upd REFUSED "unsigned" <<E
update add uns.$Z 30 A 10.9.0.4
E
expect_upd "NOTAUTH\|BADSIG\|tsig verify failure" "wrong secret" \
    -y "hmac-sha256:upd:$(openssl rand -base64 32)" <<E
update add bad.$Z 30 A 10.9.0.4
E
check "refused updates wrote nothing" [ -z "$(q_short uns.$Z A)$(q_short bad.$Z A)" ]

# A name the orchestrator owns.
register web w1 10.0.0.1 8080
expect_upd REFUSED "an app's name" -k "$KEYFILE" <<E
update add web.$Z 30 TXT "mine"
E
expect_upd REFUSED "an app's SRV name" -k "$KEYFILE" <<E
update delete _web._tcp.$Z SRV
E
check "the app still resolves" [ "$(q_short web.$Z A)" = 10.0.0.1 ]

# Racing with the registry: both write on the main loop, one transaction
# at a time; the serial only grows and every name is there at the end.
serials=()
(
	for i in $(seq 1 20); do
		register web "r$i" "10.1.0.$i" 8080 >/dev/null
	done
) &
reg=$!
for i in $(seq 1 20); do
	nsu -k "$KEYFILE" <<E >/dev/null
update add race$i.$Z 30 A 10.2.0.$i
E
	serials+=("$(soa_serial $Z)")
done
wait "$reg" || fail "registering during the race failed"
prev=0
for s in "${serials[@]}"; do
	[ "$s" -ge "$prev" ] || fail "serial went back: ${serials[*]}"
	prev=$s
done
check "serial strictly grew over the race" [ "${serials[19]}" -gt "${serials[0]}" ]
for i in $(seq 1 20); do
	[ "$(q_short race$i.$Z A)" = "10.2.0.$i" ] || fail "race$i lost"
done
check "all 21 app instances" [ "$(q_short web.$Z A | wc -l)" -eq 21 ]
log "ok - updates and registry changes both landed"

# Durable: over a clean restart and a kill -9 right after the answer.
restart_daemon
check "updates survive a restart" [ "$(q_short db.$Z A)" = 10.9.0.2 ]
expect_upd NOERROR "add before the crash" -k "$KEYFILE" <<E
update add crash.$Z 30 A 10.9.0.7
E
crash_daemon
relaunch_daemon
check "update survives kill -9" [ "$(q_short crash.$Z A)" = 10.9.0.7 ]
check "race names survive" [ "$(q_short race20.$Z A)" = 10.2.0.20 ]
