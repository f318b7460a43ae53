#!/usr/bin/env bash
# bench/rolling.sh -- a rolling update of 10 instances under client load:
# how long it takes, what a client sees, how fast a broken version rolls
# back, and what a naive replacement costs the same client.
#
#   bench/rolling.sh           (from anywhere; needs a built stadiond)
#
# For each TTL in TTLS ("1 5"; stadion drains a replaced instance for
# TTL + 1 s: out of DNS, still serving, then stopped), one stadiond
# (--ttl TTL, own temp state dir, free loopback ports) and one app of N
# (10) busybox httpd instances that serve their version at /index.html,
# checked over HTTP every second (tests/system/deploy-lib.sh: dep_app).
# Then REPS (3) times, each phase under its own client load
# (tests/system/loadloop.py, WORKERS threads, finding the instances only
# through _<app>._tcp.marathon.mesos SRV, honouring the TTL, a GET per
# request; the load runs LEAD s before the PUT and TAIL s after the end,
# TTL + 1 s by default: until no client can hold a record from before
# the end, so a replacement that leaves stale records behind pays for
# them in its window too):
#
#   roll      PUT a new version, upgradeStrategy maxSurge 25%,
#             maxUnavailable 25% (the default, given explicitly because a
#             PUT keeps the strategy of the version before): the time from
#             the PUT to deployment_success (/v2/events; the poll of
#             /v2/deployments is checked against it), failed/total
#             requests. Target 0 failed (at most 1%).
#   rollback  PUT a broken version (the instances write other.html, the
#             health check asks /index.html; gracePeriodSeconds 1,
#             maxConsecutiveFailures 1; failureThreshold 3, the default):
#             from the PUT to (a) deployment_failed, (b) the old version
#             back at full strength: the rollback's deployment_success
#             and N SRV records that all answer the old version. Target
#             under 60 s, aim under 10 s; failed/total.
#   naive     the baseline: a new version replaced with no care, through
#             stadion: {"minimumHealthCapacity":0,"maximumOverCapacity":0,
#             "drainSeconds":0}: the old instances are killed at once, the
#             new ones started (what "stop the old, start the new" gives).
#   mhc0      Marathon's minimumHealthCapacity 0 as is
#             ({"minimumHealthCapacity":0,"maximumOverCapacity":0}), which
#             keeps stadion's drain: what the drain alone buys.
#   hap-roll  roll, with the clients going through HAProxy (below).
#   hap-naive naive, with the clients going through HAProxy: its own
#             health checks (and retries) are what protect them.
#
# The comparison: HAProxy in front of the app as it is usually put in front
# of Mesos-DNS or Consul apps, resolving the app's SRV name in stadion's DNS
# itself (one haproxy per stadiond, in the foreground, config, stats socket
# and log in the temp dir): a "resolvers" section on stadion's DNS port
# (hold valid 1s, accepted_payload_size 8192; it asks every second,
# "timeout resolve" 1s by default, and drops a server missing from the
# answer at once, "hold obsolete" 0s; HAProxy 2.6 applies "hold valid" to
# do-resolve actions only, and ignores the records' TTL), a
# backend "app" of server-template web HAP_SLOTS (20) on the SRV name,
# balance roundrobin, option httpchk GET /index.html, inter 1s fall 2
# rise 1, retries 3 and option redispatch (marathon-lb's defaults;
# HAP_REDISPATCH=0 leaves out the redispatch), and a frontend on a free
# loopback port. That frontend is registered in stadion as the instance
# "hap" of the service hap<pid> (PUT /v1/services/hap<pid>/instances/hap,
# health "healthy"), so the same loadloop, given _hap<pid>._tcp SRV, finds
# HAProxy through DNS and sends its requests through it. Before each
# HAProxy phase HAProxy has N servers UP, the ports of the app's SRV
# records (bench/rolling_hap.py ready); its counters (retries,
# redispatches, connection errors, 5xx) are taken before and after.
#
# bench/rolling_measure.py sends each PUT and watches the events, the
# deployments and DNS (every 50 ms). Prints a table of medians over REPS,
# then the HAProxy rows against the direct ones: failed requests and
# request rates (loadloop gives no latency).
#
# Environment: STADIOND (default _build/default/src/stadiond), REPS (3),
# N (10), TTLS ("1 5"), WORKERS (4), LEAD (1), TAIL (TTL + 1), PHASE_TIMEOUT
# (seconds, 180), DRIVER (process, or docker: stadion-test/busybox through
# tests/system/docker-env.sh), HAPROXY (haproxy), HAP_SLOTS (20),
# HAP_REDISPATCH (1), KEEP=1 keeps the temp dir (daemon and haproxy logs,
# configs, raw results). Traffic goes to 127.0.0.1 only; every process,
# container and daemon started is stopped on exit.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
: "${STADIOND:=$top/_build/default/src/stadiond}"
REPS=${REPS:-3}
N=${N:-10}
TTLS=${TTLS:-1 5}
WORKERS=${WORKERS:-4}
LEAD=${LEAD:-1}
TAIL=${TAIL:-}
PHASE_TIMEOUT=${PHASE_TIMEOUT:-180}
DRIVER=${DRIVER:-process}
HAPROXY=${HAPROXY:-haproxy}
HAP_SLOTS=${HAP_SLOTS:-20}
HAP_REDISPATCH=${HAP_REDISPATCH:-1}
CMDLINE="bench/rolling.sh${*:+ $*}"
ENVLINE=$(env | grep -E '^(STADIOND|REPS|N|TTLS|WORKERS|LEAD|TAIL|PHASE_TIMEOUT|DRIVER|HAPROXY|HAP_SLOTS|HAP_REDISPATCH)=' | sort | tr '\n' ' ' || true)

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
T=$(mktemp -d "${TMPDIR:-/tmp}/stadion-rolling.XXXXXX")
RUN=$$
MEASURE=$top/bench/rolling_measure.py
LOADLOOP=$top/tests/system/loadloop.py
HAPCTL=$top/bench/rolling_hap.py
IMAGE=stadion-test/busybox:latest
LOAD_PID=
HAP_PID=
HAP_SOCK=

