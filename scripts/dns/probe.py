#!/usr/bin/env python3
"""Ask a DNS server one question over UDP and print the answer's RCODE and record count.

    probe.py NAME TYPE PORT [HOST] [TIMEOUT_SECONDS]

Prints e.g. `NOERROR 2` (RCODE name, number of answer records) and exits 0 when the server
answered, exits 1 on a timeout. Python 3 standard library only: scripts/dns-fixture.sh uses
it to wait for the fixture without needing dig.
"""

import random
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    name, qtype, port = sys.argv[1], sys.argv[2].upper(), int(sys.argv[3])
    host = sys.argv[4] if len(sys.argv) > 4 else "127.0.0.1"
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
    qid = random.randrange(0x10000)
    qname = b"".join(bytes([len(l)]) + l.encode() for l in name.strip(".").split(".") if l) + b"\0"
    query = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", TYPES[qtype], 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.sendto(query, (host, port))
        while True:
            data, _ = sock.recvfrom(4096)
            if len(data) >= 12 and struct.unpack("!H", data[:2])[0] == qid:
                break
    except (socket.timeout, ConnectionError):
        print("TIMEOUT")
        return 1
    flags, _, ancount = struct.unpack("!HHH", data[2:8])
    rcode = flags & 0x000F
    print(RCODES.get(rcode, str(rcode)), ancount)
    return 0


if __name__ == "__main__":
    sys.exit(main())
