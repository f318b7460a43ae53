#!/usr/bin/env python3
"""loadloop.py -- a DNS-discovering HTTP client for zero-downtime tests.

Plays a client that finds an app only through stadion's DNS: each worker
thread, in a loop, gets the SRV RRset of --srv (from a cache shared by the
workers that honours the answer's TTL, as a stub resolver with a cache
would; TTL 0 or --cache none: asked every time), picks one target by the
weighted random selection of RFC 2782 among the lowest priority, takes its
address from the additional section of that answer or else from an A (then
AAAA) query, cached the same way, and sends it
"GET PATH HTTP/1.1" with "Connection: close". Every attempt is counted.

  loadloop.py --dns 127.0.0.1:PORT --srv _web._tcp.marathon.mesos \\
      --duration 10 --out stats.json

Options:
  --dns HOST:PORT      stadion's DNS ([::1]:PORT for IPv6); must be loopback
  --srv NAME           the SRV name to look up
  --path PATH          HTTP path (default /)
  --workers K          worker threads (default 4)
  --duration S         stop after S seconds
  --stop-file F        stop once F exists (at least one of the two is needed)
  --max-requests N     stop after N attempts (default 200000)
  --timeout S          HTTP timeout of one request, connect to last octet
                       (default 2)
  --pause-ms M         pause of a worker between its requests (default 5)
  --out FILE           JSON stats, rewritten atomically every second and
                       at the end
  --cache ttl|none     honour the TTL of answers, or ask every time
                       (default ttl)

DNS: UDP, a random id, 1 s timeout, no retry; a truncated (TC) answer is
asked again over TCP (1 s). Negative answers (NXDOMAIN, no records,
SERVFAIL) are not cached. Only 127.0.0.0/8 and ::1 are ever contacted: any
other address is counted as a failure ("non-loopback target").

A request fails on: no usable SRV record ("dns: nxdomain", "dns: no srv",
"dns: servfail", "dns: timeout", ...), no address for the target ("dns: no
address"), "connect: refused" / "connect: timeout" / "connect: ...", a read
error ("read: timeout", "read: reset", "read: empty response", "read: short
body", ...), a malformed answer ("http: bad response"), or a status that is
not 2xx ("http 503").

Stats (--out): {"requests", "ok", "failed", "reasons": {reason: n},
"first_errors": [{"t", "reason", "target"}] (first 20), "bodies": {first
line of a 2xx body, at most 40 characters: n}, "targets": {"addr:port": n},
"duration", "dns_queries" (messages sent, a TCP retry counts again),
"running" (false in the final file)}. One summary line goes to stdout.

Exit status: 0 after a run (whatever the numbers), 2 on bad arguments.
"""

import argparse
import errno
import ipaddress
import json
import os
import random
import signal
import socket
import struct
import sys
import threading
import time

T_A, T_AAAA, T_CNAME, T_SRV = 1, 28, 5, 33
RCODE_NAMES = {1: "formerr", 2: "servfail", 3: "nxdomain", 4: "notimp",
               5: "refused"}
DNS_TIMEOUT = 1.0
MAX_FIRST_ERRORS = 20
BODY_KEY_MAX = 40


class DnsError(Exception):
    """A lookup that gave nothing usable; str() is the short reason."""


# ------------------------------------------------------------------ DNS wire

def qname_wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            b = label.encode("ascii")
            if len(b) > 63:
                raise ValueError("label too long: %r" % label)
            out += bytes([len(b)]) + b
    return out + b"\0"


def build_query(name, qtype, qid):
    # RD clear: stadion is authoritative; a stub would set it, it is ignored.
    return struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0) + \
        qname_wire(name) + struct.pack("!HH", qtype, 1)