BENCH_TAG=rolling
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"

[ -x "$STADIOND" ] || die "no $STADIOND: build first (cd _build/default && make)"
for c in curl python3 busybox "$HAPROXY"; do
	command -v "$c" >/dev/null || die "$c not found"
done
case $DRIVER in
process) ;;
docker) command -v docker >/dev/null || die "docker not found" ;;
*) die "DRIVER: process or docker" ;;
esac

# The app: one name of this run (a docker engine may be shared).
DEP_APP=/roll$RUN
DAEMON_APPS=$DEP_APP
DEP_N=$N
DEP_IMAGE=
[ "$DRIVER" = docker ] && DEP_IMAGE=$IMAGE
SRV=_roll$RUN._tcp.marathon.mesos
# The HAProxy frontend, as a /v1/services service.
HAP_SVC=hap$RUN
HAP_SRV=_$HAP_SVC._tcp.marathon.mesos
# dep_app of the deployment tests (it only needs DEP_APP, DEP_N, DEP_IMAGE).
# shellcheck source=tests/system/deploy-lib.sh
. "$top/tests/system/deploy-lib.sh"

load_kill() {
	[ -n "$LOAD_PID" ] || return 0
	touch "$T/load.stop"
	kill -TERM "$LOAD_PID" 2>/dev/null || true
	wait "$LOAD_PID" 2>/dev/null || true
	LOAD_PID=
}

stop_haproxy() {
	[ -n "$HAP_PID" ] || return 0
	kill -TERM "$HAP_PID" 2>/dev/null || true
	wait "$HAP_PID" 2>/dev/null || true
	HAP_PID=
}

stop_daemon() {
	stop_haproxy
	[ -z "$DAEMON_PID" ] || api DELETE "/v1/services/$HAP_SVC" >/dev/null 2>&1 || true
	daemon_stop
}

