#!/usr/bin/env python3
"""dnstool.py -- raw DNS messages for the system tests (stdlib only).

  dnstool.py corpus HOST PORT DIR        send every file of DIR over UDP and TCP
  dnstool.py pipeline HOST PORT N NAME   N queries written at once on one TCP
                                         connection; all must be answered
  dnstool.py slowtcp HOST PORT NAME      one query written an octet at a time
  dnstool.py idle HOST PORT SECONDS      an idle TCP connection must be closed
                                         within SECONDS
  dnstool.py conns HOST PORT N NAME      N TCP connections open at once, each
                                         asks one query
  dnstool.py send HOST PORT HEX [tcp]    send one message, print the answer's
                                         header as "rcode=R qr=1 tc=0 id=N ..."
                                         or "no answer"

Exit status 0 when the check holds, 1 otherwise; findings go to stdout.
"""

import os
import random
import select
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN",
          4: "NOTIMP", 5: "REFUSED", 9: "NOTAUTH"}


def qname(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(name, qtype=1, qid=None, flags=0x0000):
    if qid is None:
        qid = random.randint(0, 65535)
    return struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 0) + \
        qname(name) + struct.pack("!HH", qtype, 1)


def header(msg):
    """Fields of a DNS header, or None if msg is too short to hold one."""
    if len(msg) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    return {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 15,
            "aa": (flags >> 10) & 1, "tc": (flags >> 9) & 1,
            "rcode": flags & 15, "qd": qd, "an": an, "ns": ns, "ar": ar}


def describe(h):
    if h is None:
        return "short answer"
    rc = RCODES.get(h["rcode"], str(h["rcode"]))
    return "rcode=%s qr=%d tc=%d aa=%d id=%d an=%d ns=%d ar=%d" % (
        rc, h["qr"], h["tc"], h["aa"], h["id"], h["an"], h["ns"], h["ar"])


