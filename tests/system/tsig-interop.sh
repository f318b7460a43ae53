#!/usr/bin/env bash
# TSIG (RFC 8945) against independent implementations, live: requests
# signed by BIND's dig and nsupdate and Knot's kdig and knsupdate are checked
# by stadion's code (tsigtool serve), and the answers it signs are checked by
# those clients: every algorithm, UDP and TCP, a truncated MAC, a multi-
# message AXFR signed in a chain, and the BADKEY, BADSIG, BADTIME and
# BADTRUNC answers. Answers spoilt on purpose (tsigtool -b) show that the
# clients do check what we sign.
. "$(dirname "$0")/lib.sh"
need_tools dig kdig nsupdate knsupdate base64

TSIGTOOL=${TSIGTOOL:-$top_builddir/tests/system/tsigtool}
[ -x "$TSIGTOOL" ] || fail "no $TSIGTOOL (built by make check)"

secret() { head -c "$1" /dev/urandom | base64 -w0; }
S1=$(secret 20)
S224=$(secret 28)
S256=$(secret 32)
S384=$(secret 48)
S512=$(secret 64)
cat > "$T/keys.conf" <<EOF
# Keys as tsig-keygen writes them, and in the other forms BIND reads.
key "k1.example" {
	algorithm hmac-sha1;
	secret "$S1";
};
key "k224.example" { algorithm hmac-sha224; secret "$S224"; };
key k256.example {
	algorithm "hmac-sha256";	// quoted, as named.conf allows
	secret "$S256";
};
/* 384 and 512 */
key "k384.example" { algorithm hmac-sha384; secret "$S384"; };
key "k512.example" { algorithm hmac-sha512; secret "$S512"; };
key "t256.example" { algorithm hmac-sha256-128; secret "$S256"; };
EOF
# nsupdate -k reads one key from a file of the same format.
printf 'key "k256.example" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' \
    "$S256" > "$T/k256.key"

# tool_start [OPTIONS]: tsigtool serve on a fresh port ($P); its output goes
# to the daemon log that lib.sh prints when the test fails, and lib.sh's
# clean-up stops it as it would stop the daemon.
tool_start() {
	rm -f "$T/port"
	echo "### tsigtool serve $*" >> "$DAEMON_LOG"
	"$TSIGTOOL" serve "$@" "$T/keys.conf" "$T/port" >> "$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	local i
	for i in $(seq 1 50); do
		[ -s "$T/port" ] && break
		sleep 0.1
	done
	P=$(cat "$T/port" 2>/dev/null) || fail "tsigtool serve did not start"
}