cleanup() {
	local rc=$?
	set +e
	load_kill
	stop_daemon
	if [ "$DOCKER_UP" = 1 ]; then
		docker ps -aq --filter "label=stadion.app=$DEP_APP" | xargs -r docker rm -f >/dev/null 2>&1
		docker_env_stop >/dev/null 2>&1
	fi
	bench_rm_tmp
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_daemon TTL
start_daemon() {
	local ttl=$1 endpoint=unix://$T/no-docker.sock
	[ "$DRIVER" = docker ] && endpoint=unix://$DOCKER_SOCK
	daemon_start "$T/ttl$ttl" $((N * 10)) --ttl "$ttl" --docker-endpoint "$endpoint"
	say "ttl $ttl: stadiond on DNS 127.0.0.1:$DNS_PORT, HTTP $HTTP_PORT, instance ports $PORT_LO-$PORT_HI"
}

hap_ready() {
	python3 "$HAPCTL" ready "$HAP_SOCK" "$DNS_PORT" "$SRV" "$N" 2> "$T/hap.ready"
}

# start_haproxy TTL: haproxy in front of the app, resolving its SRV name in
# stadion's DNS, registered in stadion as the service HAP_SVC.
start_haproxy() {
	local ttl=$1 dir=$T/ttl$1 port redispatch=
	port=$(python3 "$top/tests/system/free_port.py")
	HAP_SOCK=$dir/haproxy.sock
	[ "$HAP_REDISPATCH" = 1 ] && redispatch='    option redispatch'
	cat > "$dir/haproxy.cfg" <<EOF
global
    stats socket $HAP_SOCK mode 600 level admin
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    retries 3
$redispatch
resolvers stadion
    nameserver s1 127.0.0.1:$DNS_PORT
    hold valid 1s
    accepted_payload_size 8192
backend app
    balance roundrobin
    option httpchk GET /index.html
    default-server inter 1s fall 2 rise 1 check
    server-template web $HAP_SLOTS $SRV resolvers stadion resolve-prefer ipv4 init-addr none
frontend f
    bind 127.0.0.1:$port
    default_backend app
EOF
	"$HAPROXY" -c -q -f "$dir/haproxy.cfg" > "$dir/haproxy.log" 2>&1 ||
	    { cat "$dir/haproxy.log" >&2; die "haproxy -c: $dir/haproxy.cfg is not valid"; }
	"$HAPROXY" -db -f "$dir/haproxy.cfg" >> "$dir/haproxy.log" 2>&1 &
	HAP_PID=$!
	api PUT "/v1/services/$HAP_SVC/instances/hap" \
	    '{"address":"127.0.0.1","ports":[{"port":'"$port"',"name":"http","protocol":"tcp"}],"health":"healthy"}' \
	    > "$T/hap.reg" || die "registering $HAP_SVC: $(cat "$T/hap.reg")"
	wait_until 30 hap_ready ||
	    { cat "$dir/haproxy.log" >&2; die "haproxy has not the $N servers: $(cat "$T/hap.ready")"; }
	say "ttl $ttl: haproxy (pid $HAP_PID) on 127.0.0.1:$port, $HAP_SRV in DNS"
}

# ---------------------------------------------------------------- phases

load_going() {
	[ -s "$T/load.json" ] &&
	    [ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ok"])' "$T/load.json")" -gt 0 ]
}

ROLL='{"type":"RollingUpdate","maxSurge":"25%","maxUnavailable":"25%"}'
NAIVE='{"minimumHealthCapacity":0,"maximumOverCapacity":0,"drainSeconds":0}'
MHC0='{"minimumHealthCapacity":0,"maximumOverCapacity":0}'
BROKEN_HC='{"gracePeriodSeconds":1,"maxConsecutiveFailures":1}'
VER=0
CUR=

# phase TTL REP NAME: one measured phase under load; appends to results.
phase() {
	local ttl=$1 rep=$2 name=$3 mode=update want out rc=0 srv=$SRV
	local hap_before='{}' hap_after='{}'
	VER=$((VER + 1))
	case $name in
	roll | hap-roll) want=v$VER; dep_app "$want" "$ROLL" > "$T/body.json" ;;
	naive | hap-naive) want=v$VER; dep_app "$want" "$NAIVE" > "$T/body.json" ;;
	mhc0) want=v$VER; dep_app "$want" "$MHC0" > "$T/body.json" ;;
	rollback)
		mode=rollback
		want=$CUR
		dep_app "bad$VER" "$ROLL" "$BROKEN_HC" other.html > "$T/body.json"
		;;
	esac
	case $name in
	hap-*)
		srv=$HAP_SRV
		# HAProxy has all of the app's instances, healthy, before.
		wait_until 30 hap_ready || die "haproxy has not the $N servers: $(cat "$T/hap.ready")"
		hap_before=$(python3 "$HAPCTL" counters "$HAP_SOCK")
		;;
	esac
	rm -f "$T/load.stop" "$T/load.json"
	python3 "$LOADLOOP" --dns "127.0.0.1:$DNS_PORT" --srv "$srv" \
	    --workers "$WORKERS" --stop-file "$T/load.stop" --duration 900 \
	    --max-requests 10000000 --out "$T/load.json" > "$T/load.log" 2>&1 &
	LOAD_PID=$!
	wait_until 10 load_going || die "the load gets no answers: $(cat "$T/load.log")"
	sleep "$LEAD"
	out=$(python3 "$MEASURE" "$mode" "$HTTP_PORT" "$DNS_PORT" "$SRV" "$DEP_APP" "$N" \
	    "$T/body.json" "$want" "$PHASE_TIMEOUT") || rc=$?
	sleep "${TAIL:-$((ttl + 1))}"
	touch "$T/load.stop"
	wait "$LOAD_PID" || true
	LOAD_PID=
	[ "$srv" = "$SRV" ] || hap_after=$(python3 "$HAPCTL" counters "$HAP_SOCK")
	[ -n "$out" ] || out='{}'
	python3 - "$ttl" "$rep" "$name" "$rc" "$out" "$T/load.json" "$hap_before" "$hap_after" \
	    >> "$T/results.jsonl" <<'EOF'