def read_name(msg, off):
    """The name at off (compression followed); returns (name, next offset)."""
    labels = []
    end = None
    hops = 0
    while True:
        if off >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError("short pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError("pointer loop")
            continue
        if n & 0xC0:
            raise ValueError("bad label type")
        off += 1
        if n == 0:
            break
        if off + n > len(msg):
            raise ValueError("label runs past the message")
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n
    return ".".join(labels).lower(), (end if end is not None else off)


def parse_message(msg):
    """Header fields, the question and the records of the three sections:
    each record is (owner, type, ttl, data) with data decoded for A, AAAA,
    CNAME and SRV (prio, weight, port, target), else raw octets."""
    if len(msg) < 12:
        raise ValueError("short message")
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    off = 12
    questions = []
    for _ in range(qd):
        name, off = read_name(msg, off)
        if off + 4 > len(msg):
            raise ValueError("short question")
        qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
        off += 4
        questions.append((name, qtype, qclass))
    sections = []
    for count in (an, ns, ar):
        rrs = []
        for _ in range(count):
            owner, off = read_name(msg, off)
            if off + 10 > len(msg):
                raise ValueError("short record")
            rtype, rclass, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
            off += 10
            if off + rdlen > len(msg):
                raise ValueError("rdata runs past the message")
            rd = msg[off:off + rdlen]
            if rtype == T_A and rdlen == 4:
                data = socket.inet_ntop(socket.AF_INET, rd)
            elif rtype == T_AAAA and rdlen == 16:
                data = socket.inet_ntop(socket.AF_INET6, rd)
            elif rtype == T_CNAME:
                data = read_name(msg, off)[0]
            elif rtype == T_SRV and rdlen >= 7:
                prio, weight, port = struct.unpack("!HHH", rd[:6])
                data = (prio, weight, port, read_name(msg, off + 6)[0])
            else:
                data = rd
            off += rdlen
            if ttl & 0x80000000:
                ttl = 0         # RFC 2181 8: a TTL with the top bit set is 0
            rrs.append((owner, rtype, ttl, data))
        sections.append(rrs)
    return {"id": qid, "qr": flags >> 15, "opcode": (flags >> 11) & 15,
            "tc": (flags >> 9) & 1, "rcode": flags & 15,
            "question": questions, "answer": sections[0],
            "authority": sections[1], "additional": sections[2]}


def _matches(q, name, qtype, qid):
    return (q["id"] == qid and q["qr"] == 1 and q["opcode"] == 0 and
            q["question"][:1] == [(name, qtype, 1)])


def _recv_exact(s, n, deadline):
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout
        s.settimeout(left)
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


# ------------------------------------------------------------------ resolver

class Resolver:
    """A stub resolver with a cache shared by the workers."""

    def __init__(self, server, use_cache, stats):
        self.server = server            # (family, sockaddr)
        self.use_cache = use_cache
        self.stats = stats
        self.lock = threading.Lock()
        self.cache = {}                 # (name, type) -> (expiry, value)
        self.rng = random.SystemRandom()

    # -- cache

    def _get(self, key):
        if not self.use_cache:
            return None
        with self.lock:
            e = self.cache.get(key)
            if e is None:
                return None
            if time.monotonic() >= e[0]:
                del self.cache[key]
                return None
            return e[1]

    def _put(self, key, ttl, value, now=None):
        """Cache value for ttl seconds from now (the time the answer
        came: records of one answer expire together, as in a resolver)."""
        if not self.use_cache or ttl <= 0:
            return
        with self.lock:
            self.cache[key] = ((now or time.monotonic()) + ttl, value)

    # -- transport

    def _exchange(self, name, qtype):
        qid = self.rng.randrange(65536)
        q = build_query(name, qtype, qid)
        family, addr = self.server
        self.stats.dns_query()
        deadline = time.monotonic() + DNS_TIMEOUT
        s = socket.socket(family, socket.SOCK_DGRAM)
        try:
            s.connect(addr)
            s.send(q)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DnsError("dns: timeout")
                s.settimeout(left)
                try:
                    r = s.recv(65535)
                except socket.timeout:
                    raise DnsError("dns: timeout") from None
                except ConnectionRefusedError:
                    raise DnsError("dns: port unreachable") from None
                except OSError as e:
                    raise DnsError("dns: %s" % _errname(e)) from None
                try:
                    m = parse_message(r)
                except ValueError:
                    if r[:2] == q[:2]:
                        raise DnsError("dns: malformed answer") from None
                    continue
                if _matches(m, name, qtype, qid):
                    break
                # Not our answer (a stray or spoofed datagram): keep waiting.
        finally:
            s.close()
        if m["tc"]:
            m = self._exchange_tcp(name, qtype)
        return m

    def _exchange_tcp(self, name, qtype):
        qid = self.rng.randrange(65536)
        q = build_query(name, qtype, qid)
        family, addr = self.server
        self.stats.dns_query()
        deadline = time.monotonic() + DNS_TIMEOUT
        s = socket.socket(family, socket.SOCK_STREAM)
        try:
            s.settimeout(DNS_TIMEOUT)
            s.connect(addr)
            s.sendall(struct.pack("!H", len(q)) + q)
            (n,) = struct.unpack("!H", _recv_exact(s, 2, deadline))
            r = _recv_exact(s, n, deadline)
        except socket.timeout:
            raise DnsError("dns: tcp timeout") from None
        except EOFError:
            raise DnsError("dns: tcp closed") from None
        except OSError as e:
            raise DnsError("dns: tcp %s" % _errname(e)) from None
        finally:
            s.close()
        try:
            m = parse_message(r)
        except ValueError:
            raise DnsError("dns: malformed answer") from None
        if not _matches(m, name, qtype, qid):
            raise DnsError("dns: mismatched answer")
        return m

    # -- lookups

    @staticmethod
    def _rrset(m, name, rtype):
        """The records of rtype for name in the answer, CNAMEs followed;
        returns (data list, min TTL)."""
        owner = name
        ttl = None
        for _ in range(8):
            found = [(t, d) for (o, ty, t, d) in m["answer"]
                     if o == owner and ty == rtype]
            if found:
                ttls = [t for t, _ in found] + ([ttl] if ttl is not None else [])
                return [d for _, d in found], min(ttls)
            cn = [(t, d) for (o, ty, t, d) in m["answer"]
                  if o == owner and ty == T_CNAME]
            if not cn:
                break
            ttl = cn[0][0] if ttl is None else min(ttl, cn[0][0])
            owner = cn[0][1]
        return [], 0

    @staticmethod
    def _negative(m, what):
        if m["rcode"] != 0:
            return DnsError("dns: " + RCODE_NAMES.get(m["rcode"],
                                                     "rcode %d" % m["rcode"]))
        return DnsError("dns: no " + what)

    def srv(self, name):
        """(records, additional) for name; additional maps a lower-case
        target to the addresses the answer carried (cached with it)."""
        name = name.rstrip(".").lower()
        cached = self._get((name, T_SRV))
        if cached is not None:
            return cached
        m = self._exchange(name, T_SRV)
        now = time.monotonic()
        recs, ttl = self._rrset(m, name, T_SRV)
        if not recs:
            raise self._negative(m, "srv")
        extra = {}
        ttls = {}
        for owner, rtype, t, data in m["additional"]:
            if rtype in (T_A, T_AAAA):
                extra.setdefault((owner, rtype), []).append(data)
                ttls[(owner, rtype)] = min(t, ttls.get((owner, rtype), t))
        for key, addrs in extra.items():
            self._put(key, ttls[key], addrs, now)
        additional = {}
        for (owner, rtype), addrs in sorted(extra.items(), key=lambda kv: kv[0][1]):
            additional.setdefault(owner, []).extend(addrs)
        # The addresses come with the records: one lookup, one expiry.
        self._put((name, T_SRV), ttl, (recs, additional), now)
        return recs, additional

    def addresses(self, target):
        target = target.rstrip(".").lower()
        last = None
        for rtype in (T_A, T_AAAA):
            cached = self._get((target, rtype))
            if cached is not None:
                return cached
        for rtype in (T_A, T_AAAA):
            m = self._exchange(target, rtype)
            addrs, ttl = self._rrset(m, target, rtype)
            if addrs:
                self._put((target, rtype), ttl, addrs)
                return addrs
            last = m
            if m["rcode"] != 0:
                break
        if last is not None and last["rcode"] not in (0, 3):
            raise self._negative(last, "address")
        raise DnsError("dns: no address")


def pick_srv(recs, rng):
    """RFC 2782: among the lowest priority, weight 0 first, a random number
    in [0, sum of weights], the first whose running sum reaches it."""
    usable = [r for r in recs if r[3] not in ("", ".") and r[2] != 0]
    if not usable:
        return None
    low = min(r[0] for r in usable)
    cands = [r for r in usable if r[0] == low]
    rng.shuffle(cands)
    cands.sort(key=lambda r: r[1] != 0)     # stable: weight 0 first
    total = sum(r[1] for r in cands)
    x = rng.randint(0, total)
    run = 0
    for r in cands:
        run += r[1]
        if run >= x:
            return r
    return cands[-1]


# ------------------------------------------------------------------ HTTP

def _errname(e):
    if isinstance(e, ConnectionRefusedError):
        return "refused"
    if isinstance(e, ConnectionResetError):
        return "reset"
    if isinstance(e, BrokenPipeError):
        return "broken pipe"
    if isinstance(e, (socket.timeout, TimeoutError)):
        return "timeout"
    if getattr(e, "errno", None):
        return errno.errorcode.get(e.errno, str(e.errno)).lower()
    return type(e).__name__


def is_loopback(addr):
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 4:
        return ip in ipaddress.ip_network("127.0.0.0/8")
    return ip == ipaddress.ip_address("::1")


def hostport(addr, port):
    return ("[%s]:%d" if ":" in addr else "%s:%d") % (addr, port)


def _dechunk(data):
    """Decode a chunked body; returns (body, complete)."""
    out = b""
    off = 0
    while True:
        nl = data.find(b"\r\n", off)
        if nl < 0:
            return out, False
        try:
            n = int(data[off:nl].split(b";", 1)[0].strip(), 16)
        except ValueError:
            return out, False
        off = nl + 2
        if n == 0:
            return out, True
        if off + n + 2 > len(data):
            out += data[off:off + n]
            return out, False
        out += data[off:off + n]
        off += n + 2


def http_get(addr, port, path, timeout):
    """One request; returns (ok, reason or body line)."""
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    hp = hostport(addr, port)
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: stadion-loadloop\r\n"
           "Accept: */*\r\nConnection: close\r\n\r\n" % (path, hp)).encode()
    deadline = time.monotonic() + timeout
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        try:
            s.connect((addr, port))
        except (socket.timeout, TimeoutError):
            return False, "connect: timeout"
        except OSError as e:
            return False, "connect: " + _errname(e)
        data = b""
        head_end = -1
        clen = None
        chunked = False
        try:
            s.sendall(req)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise socket.timeout
                s.settimeout(left)
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if head_end < 0:
                    head_end = data.find(b"\r\n\r\n")
                    if head_end >= 0:
                        clen, chunked = _framing(data[:head_end])
                if head_end >= 0:
                    body = data[head_end + 4:]
                    if clen is not None and not chunked and len(body) >= clen:
                        break
                    if chunked and _dechunk(body)[1]:
                        break
        except (socket.timeout, TimeoutError):
            return False, "read: timeout"
        except OSError as e:
            if not data:
                return False, "read: " + _errname(e)
            # A reset after a complete answer is no failure; judged below.
            if head_end < 0:
                return False, "read: " + _errname(e)
            body = data[head_end + 4:]
            complete = (_dechunk(body)[1] if chunked else
                        clen is not None and len(body) >= clen)
            if not complete:
                return False, "read: " + _errname(e)
    finally:
        s.close()
    if not data:
        return False, "read: empty response"
    if head_end < 0:
        return False, "read: short header" if data.startswith(b"HTTP/") \
            else "http: bad response"
    status_line = data[:data.find(b"\r\n")] if b"\r\n" in data else data[:head_end]
    parts = status_line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or \
            not parts[1].isdigit() or len(parts[1]) != 3:
        return False, "http: bad response"
    status = int(parts[1])
    body = data[head_end + 4:]
    if chunked:
        body, complete = _dechunk(body)
        if not complete:
            return False, "read: short body"
    elif clen is not None:
        if len(body) < clen:
            return False, "read: short body"
        body = body[:clen]
    if not 200 <= status <= 299:
        return False, "http %d" % status
    line = body.split(b"\n", 1)[0].rstrip(b"\r")
    return True, line.decode("utf-8", "replace")[:BODY_KEY_MAX]


