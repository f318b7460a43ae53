#!/usr/bin/env python3
"""dnswait.py -- the timing-critical parts of bench/launch.sh.

  dnswait.py launch HTTP_PORT DNS_PORT LABEL N BODY_FILE [TIMEOUT_S]
      POST BODY_FILE to /v2/apps on 127.0.0.1:HTTP_PORT and, from the same
      moment, ask 127.0.0.1:DNS_PORT for _LABEL._tcp.marathon.mesos SRV
      every POLL_MS (2 ms) over UDP until the answer holds N records.
      Prints one JSON object: t0_ns (CLOCK_REALTIME just before the POST,
      comparable with the engine's StartedAt), post_ms and status of the
      POST, first_ms / all_ms (first record, all N records visible), the
      first sighting of each record (seen: {"port target": realtime ns}),
      the largest record count seen (max_count: more than N means the
      daemon published duplicates), polls and tc_polls (answers that were
      truncated and asked again over TCP). Exits 1 on a timeout or a
      refused POST, still printing what it saw.

  dnswait.py run CMD ARG...
      Run CMD and print {"t0_ns", "t1_ns", "rc", "out"}: realtime before the
      fork and after it exits (for "docker run -d").

  dnswait.py api-run SOCKET NAME JSON_BODY
      The Docker Engine API by hand, the floor under any client: POST
      /containers/create?name=NAME with JSON_BODY, then POST
      /containers/ID/start, over one connection to the unix SOCKET. Prints
      {"t0_ns", "t1_ns", "out": ID} like run (t1: the start returned).

  dnswait.py started ID...
      docker inspect the containers; print per line: id, StartedAt as
      realtime ns, PORT0 of its environment (or -), running (true/false).

  dnswait.py heal DNS_PORT LABEL N RECORD PID [TIMEOUT_S]
      For bench/heal.sh: kill -9 PID (an instance's main process, whose
      SRV record is RECORD, "port target") and ask the SRV every POLL_MS
      until it holds N records and RECORD is not one of them: the
      replacement is healthy and in DNS. Prints {"out_ms" (RECORD gone),
      "back_ms" (N records again)}; exits 1 on a timeout.

  dnswait.py answer PORT PID [TIMEOUT_S]
      The same for a container restarted by Docker's restart policy:
      kill -9 PID and GET http://127.0.0.1:PORT/ every POLL_MS until it
      failed once and then answers 200. Prints {"down_ms", "back_ms"}.

Loopback only: every socket goes to 127.0.0.1.
"""
import calendar
import http.client
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time

POLL_MS = float(os.environ.get("POLL_MS", "2"))
SRV = 33


def query(name, qid):
    """A query for NAME SRV with EDNS(0), 4096-octet buffer, no RD."""
    q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1)
    for part in name.rstrip(".").split("."):
        q += bytes([len(part)]) + part.encode()
    q += b"\0" + struct.pack("!HH", SRV, 1)
    q += b"\0" + struct.pack("!HHIH", 41, 4096, 0, 0)
    return q


def read_name(msg, off):
    """The name at OFF (compression followed) and the offset after it."""
    labels, end, hops = [], None, 0
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError("compression loop")
            continue
        off += 1
        if n == 0:
            break
        labels.append(msg[off:off + n].decode("ascii", "replace").lower())
        off += n
    return ".".join(labels) + ".", (end if end is not None else off)


def parse(msg, qid):
    """(rcode, tc, set of "port target") of an answer; None if not ours."""
    if len(msg) < 12:
        return None
    rid, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    if rid != qid or not flags & 0x8000:
        return None
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    recs = set()
    for _ in range(an):
        _, off = read_name(msg, off)
        typ, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        if typ == SRV:
            _, _, port = struct.unpack("!HHH", msg[off:off + 6])
            target, _ = read_name(msg, off + 6)
            recs.add("%d %s" % (port, target))
        off += rdlen
    return flags & 0xF, bool(flags & 0x0200), recs


