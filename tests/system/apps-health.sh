#!/usr/bin/env bash
# apps-health.sh -- health checks, the launch back-off and the event stream
# end to end, with the process driver: HTTP checks on busybox httpd keep a
# task out of DNS until they pass and take it out (then kill and replace
# it) when they fail; TCP checks, plain and with send/expect; COMMAND and
# SCRIPT checks run beside the task; a crash-looping app backs off 1, 2, 4,
# 8, 16 s, stops launching, raises an alert (stream, log, webhook) and is
# started again by DELETE /v2/queue/{id}/delay; /v2/events streams all of
# it as well-formed SSE frames, and ?event_type= filters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apps-lib.sh"
SSE1_PID=
SSE2_PID=
HOOK_PID=
SSE3_PID=
# shellcheck disable=SC2016  # expanded when the trap runs
apps_trap 'for p in $SSE1_PID $SSE2_PID $SSE3_PID $HOOK_PID; do kill "$p" 2>/dev/null; done'
need_tools curl dig python3 busybox openssl

BUSYBOX=$(command -v busybox)
# The interpreter itself: tasks get PATH but not a pyenv's environment.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
Z=marathon.mesos
WEB=/hc/web
TCP=/hc/tcp
TCPBAD=/hc/tcpbad
CMDAPP=/hc/cmd
SCRIPT=/hc/script
CRASH=/hc/crash
SSE1=$T/sse-all.raw
SSE2=$T/sse-status.raw
HOOK_LOG=$T/hook.log

# ---------------------------------------------------------------- helpers

# since T0: seconds since T0, one decimal.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# holds SECONDS COMMAND...: COMMAND keeps succeeding for SECONDS.
holds() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" || return 1
		sleep 0.2
	done
	"$@"
}

# The SSE parser: frames "event: T\r\ndata: JSON\r\n\r\n", comment lines
# (":...\r\n") between frames. "check FILE [complete]" reports every
# malformed frame (complete: the stream has ended, no partial tail);
# "q FILE EXPR" evaluates EXPR over ev, the list of events (dicts).
cat > "$T/sse.py" <<'EOF'
import json, re, sys

TS = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')

def parse(path):
    raw = open(path, 'rb').read()
    errs, ev = [], []
    try:
        text = raw.decode('utf-8')
    except UnicodeDecodeError as e:
        return ev, ['not UTF-8: %s' % e], ''
    pos, n = 0, len(text)
    while pos < n:
        if text[pos] == ':':
            end = text.find('\r\n', pos)
            if end < 0:
                break
            if '\n' in text[pos:end] or '\r' in text[pos:end]:
                errs.append('bad comment line at %d: %r' % (pos, text[pos:end]))
            pos = end + 2
            continue
        end = text.find('\r\n\r\n', pos)
        if end < 0:
            break
        block, at = text[pos:end], pos
        pos = end + 4
        lines = block.split('\r\n')
        if (len(lines) != 2 or not lines[0].startswith('event: ') or
                not lines[1].startswith('data: ') or
                any('\n' in l or '\r' in l for l in lines)):
            errs.append('malformed frame at %d: %r' % (at, block[:300]))
            continue
        typ, data = lines[0][7:], lines[1][6:]
        try:
            j = json.loads(data)
        except ValueError as e:
            errs.append('data of %s at %d is no JSON (%s): %r' % (typ, at, e, data[:300]))
            continue
        if not isinstance(j, dict):
            errs.append('data of %s at %d is no object' % (typ, at))
            continue
        if j.get('eventType') != typ:
            errs.append('frame at %d: event %s, eventType %r' % (at, typ, j.get('eventType')))
        if not TS.match(str(j.get('timestamp', ''))):
            errs.append('frame at %d (%s): timestamp %r' % (at, typ, j.get('timestamp')))
        ev.append(j)
    return ev, errs, text[pos:]

def ts(e):
    import datetime
    return datetime.datetime.strptime(e['timestamp'], '%Y-%m-%dT%H:%M:%S.%fZ').timestamp()

def idx(ev, pred, start=0):
    for i in range(start, len(ev)):
        if pred(ev[i]):
            return i
    return -1

def status(e, task=None, st=None, app=None):
    return (e['eventType'] == 'status_update_event' and
            (task is None or e.get('taskId') == task) and
            (st is None or e.get('taskStatus') == st) and
            (app is None or e.get('appId') == app))

def of(e, typ, **kw):
    return e['eventType'] == typ and all(e.get(k) == v for k, v in kw.items())

ev, errs, tail = parse(sys.argv[2])
if sys.argv[1] == 'check':
    if len(sys.argv) > 3 and sys.argv[3] == 'complete' and tail:
        errs.append('partial frame at the end: %r' % tail[:300])
    for e in errs:
        print(e)
    if errs:
        sys.exit(1)
    print(len(ev))
else:
    v = eval(sys.argv[3])
    if isinstance(v, bool) or v is None or isinstance(v, (list, tuple, dict)):
        print(json.dumps(v))
    else:
        print(v)
EOF

# sseq EXPR [FILE]: EXPR over the events of the stream (default: all).
sseq() { python3 "$T/sse.py" q "${2:-$SSE1}" "$1"; }
# sse_has EXPR [FILE]: some event e satisfies the Python predicate EXPR.
sse_has() { [ "$(sseq "any(($1) for e in ev)" "${2:-}")" = true ]; }
# sse_count EXPR [FILE]: how many events satisfy EXPR.
sse_count() { sseq "sum(1 for e in ev if ($1))" "${2:-}"; }
# sse_frames_ok FILE [complete]: every frame so far well formed.
sse_frames_ok() {
	local out
	out=$(python3 "$T/sse.py" check "$@") || fail "malformed SSE in $1: $out"
}

# srv_records APPID: "port target" of the app's SRV records, sorted.
srv_records() {
	q +short "_$(app_label "$1")._tcp.$Z" SRV | awk '{ print $3, $4 }' | sort
}

# app_field APPID EXPR: EXPR on the AppInfo (bound to a).
app_field() {
	app_get "$1"
	jget "(lambda a: $2)(j['app'])"
}

# task_port TASKID APPID: the first host port of a task.
task_port() {
	http GET "/v2/apps$2/tasks"
	jget "([t['ports'][0] for t in j['tasks'] if t['id'] == '$1'] + [''])[0]"
}

