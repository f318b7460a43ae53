#!/usr/bin/env python3
"""rolling_measure.py -- one measured deployment of bench/rolling.sh.

  rolling_measure.py MODE HTTP_PORT DNS_PORT SRV APPID N BODY WANT TIMEOUT

Subscribes to stadion's /v2/events first, then (t0) sends PUT /v2/apps/APPID
with the JSON in the file BODY, and from t0 on:

  - reads the events: deployment_success / deployment_failed of the PUT's
    deployment, stadion_rollback_event (the rollback's deployment id) and
    deployment_success of that rollback;
  - polls GET /v2/deployments every 100 ms (the deployment's end as the
    API shows it: its id no longer listed);
  - asks the SRV name over UDP every 50 ms and GETs /index.html of each
    target (127.0.0.1:port): "full strength" is N records that all answer
    WANT.

MODE update: WANT is the new version; done at deployment_success (or
failed) of the PUT's deployment and WANT at full strength in DNS.
MODE rollback: WANT is the old version; done when the PUT's deployment
failed, its rollback succeeded and, after the failure, WANT was at full
strength in DNS.

Prints one JSON object; times are ms from t0:
  put_ms (the PUT's answer), end_ms (the deployment's end event),
  end_poll_ms (its id gone from /v2/deployments), outcome ("success",
  "failed" or "timeout"), reason (of a failure), full_ms (first time
  WANT was at full strength in DNS, for rollback: after the failure),
  rollback_end_ms (the rollback's deployment_success), back_ms
  (rollback: max of rollback_end_ms and the first time after it that DNS
  held WANT at full strength), min_in_dns (fewest SRV records seen),
  dns_polls, dns_errors.
Exit status 0 when the run completed as expected for its MODE, else 1.
Only 127.0.0.1 is contacted.
"""

import http.client
import json
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "system"))
from loadloop import T_SRV, DnsError, Resolver, http_get  # noqa: E402

HOST = "127.0.0.1"


def now():
    return time.monotonic()


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.dep_id = None
        self.events = []            # (t, event dict) before dep_id is known
        self.end = None             # (t, "success" | "failed", reason)
        self.rollback_id = None
        self.rollback_end = None    # t
        self.gone = None            # t: dep id no longer in /v2/deployments
        self.full_first = None      # t: WANT at full strength (after failure)
        self.full_now = False
        self.full_since_rb = None   # t: full strength at or after the rollback end
        self.min_in_dns = None
        self.dns_polls = 0
        self.dns_errors = 0
        self.stop = False


def sse_reader(port, st, ready):
    conn = http.client.HTTPConnection(HOST, port, timeout=None)
    conn.request("GET", "/v2/events", headers={"Accept": "text/event-stream"})
    resp = conn.getresponse()
    if resp.status != 200:
        ready.set()
        return
    ready.set()
    data = []
    while True:
        line = resp.fp.readline()
        if not line:
            return
        t = now()
        line = line.decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
            continue
        if line or not data:
            continue
        try:
            ev = json.loads("\n".join(data))
        except ValueError:
            ev = None
        data = []
        if not isinstance(ev, dict):
            continue
        with st.cond:
            st.events.append((t, ev))
            handle(st, t, ev)
            st.cond.notify_all()
            if st.stop:
                return


def handle(st, t, ev):
    """One event (lock held); events seen before the PUT's answer are
    replayed by replay() once dep_id is known."""
    if st.dep_id is None:
        return
    et = ev.get("eventType")
    if et in ("deployment_success", "deployment_failed") and ev.get("id") == st.dep_id \
            and st.end is None:
        st.end = (t, "success" if et == "deployment_success" else "failed",
                  ev.get("reason", ""))
    elif et == "stadion_rollback_event" and st.rollback_id is None:
        st.rollback_id = ev.get("deploymentId")
    if et == "deployment_success" and st.rollback_id and ev.get("id") == st.rollback_id \
            and st.rollback_end is None:
        st.rollback_end = t
        if st.full_now:
            st.full_since_rb = t


def replay(st):
    for t, ev in st.events:
        handle(st, t, ev)


def api(port, method, path, body=None, timeout=30):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def deployments_poller(port, st):
    while True:
        with st.lock:
            if st.stop:
                return
            dep = st.dep_id
            done = st.gone is not None
        if dep and not done:
            try:
                code, body = api(port, "GET", "/v2/deployments", timeout=5)
                if code == 200 and dep not in [d.get("id") for d in json.loads(body)]:
                    with st.cond:
                        st.gone = now()
                        st.cond.notify_all()
            except (OSError, ValueError, http.client.HTTPException):
                pass
        time.sleep(0.1)