tool_stop() {
	kill "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# last_verdict: what tsigtool made of the last request ("udp 0 www.example. NOERROR").
last_verdict() {
	grep -v '^###' "$DAEMON_LOG" | tail -n 1
}

expect_verdict() {
	local got
	got=$(last_verdict)
	[ "$got" = "$1" ] || fail "$2: stadion's verdict '$got', expected '$1'"
}

d() { dig -r @127.0.0.1 -p "$P" +time=3 +tries=1 +norec "$@"; }
kd() { kdig @127.0.0.1 -p "$P" +time=3 +retry=0 +norec "$@"; }

# dig_verified OUTPUT: dig got TSIG RRs, checked them, and all were good.
dig_verified() {
	printf '%s\n' "$1" | grep -q '	ANY	TSIG	' &&
	    ! printf '%s\n' "$1" | grep -qE "Couldn't verify|could not be validated"
}

# kdig_verified OUTPUT
kdig_verified() {
	printf '%s\n' "$1" | grep -qE 'ANY[[:space:]]+TSIG[[:space:]]' &&
	    ! printf '%s\n' "$1" | grep -q 'reply verification'
}

upd() {
	printf 'server 127.0.0.1 %s\nzone example\nupdate add x.example 60 A 192.0.2.9\nsend\n' "$P"
}

tool_start
secret_of() { eval "echo \$S$1"; }

# ---------------------------------------------------------------- queries
for a in 1 224 256 384 512; do
	key=hmac-sha$a:k$a.example:$(secret_of "$a")
	out=$(d -y "$key" www.example A)
	expect_status NOERROR "$out" "dig -y hmac-sha$a"
	expect_verdict "udp 0 www.example. NOERROR" "dig -y hmac-sha$a"
	dig_verified "$out" || fail "dig did not verify our hmac-sha$a answer: $out"
	out=$(kd -y "$key" www.example A 2>&1)
	expect_status NOERROR "$out" "kdig -y hmac-sha$a"
	expect_verdict "udp 0 www.example. NOERROR" "kdig -y hmac-sha$a"
	kdig_verified "$out" || fail "kdig did not verify our hmac-sha$a answer: $out"
done
out=$(kd +tcp -y "hmac-sha256:k256.example:$S256" www.example A 2>&1)
expect_verdict "tcp 0 www.example. NOERROR" "kdig +tcp"
kdig_verified "$out" || fail "kdig +tcp did not verify our answer: $out"
log "ok - kdig +tcp verified"

# ---------------------------------------------------------------- updates
upd | nsupdate -y "hmac-sha256:k256.example:$S256" || fail "nsupdate -y (UDP)"
expect_verdict "udp 5 example. NOERROR" "nsupdate -y"
upd | nsupdate -v -k "$T/k256.key" || fail "nsupdate -v -k (TCP, key file)"
expect_verdict "tcp 5 example. NOERROR" "nsupdate -k"
upd | knsupdate -y "hmac-sha512:k512.example:$S512" > "$T/kn.out" 2>&1 ||
    fail "knsupdate -y: $(cat "$T/kn.out")"
expect_verdict "udp 5 example. NOERROR" "knsupdate -y"
! grep -q 'reply verification' "$T/kn.out" || fail "knsupdate: $(cat "$T/kn.out")"
log "ok - nsupdate -y, nsupdate -k, knsupdate -y: signed answers accepted"

# ---------------------------------------------------------------- truncated MAC
out=$(d -y "hmac-sha256-128:t256.example:$S256" www.example A)
expect_status NOERROR "$out" "dig -y hmac-sha256-128, key allowing it"
expect_verdict "udp 0 www.example. NOERROR" "truncated MAC"
dig_verified "$out" || fail "dig did not verify our truncated MAC: $out"
printf '%s\n' "$out" | grep -qE 'TSIG	hmac-sha256\. [0-9]+ 300 16 ' ||
    fail "answer MAC not truncated to 16 octets: $out"
out=$(d -y "hmac-sha256-128:k256.example:$S256" www.example A)
expect_status NOTAUTH "$out" "truncated MAC, key wanting all of it"
expect_verdict "udp 0 www.example. BADTRUNC" "BADTRUNC"
printf '%s\n' "$out" | grep -q "Couldn't verify signature: tsig indicates error" ||
    fail "dig did not take our signed BADTRUNC answer: $out"

# ---------------------------------------------------------------- errors
out=$(d -y "hmac-sha256:k256.example:$S384" www.example A)
expect_status NOTAUTH "$out" "wrong secret"
expect_verdict "udp 0 www.example. BADSIG" "wrong secret"
printf '%s\n' "$out" | grep -qE 'TSIG	hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADSIG 0' ||
    fail "BADSIG answer not unsigned: $out"
if upd | nsupdate -y "hmac-sha256:k256.example:$S384" > "$T/ns.out" 2>&1; then
	fail "nsupdate with a wrong secret succeeded"
fi
grep -q 'NOTAUTH(BADSIG)' "$T/ns.out" || fail "nsupdate, wrong secret: $(cat "$T/ns.out")"
log "ok - nsupdate with a wrong secret: NOTAUTH(BADSIG)"

out=$(d -y "hmac-sha256:nosuch.example:$S256" www.example A)
expect_status NOTAUTH "$out" "unknown key"
expect_verdict "udp 0 www.example. BADKEY" "unknown key"
printf '%s\n' "$out" | grep -qE 'nosuch\.example\..*TSIG	hmac-sha256\. [0-9]+ 300 0 [0-9]+ BADKEY 0' ||
    fail "BADKEY answer: $out"
out=$(d -y "hmac-sha512:k256.example:$S256" www.example A)
expect_verdict "udp 0 www.example. BADKEY" "key known under another algorithm"
tool_stop

# Our clock 1000 s ahead: BADTIME, signed, with our time in Other Data.
tool_start -s 1000
out=$(d -y "hmac-sha256:k256.example:$S256" www.example A)
expect_status NOTAUTH "$out" "clock skew"
expect_verdict "udp 0 www.example. BADTIME" "clock skew"
printf '%s\n' "$out" | grep -q "Couldn't verify signature: clocks are unsynchronized" ||
    fail "dig did not verify our BADTIME answer: $out"
out=$(kd -y "hmac-sha256:k256.example:$S256" www.example A 2>&1)
theirs=$(printf '%s\n' "$out" | sed -n 's/.*TSIG.* BADTIME 6 \([0-9]*\)$/\1/p')
[ -n "$theirs" ] || fail "kdig: no server time in the BADTIME answer: $out"
skew=$((theirs - $(date +%s)))
[ "$skew" -ge 990 ] && [ "$skew" -le 1010 ] || fail "BADTIME Other Data $theirs is $skew s off, expected 1000"
printf '%s\n' "$out" | grep -q 'TSIG out of time window' ||
    fail "kdig did not verify our BADTIME answer: $out"
log "ok - BADTIME answers verified by dig and kdig, our clock in Other Data"
tool_stop

# ---------------------------------------------------------------- AXFR
tool_start -m 5
out=$(d -y "hmac-sha256:k256.example:$S256" example AXFR)
printf '%s\n' "$out" | grep -q 'XFR size: 202 records (messages 5' || fail "dig AXFR: $out"
[ "$(printf '%s\n' "$out" | grep -c 'ANY	TSIG	hmac-sha256\..* NOERROR 0')" = 5 ] ||
    fail "dig AXFR: not 5 signed messages: $out"
dig_verified "$out" || fail "dig did not verify our AXFR chain: $out"
expect_verdict "tcp 0 example. NOERROR" "dig AXFR"
log "ok - dig verified an AXFR of 5 messages signed in a chain"
# kdig 3.2 does not check the TSIG of transfers: it only has to take it.
out=$(kd -y "hmac-sha256:k256.example:$S256" example AXFR 2>&1)
printf '%s\n' "$out" | grep -q '(5 messages, 202 records)' || fail "kdig AXFR: $out"
tool_stop

# ---------------------------------------------------------------- spoilt MACs
# The clients do check: a flipped bit in the first answer, or in the third
# message of a transfer, is caught (and so the answers above were verified).
tool_start -b 0
out=$(d -y "hmac-sha256:k256.example:$S256" www.example A)
printf '%s\n' "$out" | grep -q "Couldn't verify signature: tsig verify failure" ||
    fail "dig took a spoilt MAC: $out"
out=$(kd -y "hmac-sha256:k256.example:$S256" www.example A 2>&1)
printf '%s\n' "$out" | grep -q 'failed to verify TSIG' || fail "kdig took a spoilt MAC: $out"
if upd | nsupdate -y "hmac-sha256:k256.example:$S256" > "$T/ns.out" 2>&1; then
	fail "nsupdate took a spoilt MAC"
fi
tool_stop
tool_start -m 5 -b 2
out=$(d -y "hmac-sha256:k256.example:$S256" example AXFR)
printf '%s\n' "$out" | grep -q "Couldn't verify signature: tsig verify failure" ||
    fail "dig took an AXFR with a spoilt third MAC: $out"
tool_stop
log "ok - spoilt MACs are refused by dig, kdig and nsupdate"