# healthy_ids APPID: running tasks whose every healthCheckResult is alive.
healthy_ids() {
	http GET "/v2/apps$1/tasks"
	jget '"\n".join(sorted(t["id"] for t in j["tasks"] if t["state"] == "TASK_RUNNING" and t["healthCheckResults"] and all(r["alive"] for r in t["healthCheckResults"])))' | grep .
}

# tasks_healthy_is APPID N: the AppInfo's tasksHealthy is N.
tasks_healthy_is() { [ "$(app_field "$1" 'a["tasksHealthy"]')" = "$2" ]; }

# in_dns APPID PORT: PORT is among the app's SRV records.
in_dns() { srv_ports "$1" | grep -qxF "$2"; }

# app_json ID INSTANCES CMD CHECKS [EXTRA]: a process app definition; CMD
# and CHECKS are JSON (a string and an array), EXTRA more members.
app_json() {
	printf '{"id": "%s", "instances": %s, "cpus": 0.01, "mem": 64, "cmd": %s, "healthChecks": %s%s}' \
	    "$1" "$2" "$3" "$4" "${5:+, $5}"
}

# jstr TEXT: TEXT as a JSON string.
jstr() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"; }

# ---------------------------------------------------------------- the webhook receiver
cat > "$T/hook.py" <<'EOF'
import http.server, sys
out = sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with open(out, 'ab') as f:
            f.write(self.path.encode() + b'\t' + body.replace(b'\n', b' ') + b'\n')
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
EOF
: > "$HOOK_LOG"
HOOK_PORT=$(free_port) || fail "no free port for the webhook receiver"
python3 "$T/hook.py" "$HOOK_PORT" "$HOOK_LOG" 2> "$T/hook.err" &
# shellcheck disable=SC2034  # killed by the trap
HOOK_PID=$!
hook_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$HOOK_PORT/")" != 000 ]; }
wait_for 10 hook_up || fail "the webhook receiver does not answer: $(cat "$T/hook.err")"

# A line-oriented responder for TCP checks with send/expect: each line
# read is answered "PONG <line>".
cat > "$T/pong.py" <<'EOF'
import os, socketserver, sys
class H(socketserver.StreamRequestHandler):
    def handle(self):
        try:
            self.wfile.write(b'PONG ' + self.rfile.readline())
        except OSError:
            pass
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
S(('127.0.0.1', int(os.environ[sys.argv[1]])), H).serve_forever()
EOF

# TTL 1 s: a task scaled away drains 2 s (TTL + 1) before its stop.
start_daemon --ttl 1 --alert-webhook "http://127.0.0.1:$HOOK_PORT/hook"

# ---------------------------------------------------------------- the event streams
curl -sN "http://127.0.0.1:$HTTP_PORT/v2/events" > "$SSE1" 2> "$T/sse1.err" &
SSE1_PID=$!
wait_for 10 sse_has 'of(e, "event_stream_attached")' ||
    fail "no event_stream_attached on /v2/events: $(head -c 500 "$SSE1")"
curl -sN "http://127.0.0.1:$HTTP_PORT/v2/events?event_type=status_update_event" > "$SSE2" 2> "$T/sse2.err" &
SSE2_PID=$!
# The first client hears the second one attach.
two_attached() { [ "$(sse_count 'of(e, "event_stream_attached")')" -ge 2 ]; }
wait_for 10 two_attached ||
    fail "the second client's event_stream_attached did not come: $(cat "$SSE1")"
log "ok - two /v2/events clients attached (all events; ?event_type=status_update_event)"
# A third one comes and goes (its --max-time): the others hear both.
curl -sN --max-time 1 "http://127.0.0.1:$HTTP_PORT/v2/events" > "$T/sse3.raw" 2>/dev/null &
# shellcheck disable=SC2034  # killed by the trap
SSE3_PID=$!

# ---------------------------------------------------------------- a crash loop, from now on
# The back-off takes 1 + 2 + 4 + 8 + 16 = 31 s: it runs while the rest is tested.
app_create '{"id": "/hc/crash", "cmd": "exit 3", "instances": 1, "cpus": 0.01, "mem": 16, "backoffSeconds": 1}'
[ "$(jget 'j["backoffFactor"]') $(jget 'j["maxLaunchAttempts"]')" = "2.0 5" ] ||
    fail "defaults of the back-off: $HTTP_BODY"
CRASH_T0=$SECONDS

# ---------------------------------------------------------------- HTTP checks
WEB_CMD=$(jstr "mkdir -p www && echo ok > www/ok.txt && exec $BUSYBOX httpd -f -p 127.0.0.1:\$PORT0 -h www")
# delaySeconds 2: a window in which the task runs and is not served yet.
app_create "$(app_json "$WEB" 2 "$WEB_CMD" '[{"protocol": "HTTP", "path": "/ok.txt", "expectBody": "ok", "portIndex": 0, "intervalSeconds": 1, "timeoutSeconds": 1, "maxConsecutiveFailures": 3, "delaySeconds": 2}]' '"portDefinitions": [{"port": 0, "name": "http"}]')"
WEB_DEP=$(jget 'j["deployments"][0]["id"]')
[[ "$WEB_DEP" =~ ^[0-9a-f-]{36}$ ]] || fail "POST $WEB answered: $HTTP_BODY"
# Marathon's defaults as stadion fills them in.
[ "$(jget '[j["healthChecks"][0][k] for k in ("gracePeriodSeconds", "intervalSeconds", "timeoutSeconds", "maxConsecutiveFailures", "delaySeconds")]')" = '[30, 1, 1, 3, 2]' ] ||
    fail "normalized health check: $HTTP_BODY"

