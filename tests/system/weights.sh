#!/usr/bin/env bash
# Weights: SRV records carry them, and the weighted shuffle of the A RRset
# puts the heavier address first more often (loose bounds, 300 queries).
. "$(dirname "$0")/lib.sh"
need_tools curl dig

start_daemon
Z=marathon.mesos
register web heavy 127.0.0.21 31001 9
register web light 127.0.0.22 31002 1

out=$(q_short _web._tcp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 1 31002 web-light.$Z. 0 9 31001 web-heavy.$Z. " ] || fail "SRV weights: '$out'"
log "ok - SRV weights 9 and 1"

N=300
for i in $(seq 1 $N); do echo "web.$Z A"; done > "$T/queries"
dig -r @127.0.0.1 -p "$DNS_PORT" +time=3 +tries=2 +norec +short -f "$T/queries" > "$T/answers"
# +short prints both addresses of every answer; the first of each pair counts.
firsts=$(awk 'NR % 2 == 1' "$T/answers")
total=$(printf '%s\n' "$firsts" | grep -c .)
heavy=$(printf '%s\n' "$firsts" | grep -c '^127\.0\.0\.21$')
light=$(printf '%s\n' "$firsts" | grep -c '^127\.0\.0\.22$')
log "first address: heavy $heavy, light $light of $total"
[ "$total" = "$N" ] || fail "$total answers of $N (answers not in pairs?)"
[ $((heavy + light)) = "$N" ] || fail "unexpected addresses: $(sort -u "$T/answers")"
# Expected 270 / 30. Bounds far out in the tails of the binomial.
[ "$heavy" -ge 225 ] || fail "heavier address first only $heavy times of $N"
[ "$light" -ge 5 ] || fail "lighter address first only $light times of $N: no shuffle?"
log "ok - weighted shuffle"

# Weight 0: listed with weight 0 in SRV, never preferred.
expect_http 200 PUT /v1/services/web/instances/light "$(instance_json light 127.0.0.22 31002 0)"
out=$(q_short _web._tcp.$Z SRV | tr '\n' ' ')
[ "$out" = "0 0 31002 web-light.$Z. 0 9 31001 web-heavy.$Z. " ] || fail "SRV after weight 0: '$out'"
log "ok - weight 0 in SRV"

stop_daemon
