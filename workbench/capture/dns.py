"""DNS wire format (also mDNS, LLMNR and NetBIOS name service), parsed defensively.

Compression pointers are followed at most MAX_HOPS times and never to an offset already
visited: a pointer loop raises `DnsLoop` instead of hanging. Names are capped at 255 bytes and
sections at MAX_RECORDS records.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

from workbench.errors import MalformedInput

MAX_HOPS = 32
MAX_NAME = 255
MAX_RECORDS = 64

QTYPES = {
    1: "A",
    2: "NS",
    5: "CNAME",
    6: "SOA",
    12: "PTR",
    13: "HINFO",
    15: "MX",
    16: "TXT",
    28: "AAAA",
    32: "NB",
    33: "SRV",
    35: "NAPTR",
    41: "OPT",
    43: "DS",
    46: "RRSIG",
    47: "NSEC",
    48: "DNSKEY",
    64: "SVCB",
    65: "HTTPS",
    255: "ANY",
}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class DnsError(MalformedInput):
    """The message is not well-formed DNS."""


class DnsLoop(DnsError):
    """A compression pointer loop (or too many pointer hops)."""


@dataclass
class Record:
    name: str
    rtype: int
    data: str | list[str]  # TXT: list of strings
    raw: bytes = b""  # rdata (for A/AAAA: the address bytes)


@dataclass
class Message:
    ident: int
    response: bool
    opcode: int
    rcode: int
    questions: list[tuple[str, int]] = field(default_factory=list)
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)

    def records(self) -> list[Record]:
        return self.answers + self.authority + self.additional


def read_name(msg: bytes, pos: int) -> tuple[str, int]:
    """The name at pos and the offset just after it in the original position."""
    labels: list[str] = []
    length = 0
    end = -1
    hops = 0
    seen: set[int] = set()
    while True:
        if pos >= len(msg):
            raise DnsError("name runs past the end of the message")
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise DnsError("truncated compression pointer")
            target = ((n & 0x3F) << 8) | msg[pos + 1]
            if end < 0:
                end = pos + 2
            hops += 1
            if target in seen or hops > MAX_HOPS:
                raise DnsLoop(f"compression pointer loop at offset {pos}")
            seen.add(target)
            pos = target
            continue
        if n & 0xC0:
            raise DnsError("unsupported label type")
        pos += 1
        if n == 0:
            break
        label = msg[pos : pos + n]
        if len(label) < n:
            raise DnsError("label runs past the end of the message")
        length += n + 1
        if length > MAX_NAME:
            raise DnsError("name longer than 255 bytes")
        labels.append(label.decode("utf-8", "backslashreplace"))
        pos += n
    return ".".join(labels), (end if end >= 0 else pos)


def _rdata(msg: bytes, rtype: int, start: int, length: int) -> str | list[str]:
    raw = msg[start : start + length]
    if rtype == 1 and length == 4:
        return socket.inet_ntop(socket.AF_INET, raw)
    if rtype == 28 and length == 16:
        return socket.inet_ntop(socket.AF_INET6, raw)
    if rtype in (2, 5, 12):
        return read_name(msg, start)[0]
    if rtype == 15 and length >= 3:
        return read_name(msg, start + 2)[0]
    if rtype == 33 and length >= 7:
        prio, weight, port = struct.unpack_from("!HHH", msg, start)
        return f"{read_name(msg, start + 6)[0]}:{port}"
    if rtype == 16:
        strings: list[str] = []
        pos = 0
        while pos < len(raw) and len(strings) < MAX_RECORDS:
            n = raw[pos]
            strings.append(raw[pos + 1 : pos + 1 + n].decode("utf-8", "backslashreplace"))
            pos += 1 + n
        return strings
    if rtype == 13:
        return raw[:255].decode("latin-1")
    return raw[:32].hex()


def _section(msg: bytes, pos: int, count: int, out: list[Record]) -> int:
    for _ in range(min(count, MAX_RECORDS)):
        name, pos = read_name(msg, pos)
        if pos + 10 > len(msg):
            raise DnsError("resource record header runs past the end")
        rtype, _cls, _ttl, rdlen = struct.unpack_from("!HHIH", msg, pos)
        pos += 10
        if pos + rdlen > len(msg):
            raise DnsError("resource data runs past the end")
        if rtype != 41:
            out.append(Record(name, rtype, _rdata(msg, rtype, pos, rdlen), msg[pos : pos + rdlen]))
        pos += rdlen
    return pos


def parse(msg: bytes) -> Message:
    if len(msg) < 12:
        raise DnsError("shorter than a DNS header")
    ident, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", msg, 0)
    out = Message(ident, bool(flags & 0x8000), (flags >> 11) & 0xF, flags & 0xF)
    pos = 12
    for _ in range(min(qd, MAX_RECORDS)):
        name, pos = read_name(msg, pos)
        if pos + 4 > len(msg):
            raise DnsError("question runs past the end")
        qtype, _ = struct.unpack_from("!HH", msg, pos)
        pos += 4
        out.questions.append((name, qtype))
    pos = _section(msg, pos, an, out.answers)
    pos = _section(msg, pos, ns, out.authority)
    try:
        _section(msg, pos, ar, out.additional)
    except DnsLoop:
        raise
    except DnsError:
        pass  # a cut additional section still leaves the answers usable
    return out


def looks_like_dns(payload: bytes) -> bool:
    if len(payload) < 12:
        return False
    _, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", payload, 0)
    opcode = (flags >> 11) & 0xF
    return opcode in (0, 1, 2, 4, 5) and qd <= 16 and an <= 256 and ns <= 256 and ar <= 256 and (qd or an)


def netbios_name(encoded: str) -> str:
    """Decode NetBIOS first-level encoding ('EBEC...' -> 'AB'); returns the input if not encoded."""
    label = encoded.split(".", 1)[0]
    if len(label) != 32 or any(not "A" <= c <= "P" for c in label.upper()):
        return encoded
    raw = bytes(
        ((ord(label[i].upper()) - 65) << 4) | (ord(label[i + 1].upper()) - 65) for i in range(0, 32, 2)
    )
    name = raw[:15].decode("latin-1").rstrip()
    return f"{name}<{raw[15]:02x}>"


def type_name(rtype: int) -> str:
    return QTYPES.get(rtype, str(rtype))