# Until both are in DNS: whatever SRV shows must be a task whose checks
# passed (DNS first, then the API: health only moves forward here), and a
# running task that has not passed yet must not be served.
WINDOW_SEEN=
REG_STARTING=
web_dns_step() {
	local srv a verdict
	srv=$(srv_ports "$WEB" | tr '\n' ' ')
	a=$(a_addrs "$WEB")
	http GET "/v2/apps$WEB/tasks"
	verdict=$(jget "(lambda srv, a: (lambda ok, run: 'bad' if any(p not in ok for p in srv) or (a and not ok) else 'window' if any(p not in srv for p in run if p not in ok) else 'ok')(
	    [t['ports'][0] for t in j['tasks'] if t['healthCheckResults'] and all(r['alive'] for r in t['healthCheckResults'])],
	    [t['ports'][0] for t in j['tasks'] if t['state'] == 'TASK_RUNNING']))([int(p) for p in '$srv'.split()], '$a')")
	case $verdict in
	bad) fail "DNS of $WEB (SRV ports $srv, A $a) serves a task whose checks have not passed: $HTTP_BODY" ;;
	window)
		WINDOW_SEEN=1
		# The registry holds it as "starting".
		http GET "/v1/services/%2Fhc%2Fweb/instances"
		case " $(jget '" ".join(sorted(set(i["health"] for i in (j if isinstance(j, list) else j.get("instances", [])))))') " in
		*" starting "*) REG_STARTING=1 ;;
		esac ;;
	esac
	[ "$(printf '%s\n' "$srv" | wc -w)" = 2 ]
}
wait_for 30 web_dns_step || fail "SRV of $WEB after 30 s: $(srv_records "$WEB"); tasks: $HTTP_BODY"
[ -n "$WINDOW_SEEN" ] || fail "never saw a running task of $WEB out of DNS before its check passed"
[ -n "$REG_STARTING" ] || fail "the registry never showed a running task whose check had not passed as 'starting'"
log "ok - a running task stays out of DNS (registry health 'starting') until its HTTP check passes"
WEB_IDS=$(healthy_ids "$WEB")
[ "$(printf '%s\n' "$WEB_IDS" | grep -c .)" = 2 ] || fail "healthy tasks of $WEB: $HTTP_BODY"
wait_for 5 tasks_healthy_is "$WEB" 2 || fail "tasksHealthy of $WEB: $HTTP_BODY"
[ "$(app_field "$WEB" 'a["tasksUnhealthy"]')" = 0 ] || fail "tasksUnhealthy of $WEB: $HTTP_BODY"
[ "$(srv_ports "$WEB")" = "$(task_ports "$WEB")" ] || fail "SRV $(srv_ports "$WEB" | tr '\n' ' ') vs tasks $(task_ports "$WEB" | tr '\n' ' ')"
http GET "/v2/apps$WEB/tasks"
[ "$(jget 'sorted(set((r["alive"], r["consecutiveFailures"], r["firstSuccess"] is not None, r["taskId"] == t["id"]) for t in j["tasks"] for r in t["healthCheckResults"]))')" = '[[true, 0, true, true]]' ] ||
    fail "healthCheckResults: $HTTP_BODY"
log "ok - both tasks of $WEB pass their HTTP check, are in DNS, tasksHealthy 2"
wait_deployed 20

# The crash loop meanwhile: waiting out a delay in the launch queue.
crash_waits() {
	http GET /v2/queue
	[ "$HTTP_CODE" = 200 ] &&
	    [ "$(jget "[(q['count'], q['launchesStopped'], q['delay']['overdue'], q['delay']['timeLeftSeconds'] > 0, q['failures'] > 0, bool(__import__('re').match(r'\\d{4}-\\d\\d-\\d\\dT.*Z$', q['since']))) for q in j['queue'] if q['app']['id'] == '$CRASH']")" = '[[1, false, false, true, true, true]]' ]
}
wait_for 10 crash_waits || fail "GET /v2/queue during the back-off of $CRASH: $HTTP_BODY"
log "ok - GET /v2/queue: $CRASH waits $(jget "[q['delay']['timeLeftSeconds'] for q in j['queue']][0]") s more after $(jget "[q['failures'] for q in j['queue']][0]") failure(s), since $(jget "[q['since'] for q in j['queue']][0]")"

# ---------------------------------------------------------------- the stream of one task and of the deployment
WEB_T1=$(printf '%s\n' "$WEB_IDS" | head -n 1)
order=$(sseq "[idx(ev, lambda e: status(e, '$WEB_T1', 'TASK_STAGING')), idx(ev, lambda e: status(e, '$WEB_T1', 'TASK_RUNNING')), idx(ev, lambda e: of(e, 'health_status_changed_event', taskId='$WEB_T1', alive=True))]")
python3 -c 'import json, sys; s, r, h = json.loads(sys.argv[1]); sys.exit(not (0 <= s < r < h))' "$order" ||
    fail "stream of $WEB_T1: TASK_STAGING, TASK_RUNNING, alive true at $order: $(sseq "[e for e in ev if e.get('taskId') == '$WEB_T1']")"
sse_has "of(e, 'instance_health_changed_event', instanceId='$WEB_T1', healthy=True, runSpecId='$WEB')" ||
    fail "no instance_health_changed_event healthy for $WEB_T1"
# Nothing says alive before it was.
[ "$(sse_count "e['eventType'] == 'health_status_changed_event' and e.get('taskId') == '$WEB_T1'")" = 1 ] ||
    fail "health_status_changed_event of $WEB_T1: $(sseq "[e for e in ev if e['eventType'] == 'health_status_changed_event']")"
log "ok - the stream shows $WEB_T1: TASK_STAGING, then TASK_RUNNING, then health_status_changed_event alive true (at $order)"
# delaySeconds 2: no probe, so no success, before 2 s.
W_TIMES=$(sseq "[round(ts(e), 2) for e in ev if status(e, '$WEB_T1', 'TASK_RUNNING') or of(e, 'health_status_changed_event', taskId='$WEB_T1', alive=True)]")
python3 -c 'import json, sys; r, h = json.loads(sys.argv[1]); sys.exit(not (1.9 <= h - r <= 4))' "$W_TIMES" ||
    fail "$WEB_T1 (delaySeconds 2) running, then healthy at $W_TIMES"
dep_ok() {
	order=$(sseq "[idx(ev, lambda e: of(e, 'deployment_info') and e['plan']['id'] == '$WEB_DEP'), idx(ev, lambda e: of(e, 'deployment_step_success') and e['plan']['id'] == '$WEB_DEP'), idx(ev, lambda e: of(e, 'deployment_success', id='$WEB_DEP')), max(idx(ev, lambda e: of(e, 'health_status_changed_event', taskId=t, alive=True)) for t in '${WEB_IDS//$'\n'/ }'.split())]")
	python3 -c 'import json, sys; i, st, s, h = json.loads(sys.argv[1]); sys.exit(not (0 <= i < st < s and h < s))' "$order"
}
wait_for 5 dep_ok || fail "deployment $WEB_DEP on the stream (info, step_success, success, last alive): $order"
sse_has "of(e, 'api_post_event', uri='/v2/apps') and e['appDefinition']['id'] == '$WEB'" || fail "no api_post_event for $WEB"
log "ok - deployment $WEB_DEP: deployment_info, then deployment_step_success, then deployment_success, after its tasks became healthy"

