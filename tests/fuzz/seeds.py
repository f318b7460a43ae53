#!/usr/bin/env python3
"""seeds.py DIR -- write seed queries for the names fuzz_packet.c stores.

The CZ.NIC corpus asks about other people's zones, so on its own it hardly
reaches stadion's answer code beyond REFUSED; these seeds ask for every kind
of name the target holds, with and without EDNS, so mutations start there.
"""
import os
import struct
import sys

NAMES = [
    "mesos", "marathon.mesos", "ns1.mesos", "leader.mesos", "nosuch.mesos",
    "web.marathon.mesos", "web-i1.marathon.mesos", "web-i2.marathon.mesos",
    "web-i3.marathon.mesos", "_web._tcp.marathon.mesos",
    "_http._web._tcp.marathon.mesos", "_web._udp.marathon.mesos",
    "_dns._web._udp.marathon.mesos", "_tcp.marathon.mesos",
    "api-prod.marathon.mesos", "_api-prod._tcp.marathon.mesos",
    "many.marathon.mesos", "_many._tcp.marathon.mesos",
    "nosuch.marathon.mesos", "WEB.Marathon.MESOS",
    "example.test", "www.example.test", "web.example.test",
    "loop1.example.test", "mail.example.test", "txt.example.test",
    "a.sub.example.test", "sub.example.test", "x.wild.example.test",
    "_sip._udp.example.test", "example.com", "version.bind", "id.server",
]
TYPES = [1, 28, 33, 255, 6, 2, 15, 16, 5, 0, 65535]


def qname(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def msg(qid, name, qtype, qclass=1, edns=None, flags=0x0100):
    ar = 1 if edns is not None else 0
    m = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, ar)
    m += qname(name) + struct.pack("!HH", qtype, qclass)
    if edns is not None:
        size, version, opts = edns
        m += b"\0" + struct.pack("!HHBBHH", 41, size, 0, version, 0x8000,
                                 len(opts)) + opts
    return m


def main(d):
    os.makedirs(d, exist_ok=True)
    n = 0
    for name in NAMES:
        for t in TYPES:
            for edns in (None, (1232, 0, b""), (512, 0, b"\0\x0a\0\x08" +
                                                 b"12345678"), (4096, 1, b"")):
                qclass = 3 if name in ("version.bind", "id.server") else 1
                with open(os.path.join(d, "seed-%04d" % n), "wb") as f:
                    f.write(msg(n & 0xffff, name, t, qclass, edns))
                n += 1
    print(n)


if __name__ == "__main__":
    main(sys.argv[1])
