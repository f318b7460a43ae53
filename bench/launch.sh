#!/usr/bin/env bash
# bench/launch.sh -- how fast stadiond launches apps and publishes them in
# DNS, with the process driver and the docker driver, and how its docker
# launch compares with a plain "docker run".
#
#   bench/launch.sh            (from anywhere; needs a built stadiond)
#
# Measures, in one run:
#   1. POST /v2/apps until _<label>._tcp.marathon.mesos SRV holds all N
#      records, for N = 1 (REPS1 times) and N = NBIG (50, REPSBIG times),
#      with the process driver (cmd "exec sleep 3600") and the docker
#      driver (stadion-test/busybox:latest, host network, same cmd).
#      bench/dnswait.py sends the POST and asks the SRV over UDP every 2 ms
#      from the same moment; median and max in ms.
#   2. For the docker driver, per container: the engine's StartedAt (ns)
#      until its SRV record was first seen; median and max, target < 1 s.
#   3. Launch overhead against docker run: "docker run -d --network host"
#      of the same image, command and limits, alternating with stadion's
#      one-instance docker launches (the REPS1 runs of case 1). Two views:
#      engine start (docker run's fork -> StartedAt against POST ->
#      StartedAt) and "ready" (docker run returned, the container running,
#      against POST -> the SRV answering). Overhead = stadion / docker - 1,
#      of the medians; target < 10%. docker run includes the start-up of
#      the docker client (some 10 ms), so the Engine API driven by hand
#      (create + start on one connection) is measured in the same rounds
#      too, as the floor that no client can beat.
# One unrecorded warm-up launch per driver (and one docker run, one API
# run) comes first, so that no case pays for a cold page cache or the
# first engine call.
#
# Each driver gets its own stadiond (own temp state dir, free loopback
# ports, --port-range-min/--port-range-max on a block of free ports,
# --edns-udp-size 4096 so that 50 SRV records fit in one UDP answer).
# Every app is deleted between cases (DELETE ?force=true, then until
# GET /v2/deployments is [] and none of its containers or processes is
# left). On exit: apps, stray containers of this run, processes, the
# daemons, the Docker test environment (tests/system/docker-env.sh).
#
# Environment: STADIOND (default: _build/default/src/stadiond, the
# out-of-tree build of contrib/run-tests.sh, else src/stadiond), REPS1
# (5), REPSBIG (3), NBIG (50), DRIVERS ("process docker"), CASE_TIMEOUT
# (seconds for one launch, 300), KEEP=1 keeps the temp dir (daemon logs,
# raw results). Traffic goes to 127.0.0.1 only.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${STADIOND:-}" ]; then
	STADIOND=$top/_build/default/src/stadiond
	[ -x "$STADIOND" ] || STADIOND=$top/src/stadiond
fi
REPS1=${REPS1:-5}
REPSBIG=${REPSBIG:-3}
NBIG=${NBIG:-50}
DRIVERS=${DRIVERS:-process docker}
CASE_TIMEOUT=${CASE_TIMEOUT:-300}
CMDLINE="bench/launch.sh${*:+ $*}"
ENVLINE=$(env | grep -E '^(STADIOND|REPS1|REPSBIG|NBIG|DRIVERS|CASE_TIMEOUT)=' | tr '\n' ' ' || true)

START_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
T=$(mktemp -d "${TMPDIR:-/tmp}/stadion-launch.XXXXXX")
# A short run id: app ids /lb<RUN>/..., labels <case>-lb<RUN>, docker run
# containers stadion-bench-<RUN>-*; everything of this run is found by it.
RUN=$$
WAIT=$top/bench/dnswait.py
IMAGE=stadion-test/busybox:latest
FAILURES=0

# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
WAIT_STEP=0.05

need curl curl
need python3 python3
[ -x "$STADIOND" ] || die "no $STADIOND: build first (cd _build/default && make)"
case " $DRIVERS " in *" docker "*) need docker docker.io ;; esac

# ---------------------------------------------------------------- clean-up

