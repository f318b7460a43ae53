#!/usr/bin/env bash
# Robustness: every message of the CZ.NIC dns-fuzzing corpus (9,774 raw
# messages, many malformed) is sent over UDP and over TCP; afterwards the
# daemon must still run, answer normal queries, stop cleanly, and (in an
# ASan/UBSan build) have reported nothing.
#
# The corpus: $STADION_FUZZ_CORPUS (a directory of messages, or one holding
# packet/), else ../shared/dns-fuzzing/packets.tgz beside the source tree,
# unpacked into the temp dir; without either the test is skipped.
. "$(dirname "$0")/lib.sh"
need_tools curl dig python3

corpus=
if [ -n "${STADION_FUZZ_CORPUS:-}" ]; then
	corpus=$STADION_FUZZ_CORPUS
	[ -d "$corpus/packet" ] && corpus=$corpus/packet
	[ -d "$corpus" ] || fail "STADION_FUZZ_CORPUS=$STADION_FUZZ_CORPUS is not a directory"
else
	tgz=$(cd "$top_srcdir/.." && pwd)/shared/dns-fuzzing/packets.tgz
	[ -f "$tgz" ] || skip "no corpus: set STADION_FUZZ_CORPUS or provide $tgz"
	tar xzf "$tgz" -C "$T" || fail "cannot unpack $tgz"
	corpus=$T/packet
fi
n=$(find "$corpus" -maxdepth 1 -type f | wc -l)
[ "$n" -gt 0 ] || fail "empty corpus $corpus"
log "corpus: $n messages in $corpus"

start_daemon --tcp-idle-timeout 5
Z=marathon.mesos
register web i1 127.0.0.11 31001
register web i2 ::1 31002
expect_http 201 POST /v1/services/db/instances '{"id":"d1","address":"127.0.0.21","ports":[{"port":5432,"name":"pg","protocol":"tcp"},{"port":53,"name":"dns","protocol":"udp"}]}'

python3 "$SYSTEM_DIR/dnstool.py" corpus 127.0.0.1 "$DNS_PORT" "$corpus" > "$T/corpus.out" ||
    fail "sender failed: $(cat "$T/corpus.out")"
sed "s/^/$TEST_NAME: /" "$T/corpus.out"
corpus_stat() { sed -n "s/^$1=//p" "$T/corpus.out"; }

daemon_alive || fail "stadiond died while the corpus was sent"
[ "$(corpus_stat udp_refused)" = 0 ] || fail "the UDP port stopped listening during the corpus"
[ "$(corpus_stat tcp_connect_failed)" = 0 ] || fail "TCP connections refused during the corpus"
# Many corpus messages are fine queries (most for names not ours: REFUSED),
# so most get an answer; and every answer has a header that fits its query.
[ "$(corpus_stat udp_valid)" -ge $((n / 4)) ] || fail "only $(corpus_stat udp_valid) valid UDP answers for $n messages"
[ "$(corpus_stat tcp_valid)" -ge $((n / 4)) ] || fail "only $(corpus_stat tcp_valid) valid TCP answers for $n messages"
[ "$(corpus_stat udp_marker_lost)" = 0 ] || fail "$(corpus_stat udp_marker_lost) well-formed marker queries went unanswered"
[ "$(corpus_stat udp_valid)" = "$(corpus_stat udp_answers)" ] ||
    fail "$(( $(corpus_stat udp_answers) - $(corpus_stat udp_valid) )) UDP answers without QR or with another id or opcode than their query"
[ "$(corpus_stat tcp_valid)" = "$(corpus_stat tcp_answers)" ] ||
    fail "$(( $(corpus_stat tcp_answers) - $(corpus_stat tcp_valid) )) TCP answers without QR or with another id or opcode than their query"
log "ok - $(corpus_stat udp_valid) valid UDP and $(corpus_stat tcp_valid) valid TCP answers"

# Still serving, over both transports, and the API too.
[ "$(q_short web.$Z A | tr '\n' ' ')" = "127.0.0.11 " ] || fail "web.$Z A after the corpus: $(q web.$Z A)"
[ "$(q +short web.$Z AAAA)" = ::1 ] || fail "web.$Z AAAA after the corpus"
out=$(q +tcp _db._tcp.$Z SRV)
expect_status NOERROR "$out" "SRV over TCP after the corpus"
[ "$(dig_count "$out" ANSWER)" = 1 ] || fail "SRV after the corpus: $out"
expect_http 200 GET /health
register web i3 127.0.0.13 31003
[ "$(q_short web.$Z A | tr '\n' ' ')" = "127.0.0.11 127.0.0.13 " ] || fail "registration after the corpus"
log "ok - still serving DNS and HTTP after the corpus"

stop_daemon
# Sanitizer reports fail the test in lib.sh's exit trap.