class _NoStats:
    def dns_query(self):
        pass


def srv_ports(dns_port, name):
    """The ports of name's SRV records (a truncated answer asked again
    over TCP, as loadloop does), no cache."""
    r = Resolver((socket.AF_INET, (HOST, dns_port)), False, _NoStats())
    try:
        m = r._exchange(name, T_SRV)
    except DnsError as e:
        raise ValueError(str(e)) from None
    return [d[2] for (o, ty, _, d) in m["answer"] if ty == T_SRV]


def dns_poller(dns_port, name, n, want, mode, st):
    while True:
        with st.lock:
            if st.stop:
                return
            # rollback: full strength counts only after the failure.
            armed = mode == "update" or (st.end is not None and st.end[1] == "failed")
        full = False
        try:
            ports = srv_ports(dns_port, name)
            vers = []
            if armed and len(ports) == n:
                for p in ports:
                    ok, what = http_get(HOST, p, "/index.html", 1.0)
                    vers.append(what if ok else None)
                full = all(v == want for v in vers)
            with st.lock:
                st.dns_polls += 1
                if st.min_in_dns is None or len(ports) < st.min_in_dns:
                    st.min_in_dns = len(ports)
        except (OSError, ValueError):
            with st.lock:
                st.dns_errors += 1
        t = now()
        with st.cond:
            st.full_now = full
            if full and st.full_first is None:
                st.full_first = t
            if full and st.rollback_end is not None and st.full_since_rb is None:
                st.full_since_rb = t
            st.cond.notify_all()
        time.sleep(0.05)


def done(st, mode):
    if mode == "update":
        return st.end is not None and (st.end[1] == "failed" or st.full_first is not None)
    if st.end is not None and st.end[1] == "success":
        return True                 # not expected: it should have failed
    return st.end is not None and st.full_since_rb is not None


def main(argv):
    if len(argv) != 9 or argv[0] not in ("update", "rollback"):
        sys.stderr.write(__doc__)
        return 2
    mode, http_port, dns_port, srv, app_id, n, body, want, timeout = argv
    http_port, dns_port, n, timeout = int(http_port), int(dns_port), int(n), float(timeout)
    body = open(body, "rb").read()
    st = State()

    ready = threading.Event()
    threading.Thread(target=sse_reader, args=(http_port, st, ready), daemon=True).start()
    if not ready.wait(10):
        print(json.dumps({"error": "no /v2/events"}))
        return 1
    time.sleep(0.05)                # the subscription is in place

    threading.Thread(target=dns_poller, args=(dns_port, srv, n, want, mode, st),
                     daemon=True).start()
    threading.Thread(target=deployments_poller, args=(http_port, st), daemon=True).start()
    t0 = now()
    code, answer = api(http_port, "PUT", "/v2/apps" + app_id, body)
    t_put = now()
    if code not in (200, 201):
        with st.lock:
            st.stop = True
        print(json.dumps({"error": "PUT: HTTP %d: %s" % (code, answer[:300].decode("utf-8", "replace"))}))
        return 1
    with st.cond:
        j = json.loads(answer)
        # 200: a deployment result; 201 (the PUT created the app): AppInfo.
        st.dep_id = j["deploymentId"] if "deploymentId" in j else j["deployments"][0]["id"]
        replay(st)
        deadline = t0 + timeout
        while not done(st, mode) and now() < deadline:
            st.cond.wait(0.05)
        # The poll of /v2/deployments: give it a moment after the event.
        end_wait = now() + 1.0
        while st.end is not None and st.gone is None and now() < end_wait:
            st.cond.wait(0.05)
        st.stop = True

    ms = lambda t: None if t is None else round((t - t0) * 1000.0, 1)
    out = {"mode": mode, "deployment": st.dep_id, "put_ms": ms(t_put),
           "end_ms": ms(st.end[0]) if st.end else None,
           "outcome": st.end[1] if st.end else "timeout",
           "reason": st.end[2] if st.end else "",
           "end_poll_ms": ms(st.gone), "full_ms": ms(st.full_first),
           "min_in_dns": st.min_in_dns, "dns_polls": st.dns_polls,
           "dns_errors": st.dns_errors}
    if mode == "rollback":
        out.update(rollback=st.rollback_id, rollback_end_ms=ms(st.rollback_end),
                   back_ms=ms(st.full_since_rb))
    print(json.dumps(out))
    ok = done(st, mode) and out["outcome"] == ("success" if mode == "update" else "failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