# run_containers [APPID]: containers of this run (of APPID), running or not.
run_containers() {
	[ "$DOCKER_UP" = 1 ] || return 0
	if [ -n "${1:-}" ]; then
		docker ps -aq --filter "label=stadion.app=$1"
	else
		docker ps -a --filter label=stadion.app --format '{{.ID}} {{.Label "stadion.app"}}' |
		    awk -v p="/lb$RUN/" 'index($2, p) == 1 { print $1 }'
		docker ps -aq --filter "label=stadion.bench=$RUN"
	fi
}

cleanup() {
	local rc=$?
	set +e
	daemon_stop
	if [ "$DOCKER_UP" = 1 ]; then
		run_containers | sort -u | xargs -r docker rm -f >/dev/null 2>&1
		docker_env_stop
	fi
	bench_rm_tmp
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- daemon

# start_daemon NAME DOCKER_ENDPOINT
start_daemon() {
	daemon_start "$T/$1" $((NBIG * 3)) --edns-udp-size 4096 --docker-endpoint "$2"
	say "$1: stadiond on DNS 127.0.0.1:$DNS_PORT, HTTP $HTTP_PORT, instance ports $PORT_LO-$PORT_HI"
}

# ---------------------------------------------------------------- sharing

# Other stadiond on this machine (system tests running at the same time)
# share the CPUs and the engine: a run with company is noted in the
# output as possibly skewed. (Before c76b58d a stadiond also removed the
# containers of every other stadiond on its engine, at start and every
# 30 s; it lists only the instances labelled with its own owner UUID now.)
other_stadiond() {
	pgrep -x stadiond | grep -vx "${DAEMON_PID:-0}" || true
}

# note_others WHEN: record another stadiond seen during a docker case.
note_others() {
	local o
	o=$(other_stadiond | tr '\n' ' ')
	[ -z "$o" ] || echo "$1: other stadiond running (pids $o)" >> "$T/interference"
}

# ---------------------------------------------------------------- cases

# app_body FILE DRIVER APPID N
app_body() {
	local ctr=
	[ "$2" = docker ] &&
	    ctr=',"container":{"type":"DOCKER","docker":{"image":"'$IMAGE'","network":"HOST","forcePullImage":false}}'
	# cpus 1: a small CPU quota (e.g. 0.01) throttles the container's own
	# start-up (runc init runs in its cgroup) and would be measured instead
	# of stadion. Grace 1 s: sleep as PID 1 of a container ignores SIGTERM,
	# so deletes would wait the whole grace period.
	printf '{"id":"%s","cmd":"exec sleep 3600","instances":%d,"cpus":1,"mem":64,"taskKillGracePeriodSeconds":1,"portDefinitions":[{"port":0,"protocol":"tcp"}]%s}\n' \
	    "$3" "$4" "$ctr" > "$1"
}

# app_label APPID: "/lb1/d1r2" -> "d1r2-lb1".
app_label() {
	printf '%s' "$1" | awk -F/ '{ s = ""; for (i = NF; i > 1; i--) if ($i != "") s = s (s == "" ? "" : "-") $i; print s }'
}

app_gone() {
	local id=$1 pids=$2 p
	no_deployments || return 1
	[ -z "$(run_containers "$id")" ] || return 1
	[ -z "$(proc_pids "$id")" ] || return 1
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}

# delete_app APPID: DELETE it and wait until nothing of it is left.
delete_app() {
	local id=$1 pids
	pids=$(proc_pids "$id")
	api DELETE "/v2/apps$id?force=true" >/dev/null || die "DELETE $id failed"
	wait_until 120 app_gone "$id" "$pids" ||
	    die "$id: still there 120 s after DELETE: deployments $(api GET /v2/deployments), containers $(run_containers "$id" | tr '\n' ' ') pids $(proc_pids "$id" | tr '\n' ' ')"
}

# launch KIND DRIVER N REP: one measured launch; KIND is "case" or
# "warmup". Appends to $T/launch.jsonl.
launch() {
	local kind=$1 drv=$2 n=$3 rep=$4 id label out rc ids
	id=/lb$RUN/${drv:0:1}$n${kind:0:1}$rep
	label=$(app_label "$id")
	app_body "$T/body.json" "$drv" "$id" "$n"
	rc=0
	[ "$drv" != docker ] || note_others "before $drv N=$n $kind $rep"
	out=$(python3 "$WAIT" launch "$HTTP_PORT" "$DNS_PORT" "$label" "$n" "$T/body.json" "$CASE_TIMEOUT") || rc=$?
	[ "$drv" != docker ] || note_others "after $drv N=$n $kind $rep"
	[ -n "$out" ] || out='{}'
	ids=
	if [ "$drv" = docker ]; then
		ids=$(run_containers "$id" | tr '\n' ' ')
		# StartedAt and PORT0 of each container (PORT0 names its SRV record).
		# shellcheck disable=SC2086
		[ -z "$ids" ] || python3 "$WAIT" started $ids > "$T/started.txt" || : > "$T/started.txt"
	fi
	python3 - "$kind" "$drv" "$n" "$rep" "$rc" "$out" "${ids:+$T/started.txt}" >> "$T/launch.jsonl" <<'EOF'
import json, sys
kind, drv, n, rep, rc, out, started = sys.argv[1:8]
r = json.loads(out)
r.update(kind=kind, drv=drv, n=int(n), rep=int(rep), rc=int(rc), containers=[])
port_seen = {}
for k, v in r.get("seen", {}).items():
    port_seen.setdefault(k.split()[0], v)
if started:
    for line in open(started):
        cid, st, port0, running = line.split()
        r["containers"].append({"id": cid[:12], "started_ns": int(st), "port0": port0,
                                "running": running == "true",
                                "seen_ns": port_seen.get(port0)})
r.pop("seen", None)
print(json.dumps(r))
EOF
	if [ "$rc" != 0 ]; then
		FAILURES=$((FAILURES + 1))
		say "$drv N=$n #$rep: FAILED (rc $rc): $out"
		say "stadiond log tail:"; tail -n 20 "$T/$drv/stadiond.log" >&2
	else
		say "$drv N=$n $kind #$rep: all $n in DNS after $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["all_ms"])' "$out") ms"
	fi
	delete_app "$id"
}

container_gone() {
	[ -z "$(docker ps -aq --filter "name=^$1\$")" ]
}

# docker_run HOW KIND REP: one container of the same image, command and
# limits as stadion's (host network, CpuShares 1024, quota one CPU, 64 MiB
# without swap, no init, no restart), HOW "cli": docker run -d (what a
# user types; includes the client's own start-up), "api": create and start
# through the Engine API by hand (the floor under any client). Appends to
# $T/run.jsonl.
docker_run() {
	local how=$1 kind=$2 rep=$3 name out rc=0 cid
	name=stadion-bench-$RUN-$how-$kind$rep
	if [ "$how" = cli ]; then
		out=$(python3 "$WAIT" run docker run -d --network host --name "$name" \
		    --label "stadion.bench=$RUN" --cpu-shares 1024 --cpu-period 100000 \
		    --cpu-quota 100000 --memory 64m --memory-swap 64m --restart no \
		    "$IMAGE" /bin/sh -c 'exec sleep 3600') || rc=$?
	else
		out=$(python3 "$WAIT" api-run "$DOCKER_SOCK" "$name" \
		    '{"Image":"'"$IMAGE"'","Cmd":["/bin/sh","-c","exec sleep 3600"],"Labels":{"stadion.bench":"'"$RUN"'"},"HostConfig":{"NetworkMode":"host","CpuShares":1024,"CpuPeriod":100000,"CpuQuota":100000,"Memory":67108864,"MemorySwap":67108864,"Init":false,"RestartPolicy":{"Name":"no"}}}') || rc=$?
	fi
	[ "$rc" = 0 ] || die "docker $how run failed: $out"
	cid=$(docker ps -aq --no-trunc --filter "name=^$name\$")
	python3 "$WAIT" started "$cid" > "$T/started.txt"
	python3 - "$how" "$kind" "$rep" "$out" "$T/started.txt" >> "$T/run.jsonl" <<'EOF'
import json, sys
how, kind, rep, out, started = sys.argv[1:6]
r = json.loads(out)
cid, st, port0, running = open(started).read().split()
r.update(how=how, kind=kind, rep=int(rep), started_ns=int(st), running=running == "true")
print(json.dumps(r))
EOF
	docker rm -f "$cid" >/dev/null
	wait_until 60 container_gone "$name" ||
	    die "docker rm -f left $name"
	say "docker $how #$rep: returned after $(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print((r["t1_ns"]-r["t0_ns"])/1e6)' "$out") ms"
}

# check_relaunch NAME: a task that ended by itself was relaunched and
# skews the figures (e.g. a container removed behind stadion's back).
check_relaunch() {
	if grep -q 'ended: exited' "$T/$1/stadiond.log"; then
		say "WARNING: $1: tasks of this run ended on their own:"
		grep 'ended: exited' "$T/$1/stadiond.log" >&2
		echo "$1: tasks of this run ended on their own and were relaunched" >> "$T/interference"
	fi
}

# ---------------------------------------------------------------- run

: > "$T/launch.jsonl"
: > "$T/run.jsonl"
for drv in $DRIVERS; do
	case $drv in
	process)
		# The process cases need no engine: keep it out of this daemon.
		start_daemon process "unix://$T/no-docker.sock"
		launch warmup process 1 1
		for r in $(seq 1 "$REPS1"); do launch case process 1 "$r"; done
		for r in $(seq 1 "$REPSBIG"); do launch case process "$NBIG" "$r"; done
		check_relaunch process
		daemon_stop
		;;
	docker)
		bench_docker_up
		start_daemon docker "unix://$DOCKER_SOCK"
		docker_run cli warmup 1
		docker_run api warmup 1
		launch warmup docker 1 1
		# Alternating, so that all three see the same load on the machine.
		for r in $(seq 1 "$REPS1"); do
			docker_run cli r "$r"
			docker_run api r "$r"
			launch case docker 1 "$r"
		done
		for r in $(seq 1 "$REPSBIG"); do launch case docker "$NBIG" "$r"; done
		check_relaunch docker
		daemon_stop
		;;
	*) die "unknown driver $drv" ;;
	esac