class Poller:
    def __init__(self, port, name):
        self.port, self.name = port, name
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.connect(("127.0.0.1", port))
        self.udp.settimeout(0.5)
        self.tc_polls = 0

    def tcp(self, q, qid):
        with socket.create_connection(("127.0.0.1", self.port), 2) as s:
            s.sendall(struct.pack("!H", len(q)) + q)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("TCP answer cut short")
                buf += chunk
            return parse(buf[2:2 + struct.unpack("!H", buf[:2])[0]], qid)

    def once(self):
        """The set of SRV records now, or None when no answer came."""
        qid = random.randrange(65536)
        q = query(self.name, qid)
        self.udp.send(q)
        deadline = time.monotonic() + 0.5
        while True:
            try:
                got = parse(self.udp.recv(65536), qid)
            except socket.timeout:
                return None
            if got is not None:
                break
            if time.monotonic() > deadline:
                return None
        rcode, tc, recs = got
        if tc:
            # Should not happen with --edns-udp-size 4096; if it does, the
            # full answer is asked over TCP (slower, counted in tc_polls).
            self.tc_polls += 1
            got = self.tcp(q, qid)
            if got is None:
                return None
            rcode, tc, recs = got
        return recs if rcode in (0, 3) else None


def launch(http_port, dns_port, label, n, body_file, timeout_s=300.0):
    body = open(body_file, "rb").read()
    poller = Poller(dns_port, "_%s._tcp.marathon.mesos" % label)
    post = {}

    def do_post(conn):
        try:
            conn.request("POST", "/v2/apps", body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            post["text"] = r.read().decode("utf-8", "replace")
            post["status"] = r.status
        except OSError as e:
            post["status"], post["text"] = 0, str(e)
        post["t_ns"] = time.time_ns()

    # Connected before t0: the TCP handshake is not stadion's time.
    conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=60)
    conn.connect()
    th = threading.Thread(target=do_post, args=(conn,))
    t0 = time.time_ns()
    th.start()
    seen, max_count, polls, first_ns, all_ns = {}, 0, 0, None, None
    period = POLL_MS / 1000.0
    nxt = time.monotonic()
    end = nxt + timeout_s
    while time.monotonic() < end:
        recs = poller.once()
        now = time.time_ns()
        polls += 1
        if recs:
            for r in recs:
                seen.setdefault(r, now)
            max_count = max(max_count, len(recs))
            if first_ns is None:
                first_ns = now
            if len(recs) >= n and all_ns is None:
                all_ns = now
        if all_ns is not None or (post and post["status"] != 201):
            break
        nxt += period
        pause = nxt - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        else:
            nxt = time.monotonic()
    th.join(60)
    conn.close()
    ms = lambda t: None if t is None else round((t - t0) / 1e6, 3)
    out = {
        "t0_ns": t0, "status": post.get("status", 0),
        "post_ms": ms(post.get("t_ns")), "first_ms": ms(first_ns),
        "all_ms": ms(all_ns), "n": n, "max_count": max_count,
        "polls": polls, "tc_polls": poller.tc_polls, "seen": seen,
    }
    if post.get("status") != 201:
        out["error"] = post.get("text", "")[:500]
    print(json.dumps(out))
    return 0 if all_ns is not None and post.get("status") == 201 else 1


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=60)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def api_run(sock, name, body):
    conn = UnixHTTP(sock)
    conn.connect()
    t0 = time.time_ns()
    conn.request("POST", "/v1.41/containers/create?name=" + name, body,
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    text = r.read().decode()
    if r.status != 201:
        print(json.dumps({"t0_ns": t0, "rc": r.status, "err": text}))
        return 1
    cid = json.loads(text)["Id"]
    conn.request("POST", "/v1.41/containers/%s/start" % cid, b"")
    r = conn.getresponse()
    text = r.read().decode()
    t1 = time.time_ns()
    conn.close()
    print(json.dumps({"t0_ns": t0, "t1_ns": t1, "rc": 0 if r.status == 204 else r.status,
                      "out": cid, "err": text}))
    return 0 if r.status == 204 else 1


def rfc3339_ns(s):
    """2026-11-30T08:44:19.39713980Z -> realtime ns (UTC only, as docker)."""
    date, _, frac = s.rstrip("Z").partition(".")
    sec = calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%S"))
    return sec * 10**9 + int((frac + "000000000")[:9])


def started(ids):
    fmt = '{{.Id}} {{.State.StartedAt}} {{.State.Running}} {{range .Config.Env}}{{println .}}{{end}}'
    out = subprocess.run(["docker", "inspect", "-f", fmt] + ids, check=True,
                         capture_output=True, text=True).stdout
    # One container: "id started running ENV\nENV\n...\n" -- split on ids.
    blocks, cur = [], None
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and len(parts[0]) == 64 and parts[2] in ("true", "false"):
            cur = {"id": parts[0], "started": parts[1], "running": parts[2],
                   "port0": "-"}
            blocks.append(cur)
            line = parts[3] if len(parts) > 3 else ""
        if cur is not None and line.startswith("PORT0="):
            cur["port0"] = line[6:]
    for b in blocks:
        print(b["id"], rfc3339_ns(b["started"]), b["port0"], b["running"])


def heal(dns_port, label, n, record, pid, timeout_s=60.0):
    poller = Poller(dns_port, "_%s._tcp.marathon.mesos" % label)
    t0 = time.monotonic()
    os.kill(pid, 9)
    out = back = None
    while time.monotonic() - t0 < timeout_s:
        recs = poller.once() or set()
        now = time.monotonic()
        if out is None and record not in recs:
            out = now
        if out is not None and len(recs) >= n and record not in recs:
            back = now
            break
        time.sleep(POLL_MS / 1000.0)
    ms = lambda t: None if t is None else round((t - t0) * 1000, 3)
    print(json.dumps({"out_ms": ms(out), "back_ms": ms(back)}))
    return 0 if back is not None else 1


def answer(port, pid, timeout_s=60.0):
    t0 = time.monotonic()
    os.kill(pid, 9)
    down = back = None
    while time.monotonic() - t0 < timeout_s:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
            c.request("GET", "/")
            ok = c.getresponse().status == 200
            c.close()
        except OSError:
            ok = False
        now = time.monotonic()
        if not ok and down is None:
            down = now
        if ok and down is not None:
            back = now
            break
        time.sleep(POLL_MS / 1000.0)
    ms = lambda t: None if t is None else round((t - t0) * 1000, 3)
    print(json.dumps({"down_ms": ms(down), "back_ms": ms(back)}))
    return 0 if back is not None else 1


def main(argv):
    if len(argv) >= 6 and argv[0] == "launch":
        return launch(int(argv[1]), int(argv[2]), argv[3], int(argv[4]),
                      argv[5], float(argv[6]) if len(argv) > 6 else 300.0)
    if len(argv) >= 2 and argv[0] == "run":
        t0 = time.time_ns()
        p = subprocess.run(argv[1:], capture_output=True, text=True)
        t1 = time.time_ns()
        print(json.dumps({"t0_ns": t0, "t1_ns": t1, "rc": p.returncode,
                          "out": p.stdout.strip(), "err": p.stderr.strip()}))
        return p.returncode
    if len(argv) == 4 and argv[0] == "api-run":
        return api_run(argv[1], argv[2], argv[3])
    if len(argv) >= 2 and argv[0] == "started":
        started(argv[1:])
        return 0
    if len(argv) >= 6 and argv[0] == "heal":
        return heal(int(argv[1]), argv[2], int(argv[3]), argv[4],
                    int(argv[5]), float(argv[6]) if len(argv) > 6 else 60.0)
    if len(argv) >= 3 and argv[0] == "answer":
        return answer(int(argv[1]), int(argv[2]),
                      float(argv[3]) if len(argv) > 3 else 60.0)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
