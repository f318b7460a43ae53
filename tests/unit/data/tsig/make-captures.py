#!/usr/bin/env python3
"""make-captures.py -- capture messages signed by BIND's and Knot's tools,
for test_tsig_interop.c (see README). Writes the .bin files beside itself.

Needs dig and nsupdate (bind9-dnsutils), kdig and knsupdate (knot-dnsutils)
and knotd (knot). Each client is pointed at a socket on 127.0.0.1 that this
script listens on; the first message it sends is saved. Knot's answers come
from a knotd started here with the keys of keys.conf: a request captured from
kdig is replayed to it at once (well inside the fudge) and what it answers
is saved too.
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_keys():
    text = open(os.path.join(HERE, "keys.conf")).read()
    keys = {}
    for name, alg, secret in re.findall(
            r'key "([^"]+)" \{\s*algorithm ([^;]+);\s*secret "([^"]+)";',
            text):
        keys[name] = (alg, secret)
    return keys


KEYS = load_keys()


def y(name):
    """The -y argument of dig, kdig, nsupdate and knsupdate for a key."""
    alg, secret = KEYS[name]
    return "%s:%s:%s" % (alg, name, secret)


def save(fname, data):
    with open(os.path.join(HERE, fname), "wb") as f:
        f.write(data)
    print("%-28s %5d octets" % (fname, len(data)))


def run(cmd, stdin_text):
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if stdin_text is not None:
        p.stdin.write(stdin_text.encode())
    p.stdin.close()
    return p


def capture_udp(fname, cmd, stdin=None):
    """The first datagram cmd(port) sends to our UDP socket; stdin(port),
    if given, is the command's input."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(10)
    port = s.getsockname()[1]
    p = run(cmd(port), stdin(port) if stdin else None)
    try:
        data, _ = s.recvfrom(65535)
    finally:
        p.kill()
        p.wait()
        s.close()
    save(fname, data)
    return data


def recv_exact(c, n):
    data = b""
    while len(data) < n:
        chunk = c.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data


def capture_tcp(fname, cmd):
    """The first message cmd(port) sends over TCP."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(10)
    p = run(cmd(s.getsockname()[1]), None)
    try:
        c, _ = s.accept()
        c.settimeout(10)
        (n,) = struct.unpack("!H", recv_exact(c, 2))
        data = recv_exact(c, n)
        c.close()
    finally:
        p.kill()
        p.wait()
        s.close()
    save(fname, data)
    return data


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_knotd(tmp):
    port = free_port()
    with open(os.path.join(tmp, "example.zone"), "w") as z:
        z.write("$ORIGIN example.\n$TTL 60\n"
                "@ SOA ns host 1 3600 600 86400 60\n@ NS ns\n"
                "ns A 192.0.2.53\n")
        # Enough for a transfer of three messages.
        for i in range(500):
            z.write('host%d A 192.0.2.%d\nhost%d TXT "record %d of a '
                    'transfer of several messages"\n'
                    % (i, i % 250 + 1, i, i))
    keys = "".join("  - id: %s\n    algorithm: %s\n    secret: %s\n"
                   % (n, a, s) for n, (a, s) in KEYS.items()
                   if not re.search(r"-\d+$", a))
    with open(os.path.join(tmp, "knot.conf"), "w") as f:
        f.write("server:\n  rundir: \"%s\"\n  listen: 127.0.0.1@%d\n"
                "key:\n%s"
                "acl:\n  - id: xfr\n    key: k256.example\n"
                "    action: transfer\n"
                "database:\n  storage: \"%s/db\"\n"
                "template:\n  - id: default\n    storage: \"%s\"\n"
                "    file: \"%%s.zone\"\n"
                "zone:\n  - domain: example\n    acl: xfr\n"
                % (tmp, port, keys, tmp, tmp))
    p = subprocess.Popen(["knotd", "-c", os.path.join(tmp, "knot.conf")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return p, port
        except OSError:
            time.sleep(0.1)
    p.kill()
    sys.exit("knotd did not start")


def replay_udp(port, request):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(request, ("127.0.0.1", port))
    data, _ = s.recvfrom(65535)
    s.close()
    return data


def replay_tcp(port, request):
    """Every message knotd sends until it falls silent."""
    c = socket.create_connection(("127.0.0.1", port), 5)
    c.sendall(struct.pack("!H", len(request)) + request)
    msgs = []
    c.settimeout(2)
    try:
        while True:
            (n,) = struct.unpack("!H", recv_exact(c, 2))
            msgs.append(recv_exact(c, n))
    except (socket.timeout, EOFError):
        pass
    c.close()
    return msgs


def main():
    for tool in ("dig", "kdig", "nsupdate", "knsupdate", "knotd"):
        if shutil.which(tool) is None:
            sys.exit("make-captures.py: %s is not installed" % tool)
    for old in os.listdir(HERE):
        if old.endswith(".bin"):
            os.unlink(os.path.join(HERE, old))

    # Queries: dig puts the TSIG after an OPT RR with a cookie.
    for bits in ("1", "224", "256", "384", "512"):
        capture_udp("dig-hmac-sha%s.bin" % bits, lambda p, b=bits: [
            "dig", "-y", y("k%s.example" % b), "@127.0.0.1", "-p", str(p),
            "+tries=1", "+time=5", "www.example", "A"])
    capture_udp("dig-hmac-sha256-128.bin", lambda p: [
        "dig", "-y", y("t256.example"), "@127.0.0.1", "-p", str(p),
        "+tries=1", "+time=5", "www.example", "A"])
    for bits in ("1", "256", "512"):
        capture_udp("kdig-hmac-sha%s.bin" % bits, lambda p, b=bits: [
            "kdig", "-y", y("k%s.example" % b), "@127.0.0.1", "-p", str(p),
            "+retry=0", "+time=5", "www.example", "A"])

    # Updates, one with the key read from the key file.
    def update(p):
        return ("server 127.0.0.1 %d\nzone example\n"
                "update add new.example 60 A 192.0.2.7\nsend\n" % p)
    capture_udp("nsupdate-k.bin", lambda p: [
        "nsupdate", "-k", os.path.join(HERE, "nsupdate.key")], update)
    capture_udp("knsupdate-hmac-sha512.bin", lambda p: [
        "knsupdate", "-y", y("k512.example")], update)

    tmp = tempfile.mkdtemp(prefix="tsig-captures.")
    knotd = None
    try:
        knotd, kport = start_knotd(tmp)
        req = capture_udp("knot-query-request.bin", lambda p: [
            "kdig", "-y", y("k256.example"), "@127.0.0.1", "-p", str(p),
            "+retry=0", "+time=5", "host7.example", "A"])
        save("knot-query-response.bin", replay_udp(kport, req))
        req = capture_tcp("knot-axfr-request.bin", lambda p: [
            "kdig", "-y", y("k256.example"), "@127.0.0.1", "-p", str(p),
            "+retry=0", "+time=5", "example", "AXFR"])
        msgs = replay_tcp(kport, req)
        if len(msgs) != 3:
            sys.exit("knotd sent %d messages, test_tsig_interop.c reads 3: "
                     "change the zone's size" % len(msgs))
        for i, m in enumerate(msgs):
            save("knot-axfr-response-%d.bin" % (i + 1), m)
    finally:
        if knotd is not None:
            knotd.kill()
            knotd.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
