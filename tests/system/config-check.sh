#!/usr/bin/env bash
# stadiond -n checks the configuration and exits: "configuration OK" for a
# good one, the error with FILE:LINE:COL and the key for a bad one.
. "$(dirname "$0")/lib.sh"
[ -x "$STADIOND" ] || fail "no daemon binary at $STADIOND"

# run_n FILE [ARGS...]: sets OUT and RC of stadiond -n -c FILE.
run_n() {
	local f=$1
	shift
	OUT=$("$STADIOND" -n -c "$f" "$@" 2>&1)
	RC=$?
}

cat > "$T/good.json" <<'JSON'
{
  "state_dir": "/nonexistent/state",
  "dns_listen": ["127.0.0.1:5353", "[::1]:5353"],
  "http_listen": "127.0.0.1:8053",
  "domain": "mesos",
  "framework": "marathon",
  "ttl": 30,
  "threads": 2,
  "log_level": "info",
  "edns_udp_size": 1400,
  "chaos_version": ""
}
JSON
run_n "$T/good.json"
[ "$RC" = 0 ] || fail "good config: status $RC: $OUT"
printf '%s\n' "$OUT" | grep -q 'configuration OK' || fail "good config: '$OUT'"
log "ok - good config: $OUT"

# No -c at all: the built-in defaults are fine.
OUT=$("$STADIOND" -n 2>&1) || fail "defaults: $OUT"
printf '%s\n' "$OUT" | grep -q 'configuration OK' || fail "defaults: '$OUT'"

# bad_config NAME WANT_REGEX JSON: -n must fail and print WANT.
bad_config() {
	local name=$1 want=$2
	printf '%s\n' "$3" > "$T/$name.json"
	run_n "$T/$name.json"
	[ "$RC" != 0 ] || fail "$name: status 0 for a bad config: $OUT"
	printf '%s\n' "$OUT" | grep -q 'configuration OK' && fail "$name: 'configuration OK' for a bad config"
	printf '%s\n' "$OUT" | grep -qE "$want" || fail "$name: message '$OUT' does not match /$want/"
	log "ok - $name: $OUT"
}

# Line 3 column 10 is where the value of "ttl" starts.
bad_config bad-ttl "$T/bad-ttl.json:3:[0-9]+: .*'ttl'" '{
  "domain": "mesos",
  "ttl": "sixty"
}'
bad_config bad-range "$T/bad-range.json:2:[0-9]+: .*'threads'" '{
  "threads": 100000
}'
bad_config unknown-key "$T/unknown-key.json:4:[0-9]+: .*'dns_lisen'" '{
  "domain": "mesos",
  "ttl": 60,
  "dns_lisen": ["127.0.0.1:53"]
}'
bad_config syntax "$T/syntax.json:3:[0-9]+" '{
  "domain": "mesos",
  "ttl": 60,,
}'
bad_config bad-level "$T/bad-level.json:2:[0-9]+: .*'log_level'" '{
  "log_level": "loud"
}'
bad_config bad-listen "dns_listen" '{
  "dns_listen": ["localhost"]
}'
bad_config bad-domain "domain" '{
  "domain": "not a domain!"
}'
bad_config not-object "$T/not-object.json:1:[0-9]+" '["a", "b"]'

OUT=$("$STADIOND" -n -c "$T/missing.json" 2>&1) && fail "missing config file accepted: $OUT"
printf '%s\n' "$OUT" | grep -q "missing.json" || fail "missing file not named: $OUT"
log "ok - missing file: $OUT"

# Flags are checked too, and override the file.
OUT=$("$STADIOND" -n --ttl abc 2>&1) && fail "--ttl abc accepted: $OUT"
printf '%s\n' "$OUT" | grep -q 'ttl' || fail "--ttl abc: message without the option: $OUT"
log "ok - bad flag: $OUT"
OUT=$("$STADIOND" -n --no-such-flag 2>&1) && fail "unknown flag accepted: $OUT"
run_n "$T/bad-ttl.json" --ttl 5
[ "$RC" != 0 ] || fail "a bad file is still bad when a flag sets the same key"
run_n "$T/good.json" --ttl 5 --threads 1
[ "$RC" = 0 ] || fail "good file with flags: $OUT"

# Zone transfers: key names and networks, notify targets.
run_n "$T/good.json" --allow-transfer xfr.key --allow-transfer 10.0.0.0/8 \
    --notify 127.0.0.1:5300 --notify '[::1]:53' --ixfr-journal-max 0
[ "$RC" = 0 ] || fail "transfer flags: $OUT"
bad_config bad-acl "key 'allow_transfer': '10.0.0.0/33'" \
    '{ "allow_transfer": ["xfr", "10.0.0.0/33"] }'
bad_config bad-notify "key 'notify': '10.0.0.3' is not ADDR:PORT" \
    '{ "notify": ["10.0.0.3"] }'
bad_config bad-journal "$T/bad-journal.json:1:[0-9]+: .*'ixfr_journal_max'" \
    '{ "ixfr_journal_max": -1 }'

# -n binds nothing and writes no state.
run_n "$T/good.json"
[ ! -e /nonexistent/state ] || fail "-n created the state dir"
log "ok - -n creates no state"

# --help and --version.
"$STADIOND" --help > "$T/help" 2>&1 || fail "--help exited non-zero"
for opt in state-dir dns-listen http-listen domain framework zones-dir address threads ttl log-level edns-udp-size tcp-idle-timeout chaos-version chaos-id; do
	grep -q -- "--$opt" "$T/help" || fail "--help does not mention --$opt"
done
"$STADIOND" --version 2>&1 | grep -q '[0-9]\.[0-9]' || fail "--version prints no version"
log "ok - --help lists the options, --version"