def _framing(head):
    clen = None
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            try:
                clen = int(v.strip())
            except ValueError:
                pass
        elif k == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    return clen, chunked


# ------------------------------------------------------------------ stats

class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.t_end = None
        self.requests = 0
        self.ok = 0
        self.failed = 0
        self.reasons = {}
        self.first_errors = []
        self.bodies = {}
        self.targets = {}
        self.dns_queries = 0

    def dns_query(self):
        with self.lock:
            self.dns_queries += 1

    def record(self, ok, what, target):
        with self.lock:
            if target and not what.startswith("dns:"):
                self.targets[target] = self.targets.get(target, 0) + 1
            if ok:
                self.ok += 1
                self.bodies[what] = self.bodies.get(what, 0) + 1
            else:
                self.failed += 1
                self.reasons[what] = self.reasons.get(what, 0) + 1
                if len(self.first_errors) < MAX_FIRST_ERRORS:
                    self.first_errors.append({
                        "t": round(time.monotonic() - self.t0, 3),
                        "reason": what, "target": target})

    def snapshot(self, running):
        with self.lock:
            end = self.t_end if self.t_end is not None else time.monotonic()
            return {"requests": self.requests, "ok": self.ok,
                    "failed": self.failed, "reasons": dict(self.reasons),
                    "first_errors": list(self.first_errors),
                    "bodies": dict(self.bodies),
                    "targets": dict(self.targets),
                    "duration": round(end - self.t0, 3),
                    "dns_queries": self.dns_queries, "running": running}