# ---------------------------------------------------------------- more kinds of checks, side by side
# The responder listens 2 s late; the checks keep the default interval
# (10 s), so they are healthy within ~3 s only if they retry every second
# until their first success.
TCP_CMD=$(jstr "$BUSYBOX httpd -f -p 127.0.0.1:\$PORT0 -h . & sleep 2 && exec $PYTHON $T/pong.py PORT1")
app_create "$(app_json "$TCP" 1 "$TCP_CMD" '[{"protocol": "TCP", "portIndex": 0}, {"protocol": "TCP", "portIndex": 1, "send": "PING\n", "expect": "PONG PING"}]' '"portDefinitions": [{"port": 0}, {"port": 0}]')"
[ "$(jget '[c["intervalSeconds"] for c in j["healthChecks"]]')" = '[10, 10]' ] || fail "intervals of $TCP: $HTTP_BODY"
# A task that runs 2 s, then fails: with backoffResetSeconds 1 each failure
# counts as the first (delay 1 s, failures 1); alertFailures 0: no alert.
app_create '{"id": "/hc/flaky", "cmd": "sleep 2; exit 3", "instances": 1, "cpus": 0.01, "mem": 16, "backoffSeconds": 1, "backoffResetSeconds": 1, "alertFailures": 0}'
FLAKY=/hc/flaky
BAD_CMD=$(jstr "exec $PYTHON $T/pong.py PORT0")
app_create "$(app_json "$TCPBAD" 1 "$BAD_CMD" '[{"protocol": "TCP", "send": "PING\n", "expect": "NOPE", "intervalSeconds": 1, "timeoutSeconds": 2}]')"
# maxConsecutiveFailures 0: never killed, however long it fails.
app_create "$(app_json "$CMDAPP" 1 '"touch ok && exec sleep 1000"' "[{\"protocol\": \"COMMAND\", \"command\": {\"value\": \"test -f ok\"}, \"intervalSeconds\": 1, \"maxConsecutiveFailures\": 0}, {\"protocol\": \"SCRIPT\", \"command\": {\"value\": $(jstr "echo '{\"status\": \"healthy\"}'")}, \"intervalSeconds\": 1}]")"
app_create "$(app_json "$SCRIPT" 1 '"exec sleep 1000"' "[{\"protocol\": \"SCRIPT\", \"command\": {\"value\": $(jstr "echo '{\"status\": \"unhealthy\", \"message\": \"scripted sadness\"}'")}, \"intervalSeconds\": 1, \"gracePeriodSeconds\": 0, \"maxConsecutiveFailures\": 2}]")"
SCRIPT_DEP=$(jget 'j["deployments"][0]["id"]')
# HTTPS: a python server with a certificate made on the spot, which the
# check does not verify (as Marathon's).
cat > "$T/tls.py" <<'EOF'
import http.server, os, ssl
s = http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT0"])),
                           http.server.SimpleHTTPRequestHandler)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
c.load_cert_chain("c.pem", "k.pem")
s.socket = c.wrap_socket(s.socket, server_side=True)
s.serve_forever()
EOF
TLS=/hc/tls
TLS_CMD=$(jstr "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -days 1 -subj /CN=stadion-test 2>/dev/null && exec $PYTHON $T/tls.py")
app_create "$(app_json "$TLS" 1 "$TLS_CMD" '[{"protocol": "HTTPS", "path": "/c.pem", "expectBody": "BEGIN CERTIFICATE"}]')"

# ---------------------------------------------------------------- an HTTP check fails
VICTIM=$WEB_T1
VPORT=$(task_port "$VICTIM" "$WEB")
[ -n "$VPORT" ] && in_dns "$WEB" "$VPORT" || fail "victim $VICTIM (port $VPORT) not in DNS: $(srv_records "$WEB")"
[ -f "$PROC_DIR/$VICTIM/www/ok.txt" ] || fail "no $PROC_DIR/$VICTIM/www/ok.txt"
rm -f "$PROC_DIR/$VICTIM/www/ok.txt"
V_T0=$EPOCHREALTIME
log "removed the checked file of $VICTIM (port $VPORT)"
v_out() { ! in_dns "$WEB" "$VPORT"; }
# The first failure takes it out: within one interval (1 s) and the probe.
wait_for 5 v_out || fail "$VICTIM still in DNS $(since "$V_T0") s after its check began to fail: $(srv_records "$WEB")"
V_OUT=$(since "$V_T0")
awk -v t="$V_OUT" 'BEGIN { exit !(t <= 3.0) }' ||
    fail "$VICTIM left DNS only after $V_OUT s (interval 1 s, first failure takes it out)"
log "ok - $VICTIM left DNS $V_OUT s after its file was removed"
# Unhealthy, not dead yet (3 failures kill it): still running, counted.
app_get "$WEB"
V_STATE=$(jget "[(t['state'], [(r['alive'], r['consecutiveFailures'] > 0, r['lastFailureCause']) for r in t['healthCheckResults']]) for t in j['app']['tasks'] if t['id'] == '$VICTIM']")
[ "$V_STATE" = '[["TASK_RUNNING", [[false, true, "HTTP status 404"]]]]' ] ||
    fail "$VICTIM once out of DNS: $V_STATE"
[ "$(jget '[j["app"]["tasksHealthy"], j["app"]["tasksUnhealthy"]]')" = '[1, 1]' ] ||
    fail "tasksHealthy/tasksUnhealthy of $WEB while $VICTIM is unhealthy: $HTTP_BODY"
http GET "/v1/services/%2Fhc%2Fweb/instances"
[ "$(jget "[i['health'] for i in (j if isinstance(j, list) else j.get('instances', [])) if i['id'] == '$VICTIM']")" = '["unhealthy"]' ] ||
    fail "registry health of $VICTIM: $HTTP_BODY"
log "ok - $VICTIM unhealthy: still TASK_RUNNING, alive false (HTTP status 404), tasksHealthy 1, tasksUnhealthy 1, registry health 'unhealthy'"
replaced() {
	local ids
	ids=$(healthy_ids "$WEB")
	[ "$(printf '%s\n' "$ids" | grep -c .)" = 2 ] && ! printf '%s\n' "$ids" | grep -qxF "$VICTIM" &&
	    [ "$(srv_count "$WEB")" = 2 ] && [ "$(srv_ports "$WEB")" = "$(task_ports "$WEB")" ]
}
# 3 failures (3 s), the back-off (1 s), the new task's delay (2 s) and probe.
wait_for 12 replaced || fail "$VICTIM not replaced by a healthy task in DNS after $(since "$V_T0") s: tasks $HTTP_BODY, SRV $(srv_records "$WEB")"
V_REPL=$(since "$V_T0")
awk -v t="$V_REPL" 'BEGIN { exit !(t <= 10.0) }' ||
    fail "$VICTIM replaced only after $V_REPL s (3 failures 1 s apart, back-off 1 s, delay 2 s)"
NEW_IDS=$(healthy_ids "$WEB")
NEWONE=$(printf '%s\n' "$NEW_IDS" | grep -vxF "$WEB_IDS")
[ "$(printf '%s\n' "$NEWONE" | grep -c .)" = 1 ] || fail "expected one new task: $WEB_IDS -> $NEW_IDS"
log "ok - $VICTIM replaced by $NEWONE, healthy and in DNS $V_REPL s after its file was removed"
v_events() {
	order=$(sseq "[idx(ev, lambda e: of(e, 'failed_health_check_event', taskId='$VICTIM', appId='$WEB')), idx(ev, lambda e: of(e, 'health_status_changed_event', taskId='$VICTIM', alive=False)), idx(ev, lambda e: of(e, 'unhealthy_task_kill_event', taskId='$VICTIM', appId='$WEB')), idx(ev, lambda e: status(e, '$VICTIM', 'TASK_KILLED')), idx(ev, lambda e: status(e, '$NEWONE', 'TASK_STAGING'))]")
	python3 -c 'import json, sys; f, a, k, d, n = json.loads(sys.argv[1]); sys.exit(not (0 <= f < a < k < d and k < n))' "$order"
}
wait_for 5 v_events || fail "events of $VICTIM (failed check, alive false, kill, TASK_KILLED, new TASK_STAGING) at $order: $(sseq "[e for e in ev if e.get('taskId') in ('$VICTIM', '$NEWONE')]")"
[ "$(sse_count "of(e, 'failed_health_check_event', taskId='$VICTIM')")" -ge 3 ] ||
    fail "fewer than 3 failed_health_check_event of $VICTIM: $(sseq "[e for e in ev if of(e, 'failed_health_check_event', taskId='$VICTIM')]")"
sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', taskId='$VICTIM')][0]" | grep -q . ||
    fail "failed_health_check_event without a cause"
[ "$(sseq "[e['healthCheck']['path'] for e in ev if of(e, 'failed_health_check_event', taskId='$VICTIM')][0]")" = /ok.txt ] ||
    fail "failed_health_check_event does not carry its check"
log "ok - the stream: failed_health_check_event ($(sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', taskId='$VICTIM')][0]")), alive false, unhealthy_task_kill_event, TASK_KILLED, then the replacement's TASK_STAGING"
grep -qF "killing task $VICTIM of $WEB" "$DAEMON_LOG" || fail "no log line of the kill of $VICTIM"
# The kill counts as a failure of the app: back-off 1 s before the new task.
order=$(sseq "[idx(ev, lambda e: of(e, 'unhealthy_task_kill_event', taskId='$VICTIM')), idx(ev, lambda e: of(e, 'stadion_backoff_event', appId='$WEB', failures=1, delaySeconds=1.0)), idx(ev, lambda e: status(e, '$NEWONE', 'TASK_STAGING'))]")
python3 -c 'import json, sys; k, b, n = json.loads(sys.argv[1]); sys.exit(not (0 <= k < b < n))' "$order" ||
    fail "back-off of $WEB after the kill of $VICTIM (kill, backoff 1 s, new task) at $order"
