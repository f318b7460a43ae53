#!/usr/bin/env python3
"""rolling_hap.py -- the HAProxy side of bench/rolling.sh.

  rolling_hap.py ready SOCK DNS_PORT SRV N
      exit 0 when HAProxy's backend "app" (stats socket SOCK) has exactly
      N servers UP and their ports are those of SRV's records in stadion's
      DNS (127.0.0.1:DNS_PORT), else 1 (the reason on stderr).
  rolling_hap.py counters SOCK
      one JSON object of the counters of HAProxy's proxies "app" (the
      backend) and "f" (the frontend): econ (connection errors), wretr
      (retries), wredis (redispatches), be_5xx (5xx responses from the
      servers or for the backend), fe_5xx (5xx the clients got), fe_req
      (HTTP requests the frontend took).

Only the unix socket SOCK and 127.0.0.1 are contacted.
"""

import csv
import io
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rolling_measure import srv_ports  # noqa: E402


def cli(sock, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    try:
        s.connect(sock)
        s.sendall(cmd.encode() + b"\n")
        data = b""
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    finally:
        s.close()
    return data.decode("utf-8", "replace")


def stat(sock):
    text = cli(sock, "show stat")
    if text.startswith("# "):
        text = text[2:]
    return list(csv.DictReader(io.StringIO(text)))


def num(row, key):
    try:
        return int(row.get(key) or 0)
    except ValueError:
        return 0


def ready(sock, dns_port, srv, n):
    up = []
    for line in cli(sock, "show servers state app").splitlines():
        f = line.split()
        # be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state
        # ... srv_fqdn srv_port ...: op_state 2 is running; admin_state 0
        # or only "hostname set by the resolver" bits.
        if len(f) < 19 or not f[0].isdigit():
            continue
        op, admin = int(f[5]), int(f[6])
        if op == 2 and admin & 0x27 == 0:
            up.append(int(f[18]))
    want = srv_ports(dns_port, srv)
    if len(up) == n and sorted(up) == sorted(want):
        return 0
    sys.stderr.write("haproxy: %d UP %s, DNS %s\n" % (len(up), sorted(up), sorted(want)))
    return 1


def counters(sock):
    out = {}
    for row in stat(sock):
        if row.get("pxname") == "app" and row.get("svname") == "BACKEND":
            out.update(econ=num(row, "econ"), wretr=num(row, "wretr"),
                       wredis=num(row, "wredis"), be_5xx=num(row, "hrsp_5xx"))
        elif row.get("pxname") == "f" and row.get("svname") == "FRONTEND":
            out.update(fe_5xx=num(row, "hrsp_5xx"), fe_req=num(row, "req_tot"))
    print(json.dumps(out, sort_keys=True))
    return 0


def main(argv):
    if len(argv) == 5 and argv[0] == "ready":
        try:
            return ready(argv[1], int(argv[2]), argv[3], int(argv[4]))
        except (OSError, ValueError) as e:
            sys.stderr.write("haproxy: %s\n" % e)
            return 1
    if len(argv) == 2 and argv[0] == "counters":
        return counters(argv[1])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