def write_json(path, obj):
    d = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(d, ".%s.%d.tmp" % (os.path.basename(path), os.getpid()))
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


# ------------------------------------------------------------------ main loop

class Run:
    def __init__(self, args, server):
        self.args = args
        self.stats = Stats()
        self.stop = threading.Event()
        self.resolver = Resolver(server, args.cache == "ttl", self.stats)
        self.deadline = (self.stats.t0 + args.duration
                         if args.duration is not None else None)

    def should_stop(self):
        if self.stop.is_set():
            return True
        a = self.args
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.stop.set()
        elif a.stop_file and os.path.exists(a.stop_file):
            self.stop.set()
        return self.stop.is_set()

    def take_slot(self):
        with self.stats.lock:
            if self.stats.requests >= self.args.max_requests:
                self.stop.set()
                return False
            self.stats.requests += 1
            return True

    def one(self, rng):
        a = self.args
        try:
            recs, additional = self.resolver.srv(a.srv)
        except DnsError as e:
            return False, str(e), a.srv
        except (OSError, ValueError) as e:
            return False, "dns: " + _errname(e), a.srv
        r = pick_srv(recs, rng)
        if r is None:
            return False, "dns: no usable srv", a.srv
        _, _, port, target = r
        addrs = additional.get(target)
        if not addrs:
            try:
                addrs = self.resolver.addresses(target)
            except DnsError as e:
                return False, str(e), "%s:%d" % (target, port)
            except (OSError, ValueError) as e:
                return False, "dns: " + _errname(e), "%s:%d" % (target, port)
        addr = addrs[0]
        hp = hostport(addr, port)
        if not is_loopback(addr):
            return False, "non-loopback target", hp
        ok, what = http_get(addr, port, a.path, a.timeout)
        return ok, what, hp

    def worker(self):
        rng = random.Random(os.urandom(16))
        pause = self.args.pause_ms / 1000.0
        while not self.should_stop():
            if not self.take_slot():
                break
            try:
                ok, what, target = self.one(rng)
            except Exception as e:      # a bug must not end the worker silently
                ok, what, target = False, "internal: %s" % type(e).__name__, ""
            self.stats.record(ok, what, target)
            if pause > 0 and self.stop.wait(pause):
                break

    def run(self):
        a = self.args
        threads = [threading.Thread(target=self.worker, daemon=True,
                                    name="loadloop-%d" % i)
                   for i in range(a.workers)]
        for t in threads:
            t.start()
        next_write = time.monotonic() + 1.0
        while not self.should_stop():
            if not any(t.is_alive() for t in threads):
                break
            self.stop.wait(0.05)
            if a.out and time.monotonic() >= next_write:
                next_write += 1.0
                try:
                    write_json(a.out, self.stats.snapshot(True))
                except OSError as e:
                    sys.stderr.write("loadloop: %s: %s\n" % (a.out, e))
        self.stop.set()
        # A request in flight ends within its DNS timeouts (SRV, A and AAAA,
        # each over UDP and TCP) and its HTTP timeout.
        join_until = time.monotonic() + a.timeout + 6 * DNS_TIMEOUT + 1
        for t in threads:
            t.join(max(0.0, join_until - time.monotonic()))
        with self.stats.lock:
            self.stats.t_end = time.monotonic()
        snap = self.stats.snapshot(False)
        if a.out:
            try:
                write_json(a.out, snap)
            except OSError as e:
                sys.stderr.write("loadloop: %s: %s\n" % (a.out, e))
        print("loadloop: requests=%d ok=%d failed=%d duration=%.1fs "
              "dns_queries=%d reasons=%s bodies=%s" % (
                  snap["requests"], snap["ok"], snap["failed"],
                  snap["duration"], snap["dns_queries"],
                  json.dumps(snap["reasons"], sort_keys=True),
                  json.dumps(snap["bodies"], sort_keys=True)), flush=True)
        return 0