done

# ---------------------------------------------------------------- report

echo
echo "launch: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); command: ${ENVLINE}$CMDLINE"
echo "$(nproc) CPUs, $(uname -r); stadion $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?');" \
    "docker engine $( [ "$DOCKER_UP" = 1 ] && docker version -f '{{.Server.Version}}' 2>/dev/null || echo -);" \
    "load average at the start: $START_LOAD"
python3 - "$T/launch.jsonl" "$T/run.jsonl" "$NBIG" <<'EOF'
import json, statistics, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
R = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
nbig = int(sys.argv[3])
cases = [r for r in L if r["kind"] == "case"]
ok = [r for r in cases if r["rc"] == 0]

def fmt(v):
    return "-" if v is None else "%.1f" % v

def med_max(vs):
    vs = [v for v in vs if v is not None]
    return (statistics.median(vs), max(vs)) if vs else (None, None)

print()
print("1. POST /v2/apps -> all N SRV records answered (ms; DNS asked every 2 ms)")
print("%-8s %4s %5s %9s %9s %12s %10s  %s" % ("driver", "N", "runs", "median", "max",
      "1st rec med", "POST med", "notes"))
for drv in ("process", "docker"):
    for n in (1, nbig):
        rs = [r for r in cases if r["drv"] == drv and r["n"] == n]
        if not rs:
            continue
        good = [r for r in rs if r["rc"] == 0]
        notes = []
        if len(good) < len(rs):
            notes.append("%d FAILED" % (len(rs) - len(good)))
        dup = [r["max_count"] for r in rs if r.get("max_count", 0) > n]
        if dup:
            notes.append("DUPLICATES: up to %d records for %d instances" % (max(dup), n))
        tc = sum(r.get("tc_polls", 0) for r in rs)
        if tc:
            notes.append("%d truncated UDP answers (asked over TCP)" % tc)
        m, x = med_max([r.get("all_ms") for r in good])
        f, _ = med_max([r.get("first_ms") for r in good])
        p, _ = med_max([r.get("post_ms") for r in rs])
        print("%-8s %4d %5d %9s %9s %12s %10s  %s" % (drv, n, len(rs), fmt(m), fmt(x),
              fmt(f), fmt(p), "; ".join(notes)))