app_get "$WEB"
[ "$(jget 'j["app"]["tasksHealthy"]')" = 2 ] || fail "tasksHealthy after the replacement: $HTTP_BODY"

# ---------------------------------------------------------------- a rolling restart waits for health
# minimumHealthCapacity 1: an old task goes only once a new one passes its
# check, so DNS never holds fewer than 2 (the new ones take 2 s to pass).
WEB_IDS=$NEW_IDS
expect_http 200 POST "/v2/apps$WEB/restart"
R_DEP=$(jget 'j["deploymentId"]')
R_MIN=2
r_step() {
	local n
	n=$(srv_count "$WEB")
	[ "$n" -lt "$R_MIN" ] && R_MIN=$n
	http GET /v2/deployments
	[ "$(jget "[d['id'] for d in j if d['id'] == '$R_DEP']")" = '[]' ]
}
wait_for 30 r_step || fail "the restart of $WEB did not finish: $HTTP_BODY"
[ "$R_MIN" = 2 ] || fail "during the restart of $WEB DNS held only $R_MIN task(s)"
R_IDS=$(healthy_ids "$WEB")
[ "$(printf '%s
' "$R_IDS" | grep -c .)" = 2 ] || fail "healthy tasks after the restart: $HTTP_BODY"
for id in $WEB_IDS; do
	printf '%s
' "$R_IDS" | grep -qxF "$id" && fail "$id survived the restart"
done
[ "$(srv_ports "$WEB")" = "$(task_ports "$WEB")" ] || fail "SRV $(srv_ports "$WEB" | tr '\n' ' ') after the restart vs tasks $(task_ports "$WEB" | tr '\n' ' ')"
# Each old task was killed only after some new task had passed its check.
order=$(sseq "[min(idx(ev, lambda e: of(e, 'health_status_changed_event', taskId=t, alive=True)) for t in '${R_IDS//$'\n'/ }'.split()), min(idx(ev, lambda e: status(e, t, 'TASK_KILLING')) for t in '${WEB_IDS//$'\n'/ }'.split())]")
python3 -c 'import json, sys; h, k = json.loads(sys.argv[1]); sys.exit(not (0 <= h < k))' "$order" ||
    fail "restart of $WEB: first new alive, first old TASK_KILLING at $order"
sse_has "of(e, 'deployment_success', id='$R_DEP')" || fail "no deployment_success of the restart $R_DEP"
log "ok - restart of $WEB: old tasks killed only after new ones passed their checks, never fewer than 2 in DNS"

# ---------------------------------------------------------------- TCP checks
wait_for 15 tasks_healthy_is "$TCP" 1 || fail "$TCP not healthy: $HTTP_BODY; failures: $(sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', appId='$TCP')]")"
TCP_ID=$(healthy_ids "$TCP")
[ -n "$TCP_ID" ] || fail "no task of $TCP with every check alive: $HTTP_BODY"
http GET "/v2/apps$TCP/tasks"
[ "$(jget '[len(t["healthCheckResults"]) for t in j["tasks"]]')" = '[2]' ] || fail "healthCheckResults of $TCP: $HTTP_BODY"
wait_srv_count "$TCP" 2 5 || fail "SRV of $TCP (2 ports): $(srv_records "$TCP")"
log "ok - $TCP: a plain TCP check and one with send PING / expect PONG pass; its 2 ports are in DNS"
TCP_TIMES=$(sseq "[round(ts(e), 2) for e in ev if status(e, '$TCP_ID', 'TASK_RUNNING') or of(e, 'health_status_changed_event', taskId='$TCP_ID', alive=True)]")
python3 -c 'import json, sys; r, h = json.loads(sys.argv[1]); sys.exit(not (2 <= h - r <= 4.5))' "$TCP_TIMES" ||
    fail "$TCP (responder up 2 s after start, interval 10 s) healthy at $TCP_TIMES: not retried every second until its first success"