import json, sys
ttl, rep, name, rc, out, load, before, after = sys.argv[1:9]
r = json.loads(out)
l = json.load(open(load))
r.update(ttl=int(ttl), rep=int(rep), phase=name, rc=int(rc),
         requests=l["requests"], failed=l["failed"], reasons=l["reasons"],
         bodies=l["bodies"], load_s=l["duration"])
before, after = json.loads(before), json.loads(after)
if after:
    r["hap"] = {k: after[k] - before.get(k, 0) for k in after}
print(json.dumps(r))
EOF
	[ "$rc" = 0 ] || {
		say "ttl $ttl #$rep $name: FAILED: $out"
		tail -n 30 "$T/ttl$ttl/stadiond.log" >&2
		die "phase failed"
	}
	[ "$mode" = rollback ] || CUR=$want
	say "ttl $ttl #$rep $name: $(tail -n 1 "$T/results.jsonl" | python3 -c '
import json, sys
r = json.load(sys.stdin)
s = "end %.0f ms" % r["end_ms"]
if r["mode"] == "rollback":
    s = "failed after %.0f ms, back after %.0f ms" % (r["end_ms"], r["back_ms"])
print("%s; %d/%d requests failed %s" % (s, r["failed"], r["requests"], json.dumps(r["reasons"])))')"
	# Settled: no deployment (the measure waited for its end).
	wait_until 60 no_deployments || die "a deployment is left: $(api GET /v2/deployments)"
}

# ---------------------------------------------------------------- run

if [ "$DRIVER" = docker ]; then
	bench_docker_up
fi
: > "$T/results.jsonl"
for ttl in $TTLS; do
	start_daemon "$ttl"
	# The app, created by the first PUT (not recorded): all N of v0.
	VER=0
	CUR=v0
	dep_app v0 "$ROLL" > "$T/body.json"
	python3 "$MEASURE" update "$HTTP_PORT" "$DNS_PORT" "$SRV" "$DEP_APP" "$N" \
	    "$T/body.json" v0 "$PHASE_TIMEOUT" > "$T/create.json" ||
	    die "the app did not start: $(cat "$T/create.json")"
	wait_until 60 no_deployments || die "a deployment is left"
	start_haproxy "$ttl"
	for rep in $(seq 1 "$REPS"); do
		for name in roll rollback naive mhc0 hap-roll hap-naive; do
			phase "$ttl" "$rep" "$name"
		done
	done
	if grep -q 'ended: exited' "$T/ttl$ttl/stadiond.log"; then
		echo "ttl $ttl: tasks ended on their own" >> "$T/notes"
	fi
	kill -0 "$HAP_PID" 2>/dev/null || echo "ttl $ttl: haproxy exited during the run" >> "$T/notes"
	stop_daemon
done

# ---------------------------------------------------------------- report