def recv_exact(s, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        s.settimeout(left)
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def recv_tcp_msg(s, deadline):
    (n,) = struct.unpack("!H", recv_exact(s, 2, deadline))
    return recv_exact(s, n, deadline)


def tcp_connect(host, port, timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def valid_answer(q, r):
    """A response with a sane header: QR set, the query's id and opcode."""
    h = header(r)
    if h is None or not h["qr"]:
        return False
    hq = header(q)
    if hq is None:
        return True
    return h["id"] == hq["id"] and h["opcode"] == hq["opcode"]


# ------------------------------------------------------------------ corpus

MARKER = qname("stadion-corpus-marker.marathon.mesos")


def corpus_udp(host, port, msgs, stats):
    """Send in batches; after each batch a well-formed marker query. One
    socket means one 4-tuple, so one daemon socket and thread: when the
    marker's answer is back, every answer of the batch is back too
    (but an UPDATE's)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.connect((host, port))
    batch = 32
    # UPDATEs are answered by the main loop, later than the marker of
    # their batch: an answer may be to a query of any batch so far.
    ids = {}
    for i in range(0, len(msgs), batch):
        sent = []
        for m in msgs[i:i + batch]:
            try:
                s.send(m)
                sent.append(m)
            except OSError:
                stats["udp_unsendable"] += 1
        stats["udp_sent"] += len(sent)
        for m in sent:
            h = header(m)
            if h is not None:
                ids.setdefault(h["id"], []).append(m)
        marker = query("stadion-corpus-marker.marathon.mesos", 1, i & 0xffff)
        s.send(marker)
        deadline = time.monotonic() + 3.0
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                stats["udp_marker_lost"] += 1
                break
            try:
                r = s.recv(65535)
            except ConnectionRefusedError:
                # ICMP port unreachable: the daemon is gone.
                stats["udp_refused"] += 1
                return
            if r[12:12 + len(MARKER)].lower() == MARKER and \
                    r[:2] == marker[:2]:
                break
            stats["udp_answers"] += 1
            h = header(r)
            if h and h["qr"] and h["id"] in ids and any(
                    valid_answer(m, r) for m in ids[h["id"]]):
                stats["udp_valid"] += 1
    s.close()


def corpus_tcp(host, port, msgs, stats):
    batch = 64
    for i in range(0, len(msgs), batch):
        chunk = [m for m in msgs[i:i + batch] if len(m) <= 65535]
        try:
            s = tcp_connect(host, port)
        except OSError as e:
            stats["tcp_connect_failed"] += 1
            print("tcp connect failed: %s" % e)
            return
        try:
            s.sendall(b"".join(struct.pack("!H", len(m)) + m for m in chunk))
            s.shutdown(socket.SHUT_WR)
        except OSError:
            # The daemon may close on garbage before reading everything.
            stats["tcp_write_errors"] += 1
        stats["tcp_sent"] += len(chunk)
        deadline = time.monotonic() + 5.0
        by_id = {}
        for m in chunk:
            h = header(m)
            if h is not None:
                by_id.setdefault(h["id"], []).append(m)
        try:
            while True:
                r = recv_tcp_msg(s, deadline)
                stats["tcp_answers"] += 1
                h = header(r)
                if h and h["id"] in by_id and any(
                        valid_answer(m, r) for m in by_id[h["id"]]):
                    stats["tcp_valid"] += 1
        except EOFError:
            pass
        except TimeoutError:
            stats["tcp_timeouts"] += 1
        except OSError:
            stats["tcp_resets"] += 1
        s.close()


def cmd_corpus(host, port, directory):
    files = sorted(os.listdir(directory))
    msgs = []
    for f in files:
        with open(os.path.join(directory, f), "rb") as fh:
            msgs.append(fh.read())
    keys = ["udp_sent", "udp_unsendable", "udp_answers", "udp_valid",
            "udp_refused", "udp_marker_lost", "tcp_sent", "tcp_answers", "tcp_valid",
            "tcp_timeouts", "tcp_resets", "tcp_write_errors",
            "tcp_connect_failed"]
    stats = dict.fromkeys(keys, 0)
    t0 = time.monotonic()
    corpus_udp(host, port, msgs, stats)
    t1 = time.monotonic()
    corpus_tcp(host, port, msgs, stats)
    t2 = time.monotonic()
    print("messages=%d udp_seconds=%.1f tcp_seconds=%.1f" % (
        len(msgs), t1 - t0, t2 - t1))
    for k in keys:
        print("%s=%d" % (k, stats[k]))
    return 0


# ------------------------------------------------------------------ TCP checks

def cmd_pipeline(host, port, n, name):
    s = tcp_connect(host, port)
    ids = random.sample(range(65536), n)
    s.sendall(b"".join(struct.pack("!H", len(m)) + m
                       for m in (query(name, 1, i) for i in ids)))
    deadline = time.monotonic() + 10
    seen = set()
    try:
        for _ in range(n):
            h = header(recv_tcp_msg(s, deadline))
            if h is None or not h["qr"] or h["rcode"] != 0 or h["an"] == 0:
                print("bad answer: %s" % describe(h))
                return 1
            seen.add(h["id"])
    except (EOFError, TimeoutError, OSError) as e:
        print("after %d answers: %r" % (len(seen), e))
        return 1
    s.close()
    if seen != set(ids):
        print("ids answered do not match the ids asked")
        return 1
    print("%d pipelined queries answered on one connection" % n)
    return 0


def cmd_slowtcp(host, port, name):
    s = tcp_connect(host, port)
    q = query(name, 1, 4242)
    for b in struct.pack("!H", len(q)) + q:
        s.send(bytes([b]))
        time.sleep(0.01)
    h = header(recv_tcp_msg(s, time.monotonic() + 10))
    print(describe(h))
    return 0 if h and h["qr"] and h["id"] == 4242 and h["an"] > 0 else 1


def cmd_idle(host, port, seconds):
    s = tcp_connect(host, port)
    t0 = time.monotonic()
    s.settimeout(seconds + 5)
    try:
        data = s.recv(1)
    except socket.timeout:
        print("still open after %.1f s" % (time.monotonic() - t0))
        return 1
    except ConnectionResetError:
        data = b""
    dt = time.monotonic() - t0
    if data:
        print("unexpected data on an idle connection")
        return 1
    print("idle connection closed after %.1f s" % dt)
    return 0 if dt <= seconds + 3 else 1


def cmd_conns(host, port, n, name):
    socks = [tcp_connect(host, port) for _ in range(n)]
    for i, s in enumerate(socks):
        q = query(name, 1, i)
        s.sendall(struct.pack("!H", len(q)) + q)
    deadline = time.monotonic() + 15
    ok = 0
    for i, s in enumerate(socks):
        try:
            h = header(recv_tcp_msg(s, deadline))
            if h and h["id"] == i and h["an"] > 0:
                ok += 1
        except (EOFError, TimeoutError, OSError):
            pass
        s.close()
    print("%d of %d concurrent connections answered" % (ok, n))
    return 0 if ok == n else 1


def cmd_send(host, port, hexmsg, transport="udp"):
    msg = bytes.fromhex(hexmsg)
    try:
        if transport == "tcp":
            s = tcp_connect(host, port)
            s.sendall(struct.pack("!H", len(msg)) + msg)
            r = recv_tcp_msg(s, time.monotonic() + 3)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((host, port))
            s.send(msg)
            s.settimeout(1.5)
            r = s.recv(65535)
    except (socket.timeout, TimeoutError, EOFError, ConnectionError):
        print("no answer")
        return 0
    print(describe(header(r)))
    return 0


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    a = argv[4:]
    if cmd == "corpus":
        return cmd_corpus(host, port, a[0])
    if cmd == "pipeline":
        return cmd_pipeline(host, port, int(a[0]), a[1])
    if cmd == "slowtcp":
        return cmd_slowtcp(host, port, a[0])
    if cmd == "idle":
        return cmd_idle(host, port, float(a[0]))
    if cmd == "conns":
        return cmd_conns(host, port, int(a[0]), a[1])
    if cmd == "send":
        return cmd_send(host, port, *a)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