# Its failures before the responder listened fell in the grace period:
# ignored, and (as in Marathon) not reported as failed checks.
sse_has "of(e, 'failed_health_check_event', taskId='$TCP_ID')" &&
    fail "$TCP's failures inside its grace period were reported"
log "ok - $TCP: failed while its responder was not up, then healthy $(python3 -c 'import json, sys; r, h = json.loads(sys.argv[1]); print("%.1f" % (h - r))' "$TCP_TIMES") s after it ran (checked every second until the first success, not every 10 s)"
# Once its responder listens, the answer lacks what the check expects: the
# probes fail (the daemon's debug log says how), but inside the grace
# period (30 s) before any success they are ignored, however many: not
# counted, not reported, not killed.
bad_probed() { [ "$(grep -c "health: hc_tcpbad\..* check 0 failed (connection closed before \"NOPE\" came)" "$DAEMON_LOG")" -ge 3 ]; }
wait_for 15 bad_probed || fail "no 3 failed probes of $TCPBAD's expect in the log: $(grep -F hc_tcpbad "$DAEMON_LOG" | tail -n 5)"
log "ok - $TCPBAD (expect NOPE): its probes fail ($(grep -c 'health: hc_tcpbad\..* check 0 failed' "$DAEMON_LOG") so far, \"connection closed before \"NOPE\" came\")"
[ "$(srv_count "$TCPBAD")" = 0 ] && tasks_healthy_is "$TCPBAD" 0 && [ "$(app_field "$TCPBAD" 'a["tasksRunning"]')" = 1 ] ||
    fail "$TCPBAD: SRV $(srv_records "$TCPBAD"), app $HTTP_BODY"
log "ok - $TCPBAD runs, tasksHealthy 0, not in DNS"
sse_has "e.get('appId') == '$TCPBAD' and e['eventType'] in ('failed_health_check_event', 'unhealthy_task_kill_event', 'health_status_changed_event', 'stadion_backoff_event')" &&
    fail "failures in the grace period counted or reported: $(sseq "[e for e in ev if e.get('appId') == '$TCPBAD']")"
http GET "/v2/apps$TCPBAD/tasks"
[ "$(jget '[(t["state"], [(r["alive"], r["consecutiveFailures"], r["lastFailure"]) for r in t["healthCheckResults"]]) for t in j["tasks"]]')" = '[["TASK_RUNNING", [[false, 0, null]]]]' ] ||
    fail "healthCheckResults of $TCPBAD in its grace period: $HTTP_BODY"
log "ok - $TCPBAD: its failures within the grace period ignored (consecutiveFailures 0, no event, not killed)"

# ---------------------------------------------------------------- HTTPS checks
wait_for 15 tasks_healthy_is "$TLS" 1 || fail "$TLS not healthy: $HTTP_BODY; failures: $(sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', appId='$TLS')]")"
wait_srv_count "$TLS" 1 5 || fail "SRV of $TLS: $(srv_records "$TLS")"
curl -skf "https://127.0.0.1:$(srv_ports "$TLS")/c.pem" | grep -q 'BEGIN CERTIFICATE' || fail "$TLS does not serve TLS"
log "ok - $TLS: an HTTPS check (self-signed certificate, expectBody) passes; in DNS"

# ---------------------------------------------------------------- COMMAND and SCRIPT checks
wait_for 15 tasks_healthy_is "$CMDAPP" 1 || fail "$CMDAPP not healthy: $HTTP_BODY; failures: $(sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', appId='$CMDAPP')]")"
wait_srv_count "$CMDAPP" 1 5 || fail "SRV of $CMDAPP: $(srv_records "$CMDAPP")"
CMD_ID=$(healthy_ids "$CMDAPP")
[ -n "$CMD_ID" ] || fail "$CMDAPP: checks not alive: $HTTP_BODY"
log "ok - $CMDAPP: COMMAND 'test -f ok' in the task's dir and a SCRIPT saying healthy pass; in DNS"
# Take the file away: the COMMAND check fails, the task leaves DNS.
rm -f "$PROC_DIR/$CMD_ID/ok"
cmd_out() { [ "$(srv_count "$CMDAPP")" = 0 ]; }
wait_for 5 cmd_out || fail "$CMDAPP still in DNS after its COMMAND check began to fail: $(srv_records "$CMDAPP")"
log "ok - $CMDAPP left DNS when 'test -f ok' began to fail"
cmd_failed_4() { [ "$(sse_count "of(e, 'failed_health_check_event', taskId='$CMD_ID')")" -ge 4 ]; }
wait_for 10 cmd_failed_4 || fail "the COMMAND check of $CMD_ID does not keep failing: $(sseq "[e['cause'] for e in ev if of(e, 'failed_health_check_event', taskId='$CMD_ID')]")"
sse_has "of(e, 'unhealthy_task_kill_event', taskId='$CMD_ID')" && fail "$CMD_ID killed despite maxConsecutiveFailures 0"
tasks_healthy_is "$CMDAPP" 0 && [ "$(app_field "$CMDAPP" 'a["tasksUnhealthy"]')" = 1 ] || fail "$CMDAPP while failing: $HTTP_BODY"
touch "$PROC_DIR/$CMD_ID/ok"
cmd_back() { [ "$(srv_count "$CMDAPP")" = 1 ] && [ "$(healthy_ids "$CMDAPP")" = "$CMD_ID" ]; }
wait_for 5 cmd_back || fail "$CMD_ID not back in DNS once 'test -f ok' passed again: $(srv_records "$CMDAPP"), $HTTP_BODY"
[ "$(sse_count "of(e, 'health_status_changed_event', taskId='$CMD_ID', alive=True)")" = 2 ] ||
    fail "health_status_changed_event of $CMD_ID: $(sseq "[e['alive'] for e in ev if of(e, 'health_status_changed_event', taskId='$CMD_ID')]")"