echo
echo "rolling: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); command: ${ENVLINE}$CMDLINE"
echo "$(nproc) CPUs, $(uname -r); stadion $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?');" \
    "driver $DRIVER$( [ "$DOCKER_UP" = 1 ] && echo ", docker engine $(docker version -f '{{.Server.Version}}' 2>/dev/null)");" \
    "$("$HAPROXY" -v | head -n 1 | cut -d' ' -f1-3) (redispatch $HAP_REDISPATCH);" \
    "load average at the start: $START_LOAD, at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
others=$(pgrep -x stadiond | tr '\n' ' ' || true)
[ -z "$others" ] || echo "NOTE: other stadiond running at the end (pids $others): figures may be skewed"
python3 - "$T/results.jsonl" "$N" "$WORKERS" "$LEAD" "${TAIL:-TTL + 1}" <<'EOF'
import json, statistics, sys
R = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n, workers, lead, tail = sys.argv[2:6]
ttls = sorted({r["ttl"] for r in R})
med = lambda v: statistics.median(v) if v else None

def rows(ttl, phase):
    return [r for r in R if r["ttl"] == ttl and r["phase"] == phase]

def sec(v):
    return "-" if v is None else "%.1f" % (v / 1000.0)

def rng(vs):
    return "%s-%s" % (sec(min(vs)), sec(max(vs))) if vs else "-"

def ft(rs):
    f = [r["failed"] for r in rs]
    t = [r["requests"] for r in rs]
    return "%s/%s" % ("%g" % med(f), "%g" % med(t)), sum(f), sum(t)

def pct(f, t):
    return "%.2f%%" % (100.0 * f / t) if t else "-"

print("%s instances, %s load workers; load from %s s before the PUT to %s s after the end;"
      % (n, workers, lead, tail))
print("drain of a replaced instance = TTL + 1 s; times in s from the PUT, medians over reps (range)")
print()
def rate(rs, ok=False):
    """requests (ok: answered requests) per second of load, all reps"""
    s = sum(r["load_s"] for r in rs)
    return sum(r["requests"] - (r["failed"] if ok else 0) for r in rs) / s if s else 0.0

print("%-4s %-9s %4s %8s %9s %16s %14s %7s %6s  %s" % ("ttl", "phase", "reps", "end (s)", "range",
      "failed/total med", "failed/total", "fail %", "req/s", "reasons (all reps)"))
for ttl in ttls:
    for ph in ("roll", "rollback", "naive", "mhc0", "hap-roll", "hap-naive"):
        rs = rows(ttl, ph)
        if not rs:
            continue
        ends = [r["end_ms"] for r in rs if r.get("end_ms") is not None]
        m, f, t = ft(rs)
        reasons = {}
        for r in rs:
            for k, v in r["reasons"].items():
                reasons[k] = reasons.get(k, 0) + v
        print("%-4d %-9s %4d %8s %9s %16s %14s %7s %6.0f  %s" % (ttl, ph, len(rs), sec(med(ends)), rng(ends),
              m, "%d/%d" % (f, t), pct(f, t), rate(rs),
              json.dumps(reasons, sort_keys=True) if reasons else ""))
print("end: roll, naive, mhc0, hap-*: deployment_success; rollback: deployment_failed;"
      " req/s: all reps' requests over their load time")
print()
print("rollback of a broken version (s from its PUT): (a) deployment_failed, (b) the old version back at")
print("full strength (the rollback's deployment_success and %s SRV records all answering it)" % n)
print("%-4s %4s %10s %12s %10s %12s %12s  %s" % ("ttl", "reps", "(a) med", "range", "(b) med", "range",
      "DNS full", "target (b) < 60 s, aim < 10 s"))
for ttl in ttls:
    rs = rows(ttl, "rollback")
    if not rs:
        continue
    a = [r["end_ms"] for r in rs]
    b = [r["back_ms"] for r in rs]
    d = [r["full_ms"] for r in rs]
    mb = med(b)
    print("%-4d %4d %10s %12s %10s %12s %12s  %s" % (ttl, len(rs), sec(med(a)), rng(a), sec(mb), rng(b),
          sec(med(d)), "met, aim met" if max(b) < 10000 else ("met" if max(b) < 60000 else "NOT met")))