def parse_server(text):
    """HOST:PORT or [V6]:PORT, a loopback address literal (or localhost)."""
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            raise ValueError("expected [ADDRESS]:PORT")
    else:
        host, sep, port = text.rpartition(":")
        if not sep or ":" in host:
            raise ValueError("expected HOST:PORT")
    if host == "localhost":
        host = "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("bad port %r" % port)
    if not is_loopback(host):
        raise ValueError("%s is not a loopback address (127.0.0.0/8 or ::1)" % host)
    if ":" in host:
        return socket.AF_INET6, (host, int(port), 0, 0)
    return socket.AF_INET, (host, int(port))


def positive_float(text):
    v = float(text)
    if not v > 0 or v != v or v == float("inf"):
        raise argparse.ArgumentTypeError("must be a positive number")
    return v


def nonneg_float(text):
    v = float(text)
    if not v >= 0 or v == float("inf"):
        raise argparse.ArgumentTypeError("must be a number >= 0")
    return v


def positive_int(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return v


def main(argv):
    p = argparse.ArgumentParser(
        prog="loadloop.py", description="HTTP load through stadion's DNS; "
        "counts failed requests.",
        epilog="Exit status 0 after a run, 2 on bad arguments.")
    p.add_argument("--dns", required=True, metavar="HOST:PORT")
    p.add_argument("--srv", required=True, metavar="NAME")
    p.add_argument("--path", default="/")
    p.add_argument("--workers", type=positive_int, default=4, metavar="K")
    p.add_argument("--duration", type=positive_float, metavar="S")
    p.add_argument("--stop-file", metavar="F")
    p.add_argument("--max-requests", type=positive_int, default=200000,
                   metavar="N")
    p.add_argument("--timeout", type=positive_float, default=2.0, metavar="S")
    p.add_argument("--pause-ms", type=nonneg_float, default=5.0, metavar="M")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--cache", choices=("ttl", "none"), default="ttl")
    a = p.parse_args(argv)          # exits 2 on a bad argument
    try:
        server = parse_server(a.dns)
    except ValueError as e:
        p.error("--dns: %s" % e)
    if a.duration is None and not a.stop_file:
        p.error("give --duration or --stop-file (or both)")
    if not a.path.startswith("/") or any(c.isspace() or ord(c) < 32
                                         for c in a.path):
        p.error("--path must start with / and hold no white space")
    try:
        qname_wire(a.srv)
    except (ValueError, UnicodeEncodeError) as e:
        p.error("--srv: %s" % e)
    if a.workers > 1000:
        p.error("--workers: at most 1000")

    run = Run(a, server)
    if a.out:
        try:
            write_json(a.out, run.stats.snapshot(True))
        except OSError as e:
            p.error("--out: %s" % e)

    def on_signal(signum, frame):
        run.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return run.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