log "ok - $CMD_ID (maxConsecutiveFailures 0): $(sse_count "of(e, 'failed_health_check_event', taskId='$CMD_ID')") failures, not killed; back in DNS (alive true again) once its check passes"

script_killed() {
	sse_has "of(e, 'unhealthy_task_kill_event', appId='$SCRIPT')" &&
	    sse_has "of(e, 'status_update_event', appId='$SCRIPT', taskStatus='TASK_KILLED')"
}
wait_for 15 script_killed || fail "no kill of a task of $SCRIPT: $(sseq "[e for e in ev if e.get('appId') == '$SCRIPT']")"
S_ID=$(sseq "[e['taskId'] for e in ev if of(e, 'unhealthy_task_kill_event', appId='$SCRIPT')][0]")
sse_has "of(e, 'failed_health_check_event', taskId='$S_ID', cause='scripted sadness')" ||
    fail "failed_health_check_event of $S_ID with the script's message: $(sseq "[e.get('cause') for e in ev if of(e, 'failed_health_check_event', appId='$SCRIPT')]")"
# Never served, never alive.
sse_has "of(e, 'health_status_changed_event', appId='$SCRIPT', alive=True)" && fail "a task of $SCRIPT was alive"
[ "$(srv_count "$SCRIPT")" = 0 ] || fail "$SCRIPT in DNS: $(srv_records "$SCRIPT")"
tasks_healthy_is "$SCRIPT" 0 || fail "tasksHealthy of $SCRIPT: $HTTP_BODY"
log "ok - $SCRIPT (script says unhealthy): never in DNS, tasksHealthy 0, $S_ID killed ($(sseq "[e['reason'] for e in ev if of(e, 'unhealthy_task_kill_event', taskId='$S_ID')][0]"))"
flaky_3() { [ "$(sse_count "of(e, 'stadion_backoff_event', appId='$FLAKY')")" -ge 3 ]; }
wait_for 20 flaky_3 || fail "$FLAKY: $(sseq "[(e['failures'], e.get('delaySeconds')) for e in ev if of(e, 'stadion_backoff_event', appId='$FLAKY')]")"
FL=$(sseq "[(e['failures'], e.get('delaySeconds'), e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$FLAKY')]")
[ "$(jget 'sorted(set(map(tuple, j)))' "$FL")" = '[[1, 1.0, false]]' ] ||
    fail "$FLAKY (each task ran 2 s, backoffResetSeconds 1): back-off $FL, expected failure 1 and 1 s each time"
sse_has "of(e, 'stadion_alert_event', appId='$FLAKY')" && fail "an alert for $FLAKY, whose alertFailures is 0"
log "ok - $FLAKY: a task that ran longer than backoffResetSeconds resets the back-off ($FL); alertFailures 0: no alert"
for a in "$SCRIPT" "$TCPBAD" "$CMDAPP" "$FLAKY" "$TLS"; do
	expect_http 200 DELETE "/v2/apps$a?force=true"
done
# $SCRIPT never got healthy: its deployment was still running, and the
# forced deletion replaced it.
order=$(sseq "[idx(ev, lambda e: of(e, 'deployment_step_failure') and e['plan']['id'] == '$SCRIPT_DEP'), idx(ev, lambda e: of(e, 'deployment_failed', id='$SCRIPT_DEP')), idx(ev, lambda e: of(e, 'deployment_success', id='$SCRIPT_DEP'))]")
python3 -c 'import json, sys; f, d, s = json.loads(sys.argv[1]); sys.exit(not (0 <= f < d and s < 0))' "$order" ||
    fail "deployment $SCRIPT_DEP of $SCRIPT (step failure, failed, no success) at $order"
log "ok - the deployment of $SCRIPT, never healthy, ends with deployment_step_failure and deployment_failed ($(sseq "[e['reason'] for e in ev if of(e, 'deployment_failed', id='$SCRIPT_DEP')][0]")) when a forced DELETE replaces it"