print("DNS full: median, the first time after deployment_failed that all %s records answered the old version" % n)
print()
print("what the drain and the health gating buy (failed requests, all reps):")
for ttl in ttls:
    _, rf, rt = ft(rows(ttl, "roll"))
    for ph in ("naive", "mhc0"):
        rs = rows(ttl, ph)
        if not rs:
            continue
        _, bf, bt = ft(rs)
        rr, br = (rf / rt if rt else 0), (bf / bt if bt else 0)
        ratio = ("%.0fx the rolling update's rate" % (br / rr)) if rr > 0 else \
            ("rolling update: none failed")
        print("  ttl %d: roll %d/%d (%s), %s %d/%d (%s): %s" % (ttl, rf, rt, pct(rf, rt), ph, bf, bt,
              pct(bf, bt), ratio))
print()
print("the same updates with the clients through HAProxy (resolving the SRV records itself, health checks")
print("inter 1s fall 2 rise 1) against the clients on stadion's DNS directly (all reps):")
print("%-4s %-6s %-7s %14s %7s %6s %6s   %-16s %-8s %-8s  %s" % ("ttl", "update", "clients", "failed/total",
      "fail %", "req/s", "ok/s", "failed hap/direct", "req/s", "ok/s", "HAProxy: retries redisp conn-err 5xx"))
for ttl in ttls:
    for ph in ("roll", "naive"):
        d, h = rows(ttl, ph), rows(ttl, "hap-" + ph)
        if not d or not h:
            continue
        _, df, dt = ft(d)
        _, hf, ht = ft(h)
        dr, hr = (df / dt if dt else 0), (hf / ht if ht else 0)
        if dr > 0:
            fr = "%.2fx" % (hr / dr)
        else:
            fr = "both none" if hr == 0 else "direct none"
        c = {}
        for r in h:
            for k, v in r.get("hap", {}).items():
                c[k] = c.get(k, 0) + v
        for who, rs, f, t in (("direct", d, df, dt), ("haproxy", h, hf, ht)):
            line = "%-4d %-6s %-7s %14s %7s %6.0f %6.0f" % (ttl, ph, who, "%d/%d" % (f, t), pct(f, t),
                                                          rate(rs), rate(rs, True))
            if who == "haproxy":
                line += "   %-16s %-8s %-8s  %d %d %d %d" % (fr, "%.2fx" % (rate(h) / rate(d)),
                    "%.2fx" % (rate(h, True) / rate(d, True)), c.get("wretr", 0), c.get("wredis", 0),
                    c.get("econ", 0), c.get("fe_5xx", 0))
            print(line)
print("failed hap/direct: the failure rates' ratio; req/s, ok/s: HAProxy's rate over the direct one (ok/s: answered")
print("requests); HAProxy's counters over the phases: retries, redispatches, connection errors to the servers,")
print("5xx answers to the clients. loadloop measures no latency: the rates are what it shows of HAProxy's hop")
print()
print("targets:")
for ttl in ttls:
    _, rf, rt = ft(rows(ttl, "roll"))
    _, bf, bt = ft(rows(ttl, "rollback"))
    b = [r["back_ms"] for r in rows(ttl, "rollback")]
    verdict = lambda f, t: "met (0 failed)" if f == 0 else \
        ("within the 1%% allowed (%s)" % pct(f, t) if f <= 0.01 * t else "NOT met (%s)" % pct(f, t))
    print("  ttl %d: rolling update 0 failed requests: %s; rollback under 60 s (aim 10 s): %s, "
          "its failed requests: %s" % (ttl, verdict(rf, rt),
          ("met" if b and max(b) < 60000 else "NOT met") + (", aim met" if b and max(b) < 10000 else ""),
          verdict(bf, bt)))
print()
for ttl in ttls:
    rs = rows(ttl, "roll")
    if rs:
        poll = [r["end_poll_ms"] - r["end_ms"] for r in rs if r.get("end_poll_ms") is not None]
        print("ttl %d: roll: N of the new version in DNS at %s s (median); /v2/deployments showed the end %s ms "
              "after the event (median); fewest SRV records during a roll: %d" % (ttl,
              sec(med([r["full_ms"] for r in rs])), "%.0f" % med(poll) if poll else "-",
              min(r["min_in_dns"] for r in rs)))
EOF
if [ -s "$T/notes" ]; then
	echo
	echo "NOTE:"
	cat "$T/notes"
fi
