#!/usr/bin/env bash
# 100 instances do not fit in a UDP answer: TC over UDP, everything over TCP,
# and dig / kdig fall back to TCP by themselves.
. "$(dirname "$0")/lib.sh"
need_tools curl dig kdig

start_daemon
Z=marathon.mesos
for i in $(seq 1 100); do
	register many m$i 10.1.$((i / 250)).$((i % 250 + 1)) $((20000 + i))
done
log "100 instances registered"

out=$(q +ignore +notcp many.$Z A)
has_flag "$out" tc || fail "UDP answer to 100 addresses without TC: $out"
printf '%s\n' "$out" | grep -q '(UDP)' || fail "not asked over UDP"
log "ok - dig +ignore +notcp: tc flag ($(dig_count "$out" ANSWER) answers)"

out=$(q +ignore +notcp +noedns many.$Z A)
has_flag "$out" tc || fail "UDP answer without EDNS and without TC"

out=$(q +tcp many.$Z A)
expect_status NOERROR "$out" "dig +tcp many.$Z A"
has_flag "$out" tc && fail "TC over TCP"
n=$(dig_section "$out" ANSWER | awk '$4 == "A"' | sort -u | wc -l)
[ "$n" = 100 ] || fail "TCP answer with $n distinct addresses, expected 100"
log "ok - dig +tcp: all 100 addresses"

out=$(q many.$Z A)
printf '%s\n' "$out" | grep -q 'Truncated, retrying in TCP mode' || fail "dig did not retry over TCP: $out"
n=$(dig_section "$out" ANSWER | awk '$4 == "A"' | wc -l)
[ "$n" = 100 ] || fail "dig with automatic TCP retry: $n addresses"
log "ok - dig retries over TCP by itself and gets 100 addresses"

out=$(kq many.$Z A)
n=$(count_rr "$out" A)
[ "$n" = 100 ] || fail "kdig with automatic TCP retry: $n addresses: $out"
out=$(kq +ignore many.$Z A)
printf '%s\n' "$out" | grep -q 'Flags:.* tc' || fail "kdig +ignore: no tc flag: $out"
log "ok - kdig: tc over UDP, 100 over its TCP retry"

# SRV: 100 records plus 100 addresses in the additional section over TCP.
out=$(q +ignore +notcp _many._tcp.$Z SRV)
has_flag "$out" tc || fail "SRV over UDP without TC"
out=$(q +tcp _many._tcp.$Z SRV)
[ "$(dig_count "$out" ANSWER)" = 100 ] || fail "SRV over TCP: $(dig_count "$out" ANSWER) answers"
n=$(dig_section "$out" ADDITIONAL | awk '$4 == "A"' | wc -l)
[ "$n" = 100 ] || fail "SRV over TCP: $n addresses in the additional section"
log "ok - 100 SRV + 100 additional addresses over TCP"

daemon_alive || fail "stadiond died"
stop_daemon