# ---------------------------------------------------------------- the crash loop's back-off
crash_stopped() { sse_has "of(e, 'stadion_backoff_event', appId='$CRASH', launchesStopped=True)"; }
wait_for $((CRASH_T0 + 50 - SECONDS)) crash_stopped ||
    fail "no stadion_backoff_event launchesStopped for $CRASH after $((SECONDS - CRASH_T0)) s: $(sseq "[(e['failures'], e.get('delaySeconds'), e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH')]")"
BACKOFF=$(sseq "[(e['failures'], e.get('delaySeconds'), e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH')]")
[ "$(sseq "[e.get('delaySeconds') for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH', launchesStopped=False)]")" = '[1.0, 2.0, 4.0, 8.0, 16.0]' ] ||
    fail "back-off delays of $CRASH: $BACKOFF, expected 1, 2, 4, 8, 16 s, then stopped"
[ "$(sseq "[(e['failures'], e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH')][-1]")" = '[6, true]' ] ||
    fail "the last back-off event of $CRASH: $BACKOFF"
sse_has "of(e, 'stadion_backoff_event', appId='$CRASH') and 'exit' in e['lastFailure']" || fail "lastFailure of the back-off events: $BACKOFF"
log "ok - $CRASH backs off 1, 2, 4, 8, 16 s, then launches stop: $BACKOFF"
# 1 launch + 5 relaunches, each after its delay (event timestamps).
STAGINGS=$(sseq "[round(ts(e), 2) for e in ev if status(e, st='TASK_STAGING', app='$CRASH')]")
python3 -c '
import json, sys
t = json.loads(sys.argv[1])
if len(t) != 6:
    sys.exit("%d launches, expected 6" % len(t))
for i, want in enumerate((1, 2, 4, 8, 16)):
    gap = t[i + 1] - t[i]
    if not want - 0.05 <= gap <= want + 1.5:
        sys.exit("launch %d came %.2f s after the one before, expected %d s" % (i + 2, gap, want))
' "$STAGINGS" || fail "launches of $CRASH: $STAGINGS"
log "ok - $CRASH was launched 6 times, each relaunch after its back-off delay"
no_new_launch() { [ "$(sse_count "status(e, st='TASK_STAGING', app='$CRASH')")" = 6 ]; }
holds 3 no_new_launch || fail "$CRASH launched again after launches stopped: $(sse_count "status(e, st='TASK_STAGING', app='$CRASH')") launches"
log "ok - no launch of $CRASH for 3 s after launches stopped"
expect_http 200 GET /v2/queue
QUEUE=$(jget "[q for q in j['queue'] if q['app']['id'] == '$CRASH']")
[ "$(jget '[(q["count"], q["launchesStopped"], q["failures"], q["delay"]["overdue"]) for q in j]' "$QUEUE")" = '[[1, true, 6, false]]' ] ||
    fail "GET /v2/queue for $CRASH: $HTTP_BODY"
log "ok - GET /v2/queue: $CRASH count 1, launchesStopped true, failures 6"
[ "$(sse_count "of(e, 'stadion_alert_event', appId='$CRASH')")" = 1 ] ||
    fail "stadion_alert_event of $CRASH: $(sseq "[e for e in ev if of(e, 'stadion_alert_event')]")"
[ "$(sseq "[(e['failures'], e['windowSeconds']) for e in ev if of(e, 'stadion_alert_event', appId='$CRASH')][0]")" = '[3, 300]' ] ||
    fail "the alert of $CRASH: $(sseq "[e for e in ev if of(e, 'stadion_alert_event')]")"
# The third failure raised it: before the third back-off event.
order=$(sseq "[idx(ev, lambda e: of(e, 'stadion_alert_event', appId='$CRASH')), idx(ev, lambda e: of(e, 'stadion_backoff_event', appId='$CRASH', failures=3))]")
python3 -c 'import json, sys; a, b = json.loads(sys.argv[1]); sys.exit(not (0 <= a < b))' "$order" ||
    fail "the alert of $CRASH is not the third failure's: $order"
grep -E 'ALERT: /hc/crash: 3 failures in 300 s' "$DAEMON_LOG" | grep -qiE 'warn' ||
    fail "no ALERT warning of $CRASH in the log: $(grep -F ALERT "$DAEMON_LOG")"
log "ok - one stadion_alert_event of $CRASH (3 failures in 300 s) and the ALERT warning in the log"
hook_got() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    path, _, body = line.rstrip("\n").partition("\t")
    j = json.loads(body)
    if path == "/hook" and j.get("eventType") == "stadion_alert_event" and j.get("appId") == sys.argv[2]:
        sys.exit(0)
sys.exit(1)' "$HOOK_LOG" "$CRASH"
}
wait_for 10 hook_got || fail "the webhook got no stadion_alert_event of $CRASH: $(cat "$HOOK_LOG")"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    j = json.loads(line.split("\t", 1)[1])
    if j.get("eventType") != "stadion_alert_event":
        sys.exit("the webhook got a %s" % j.get("eventType"))' "$HOOK_LOG" || fail "webhook posts: $(cat "$HOOK_LOG")"
log "ok - --alert-webhook: POST /hook with the stadion_alert_event of $CRASH ($(grep -c . "$HOOK_LOG") alert(s), alerts only)"

expect_http 204 DELETE "/v2/queue$CRASH/delay"
relaunched() { [ "$(sse_count "status(e, st='TASK_STAGING', app='$CRASH')")" -ge 7 ]; }
wait_for 5 relaunched || fail "no launch of $CRASH after DELETE /v2/queue$CRASH/delay"
reset_backoff() { [ "$(sseq "[(e['failures'], e.get('delaySeconds'), e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH')][6:7]")" = '[[1, 1.0, false]]' ]; }
wait_for 5 reset_backoff || fail "back-off of $CRASH after the reset: $(sseq "[(e['failures'], e.get('delaySeconds'), e['launchesStopped']) for e in ev if of(e, 'stadion_backoff_event', appId='$CRASH')]")"
log "ok - DELETE /v2/queue$CRASH/delay: 204, $CRASH is launched again and its back-off starts over (failure 1, 1 s)"
expect_http 200 DELETE "/v2/apps$CRASH?force=true"
expect_http 404 DELETE "/v2/queue/hc/nothere/delay"

# ---------------------------------------------------------------- the end: streams close, filters hold
for a in "$WEB" "$TCP"; do
	expect_http 200 DELETE "/v2/apps$a"
done
wait_deployed 30
gone_ev() { sse_has "of(e, 'app_terminated_event', appId='$WEB')"; }
wait_for 5 gone_ev || fail "no app_terminated_event of $WEB"
detached() { sse_has "of(e, 'event_stream_detached')"; }
wait_for 5 detached || fail "no event_stream_detached of the client that left"
[ "$(sseq "len([e for e in ev if of(e, 'event_stream_attached') and re.match(r'127\\.0\\.0\\.1:\\d+$', e['remoteAddress'])])")" = 3 ] ||
    fail "event_stream_attached: $(sseq "[e for e in ev if e['eventType'].startswith('event_stream')]")"
log "ok - the streams heard a third client attach and detach"
sse_frames_ok "$SSE1"
sse_frames_ok "$SSE2"
stop_daemon
curls_done() { ! kill -0 "$SSE1_PID" 2>/dev/null && ! kill -0 "$SSE2_PID" 2>/dev/null; }
wait_for 10 curls_done || fail "the event streams did not end with stadiond"
N1=$(python3 "$T/sse.py" check "$SSE1" complete) || fail "malformed SSE in $SSE1: $N1"
N2=$(python3 "$T/sse.py" check "$SSE2" complete) || fail "malformed SSE in $SSE2: $N2"
log "ok - every frame of both streams is well formed ($N1 and $N2 events)"
[ "$(sseq "sorted(set(e['eventType'] for e in ev))" "$SSE2")" = '["status_update_event"]' ] ||
    fail "?event_type=status_update_event got: $(sseq "sorted(set(e['eventType'] for e in ev))" "$SSE2")"
# The same status events as the unfiltered stream, from the second attach on.
ALL=$(sseq "[(e['taskId'], e['taskStatus']) for e in ev[[i for i, e in enumerate(ev) if of(e, 'event_stream_attached')][1]:] if e['eventType'] == 'status_update_event']")
ONLY=$(sseq "[(e['taskId'], e['taskStatus']) for e in ev]" "$SSE2")
[ "$ALL" = "$ONLY" ] || fail "the filtered stream differs: $ONLY vs $ALL"
log "ok - ?event_type=status_update_event: only status_update_event, the same $N2 as the full stream"
exit 0