allv = []
if any(r["drv"] == "docker" for r in ok):
    print()
    print("2. docker: engine StartedAt -> the container's SRV record first seen (ms; target < 1000)")
    print("%-8s %5s %9s %9s %9s  %s" % ("N", "ctrs", "median", "max", "min", "notes"))
for n in (1, nbig):
    vs, missing = [], 0
    for r in ok:
        if r["drv"] != "docker" or r["n"] != n:
            continue
        for c in r["containers"]:
            if c["seen_ns"] is None:
                missing += 1
            else:
                vs.append((c["seen_ns"] - c["started_ns"]) / 1e6)
    if not vs and not missing:
        continue
    allv += vs
    m, x = med_max(vs)
    print("%-8s %5d %9s %9s %9s  %s" % (n, len(vs), fmt(m), fmt(x), fmt(min(vs) if vs else None),
          "%d containers without a seen record" % missing if missing else ""))
if allv:
    m, x = med_max(allv)
    print("%-8s %5d %9s %9s %9s  target < 1000 ms: %s" % ("all", len(allv), fmt(m), fmt(x),
          fmt(min(allv)), "met" if x < 1000 else "NOT met"))

runs = [r for r in R if r["kind"] == "r" and r["how"] == "cli"]
apis = [r for r in R if r["kind"] == "r" and r["how"] == "api"]
st1 = [r for r in ok if r["drv"] == "docker" and r["n"] == 1 and r["containers"]]
if runs and st1:
    print()
    print("3. one container: docker run -d, the Engine API by hand and stadion, alternating, %d rounds (ms)"
          % len(runs))
    ms = lambda a, b: (a - b) / 1e6
    dr_st = [ms(r["started_ns"], r["t0_ns"]) for r in runs]
    dr_ret = [ms(r["t1_ns"], r["t0_ns"]) for r in runs]
    ap_st = [ms(r["started_ns"], r["t0_ns"]) for r in apis]
    ap_ret = [ms(r["t1_ns"], r["t0_ns"]) for r in apis]
    sd_st = [ms(r["containers"][0]["started_ns"], r["t0_ns"]) for r in st1]
    sd_dns = [r["all_ms"] for r in st1]
    sd_post = [r["post_ms"] for r in st1]
    print("%-52s %9s %9s" % ("", "median", "max"))
    for name, vs in (("docker run -d: fork -> engine StartedAt", dr_st),
                     ("docker run -d: fork -> returned (running)", dr_ret),
                     ("Engine API create+start: -> engine StartedAt", ap_st),
                     ("Engine API create+start: -> start returned", ap_ret),
                     ("stadion: POST -> engine StartedAt", sd_st),
                     ("stadion: POST -> SRV answered", sd_dns),
                     ("stadion: POST -> HTTP 201", sd_post)):
        if vs:
            m, x = med_max(vs)
            print("%-52s %9s %9s" % (name, fmt(m), fmt(x)))

    def ratio(label, a, b):
        a, b = statistics.median(a), statistics.median(b)
        print("%-58s %.2f (overhead %+.0f%%)" % (label, a / b, (a / b - 1) * 100))
    print("ratios of the medians (target: overhead against docker run < 10%):")
    ratio("  stadion POST->StartedAt / docker run ->StartedAt", sd_st, dr_st)
    ratio("  stadion POST->SRV answered / docker run returned", sd_dns, dr_ret)
    if apis:
        ratio("  stadion POST->StartedAt / Engine API ->StartedAt", sd_st, ap_st)
        ratio("  stadion POST->SRV answered / Engine API returned", sd_dns, ap_ret)
    # The same per round (docker run r, API r, then stadion r): less
    # sensitive to load that comes and goes during the run.
    byrep = {r["rep"]: r for r in st1}
    pairs = [(r, byrep[r["rep"]]) for r in runs if r["rep"] in byrep]
    if pairs:
        p1 = statistics.median((s["containers"][0]["started_ns"] - s["t0_ns"]) /
                               (d["started_ns"] - d["t0_ns"]) for d, s in pairs)
        p2 = statistics.median(s["all_ms"] / ms(d["t1_ns"], d["t0_ns"]) for d, s in pairs)
        print("median of the %d per-round ratios against docker run: StartedAt %.2f, ready %.2f"
              % (len(pairs), p1, p2))
EOF
if [ -s "$T/interference" ]; then
	echo
	echo "NOTE: figures may be skewed:"
	sort -u "$T/interference"
fi
[ "$FAILURES" = 0 ] || die "$FAILURES launches failed (see above)"
