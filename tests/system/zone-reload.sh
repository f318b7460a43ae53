#!/usr/bin/env bash
# Static zone files: loaded at start, reloaded on SIGHUP; a broken file is
# reported and the old data kept. Files may define a new zone or add records
# to the built-in <domain> zone.
. "$(dirname "$0")/lib.sh"
need_tools curl dig kdig

write_zone() {
	cat > "$T/zones/example.test.zone" <<ZONE
\$ORIGIN example.test.
\$TTL 300
@       IN SOA ns1.example.test. hostmaster.example.test. $1 3600 600 86400 60
        IN NS  ns1
ns1     IN A   127.0.0.60
www     IN A   127.0.0.61
        IN AAAA 2001:db8::61
mail    IN MX  10 mx.example.test.
txt     IN TXT "hello world"
ZONE
}
write_zone 2024010101
cat > "$T/zones/mesos.zone" <<'ZONE'
$ORIGIN mesos.
$TTL 60
gateway IN A 127.0.0.70
ZONE

# The example shipped in zones/ (the default --zones-dir) must load too.
cp "$top_srcdir/zones/example.zone" "$T/zones/" || fail "no zones/example.zone in the source tree"

start_daemon
Z=marathon.mesos
register web i1 127.0.0.11 31001

[ "$(q_short www.example.stadion A | tr '\n' ' ')" = "192.0.2.10 192.0.2.11 " ] ||
    fail "zones/example.zone: www.example.stadion A: $(q www.example.stadion A)"
[ "$(q +short example.stadion MX)" = "10 mail.example.stadion." ] || fail "zones/example.zone: MX"
out=$(q docs.example.stadion A)
dig_section "$out" ANSWER | grep -q 'CNAME' || fail "zones/example.zone: docs CNAME: $out"
log "ok - the shipped zones/example.zone is served"

[ "$(q +short www.example.test A)" = 127.0.0.61 ] || fail "www.example.test A at start: $(q www.example.test A)"
[ "$(q +short www.example.test AAAA)" = 2001:db8::61 ] || fail "www.example.test AAAA"
[ "$(q +short mail.example.test MX)" = "10 mx.example.test." ] || fail "MX"
[ "$(q +short txt.example.test TXT)" = '"hello world"' ] || fail "TXT"
[ "$(q +short example.test SOA | awk '{ print $3 }')" = 2024010101 ] || fail "example.test SOA serial"
out=$(q www.example.test A)
has_flag "$out" aa || fail "zone file answer without AA"
out=$(q nosuch.example.test A)
expect_status NXDOMAIN "$out" "nosuch.example.test"
dig_section "$out" AUTHORITY | grep -q 'SOA' || fail "NXDOMAIN in example.test without SOA"
[ "$(q +short gateway.mesos A)" = 127.0.0.70 ] || fail "gateway.mesos from mesos.zone: $(q gateway.mesos A)"
[ "$(q +short leader.mesos A)" = 127.0.0.1 ] || fail "leader.mesos with a mesos.zone file"
[ "$(q +short web.$Z A)" = 127.0.0.11 ] || fail "registry names with zone files"
log "ok - zone files loaded at start"

# Add a record, SIGHUP, and the new record is served.
write_zone 2024010102
echo 'new     IN A   127.0.0.62' >> "$T/zones/example.test.zone"
echo 'gateway2 IN A 127.0.0.71' >> "$T/zones/mesos.zone"
mesos_serial=$(soa_serial mesos)
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "[ \"\$(dig -r @127.0.0.1 -p $DNS_PORT +short new.example.test A)\" = 127.0.0.62 ]" ||
    fail "new.example.test not served after SIGHUP: $(q new.example.test A)"
[ "$(q +short example.test SOA | awk '{ print $3 }')" = 2024010102 ] || fail "serial of example.test after reload"
[ "$(kq +short gateway2.mesos A)" = 127.0.0.71 ] || fail "gateway2.mesos after reload"
[ "$(soa_serial mesos)" -gt "$mesos_serial" ] || fail "mesos serial not bumped by the reload"
[ "$(q +short web.$Z A)" = 127.0.0.11 ] || fail "registry names after reload"
log "ok - SIGHUP: added records served"

# A record removed from the file goes away.
sed -i '/^txt/d' "$T/zones/example.test.zone"
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "dig -r @127.0.0.1 -p $DNS_PORT txt.example.test TXT | grep -q 'status: NXDOMAIN'" ||
    fail "txt.example.test still served after its removal: $(q txt.example.test TXT)"
log "ok - SIGHUP: removed records gone"

# A broken file: logged, old data kept.
cp "$T/zones/example.test.zone" "$T/example.good"
printf 'broken IN A 999.1.2.3\n' >> "$T/zones/example.test.zone"
echo 'gateway3 IN A 127.0.0.72' >> "$T/zones/mesos.zone"
kill -HUP "$DAEMON_PID"
wait_for 10 grep -q 'example.test.zone:[0-9]' "$DAEMON_LOG" ||
    fail "no FILE:LINE message in the log for the broken file"
sleep 0.5
daemon_alive || fail "stadiond died on a broken zone file"
[ "$(q +short new.example.test A)" = 127.0.0.62 ] || fail "old data lost with a broken file"
[ "$(q +short www.example.test A)" = 127.0.0.61 ] || fail "old data lost with a broken file"
out=$(q gateway3.mesos A)
expect_status NXDOMAIN "$out" "gateway3.mesos (the other file's change is not applied either)"
out=$(q broken.example.test A)
expect_status NXDOMAIN "$out" "broken.example.test"
log "ok - broken file: old data kept ($(grep 'example.test.zone:' "$DAEMON_LOG" | tail -n 1))"

# Fixed again: loads.
cp "$T/example.good" "$T/zones/example.test.zone"
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "[ \"\$(dig -r @127.0.0.1 -p $DNS_PORT +short gateway3.mesos A)\" = 127.0.0.72 ]" ||
    fail "gateway3.mesos not served after fixing the file"

# A zone file removed: its zone is no longer ours.
rm "$T/zones/example.test.zone"
kill -HUP "$DAEMON_PID"
wait_for 10 sh -c "dig -r @127.0.0.1 -p $DNS_PORT www.example.test A | grep -q 'status: REFUSED'" ||
    fail "example.test still served after its file was removed: $(q www.example.test A)"
log "ok - removed zone file: REFUSED"

# Zone data survives a restart too (loaded from the files again).
restart_daemon
[ "$(q +short gateway3.mesos A)" = 127.0.0.72 ] || fail "gateway3.mesos after restart"
[ "$(q +short web.$Z A)" = 127.0.0.11 ] || fail "web after restart"
stop_daemon
