#!/usr/bin/env python3
"""Tiny UDP DNS responders for the fixture (python3 standard library only).

    servfail.py --servfail-port P [--blackhole-port Q] [--host 127.0.0.1]

On --servfail-port every query gets an answer with RCODE 2 (SERVFAIL): same id, QR set, the
question echoed, no records. On --blackhole-port every query is read and ignored, so whoever
asked times out. dnsmasq forwards servfail.test and timeout.test to these ports (see
scripts/dns-fixture.sh). Runs until killed.
"""

import argparse
import selectors
import socket
import struct


def servfail(query: bytes) -> bytes | None:
    """The SERVFAIL answer to `query`, or None when it is too short to be a DNS message."""
    if len(query) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", query[:6])
    if flags & 0x8000:  # a response, not a query: never answer it
        return None
    # QR=1, opcode and RD copied from the query, RA=1, RCODE=2.
    out_flags = 0x8000 | (flags & 0x7900) | 0x0080 | 0x0002
    question = b""
    if qdcount >= 1:
        # Echo the first question: its name (labels up to the root) plus QTYPE and QCLASS.
        i = 12
        while i < len(query) and query[i] != 0:
            i += 1 + query[i]
        end = i + 1 + 4
        if end <= len(query):
            question = query[12:end]
    return struct.pack("!HHHHHH", qid, out_flags, 1 if question else 0, 0, 0, 0) + question


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, port))
    sock.setblocking(False)
    return sock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--servfail-port", type=int, required=True)
    parser.add_argument("--blackhole-port", type=int)
    args = parser.parse_args()

    sel = selectors.DefaultSelector()
    sel.register(bind(args.host, args.servfail_port), selectors.EVENT_READ, "servfail")
    if args.blackhole_port:
        sel.register(bind(args.host, args.blackhole_port), selectors.EVENT_READ, "blackhole")
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            try:
                data, peer = sock.recvfrom(4096)
            except (BlockingIOError, ConnectionError):
                continue
            if key.data == "servfail":
                answer = servfail(data)
                if answer is not None:
                    sock.sendto(answer, peer)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
