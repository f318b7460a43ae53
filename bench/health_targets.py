#!/usr/bin/env python3
"""health_targets.py -- the 1,000 instances probed by bench/health.sh.

  health_targets.py N READY_FILE

One asyncio process listens on N consecutive loopback ports (a block of
free ports between 20000 and 32000, bound here and kept, so no other
process can take one between the choice and the use) and answers what a
health check sends:

  HTTP  a request whose head ends in an empty line: "GET /health" gets
        200 OK, any other path 404 Not Found; then the connection is
        closed (Connection: close);
  TCP   a connection that ends without a request is only counted.

One more port (the control port) answers every connection with one JSON
line of counters and closes it: conns (connections accepted), http (200
answers), bad (requests for another path, or not HTTP), and ports_http /
ports_conn, the number of distinct target ports that got a request / a
connection since the previous control connection (which is what starts
the next count). Once all ports are bound, "FIRST_PORT CONTROL_PORT" is
written to READY_FILE.
"""
import asyncio
import json
import os
import random
import socket
import sys

N = int(sys.argv[1])
READY = sys.argv[2]

stats = {"conns": 0, "http": 0, "bad": 0}
seen_http = set()
seen_conn = set()

OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
      b"Connection: close\r\n\r\nok\n")
NOT_FOUND = (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
             b"Connection: close\r\n\r\n")


class Target(asyncio.Protocol):
    def __init__(self, port):
        self.port = port
        self.buf = b""
        self.t = None

    def connection_made(self, transport):
        self.t = transport
        stats["conns"] += 1
        seen_conn.add(self.port)

    def data_received(self, data):
        self.buf += data
        if b"\r\n\r\n" not in self.buf and b"\n\n" not in self.buf:
            if len(self.buf) > 8192:
                stats["bad"] += 1
                self.t.close()
            return
        line = self.buf.split(b"\n", 1)[0].split()
        if len(line) >= 2 and line[0] == b"GET" and line[1] == b"/health":
            stats["http"] += 1
            seen_http.add(self.port)
            self.t.write(OK)
        else:
            stats["bad"] += 1
            self.t.write(NOT_FOUND)
        self.t.close()

    def connection_lost(self, exc):
        pass


class Control(asyncio.Protocol):
    def connection_made(self, transport):
        out = dict(stats, ports_http=len(seen_http), ports_conn=len(seen_conn))
        seen_http.clear()
        seen_conn.clear()
        transport.write((json.dumps(out) + "\n").encode())
        transport.close()


def bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        return None
    s.listen(1024)
    s.setblocking(False)
    return s


def bind_block(n):
    for _ in range(200):
        base = random.randrange(20000, 32000 - n)
        socks = []
        for p in range(base, base + n):
            s = bind(p)
            if s is None:
                break
            socks.append(s)
        if len(socks) == n:
            return base, socks
        for s in socks:
            s.close()
    sys.exit("health_targets: no block of %d free ports" % n)


async def main():
    loop = asyncio.get_running_loop()
    base, socks = bind_block(N)
    for i, s in enumerate(socks):
        await loop.create_server(lambda p=base + i: Target(p), sock=s)
    ctl = bind(0)
    await loop.create_server(Control, sock=ctl)
    tmp = READY + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (base, ctl.getsockname()[1]))
    os.rename(tmp, READY)
    await asyncio.Event().wait()


asyncio.run(main())
