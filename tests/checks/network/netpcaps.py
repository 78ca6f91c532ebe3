"""Real captures for the network checks, written with scapy: TCP sessions with correct sequence
numbers, TLS handshakes built byte by byte (with certificates made by `cryptography`), DNS,
SSDP, MQTT, telnet, FTP and HTTP as devices really speak them.

`Trace` numbers packets as Wireshark does (1-based) and returns the numbers, so tests can
assert that a finding points at the right packet.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import wrpcap

DEVICE_IP = "192.168.1.50"
DEVICE_MAC = "02:00:00:c1:00:50"
PHONE_IP = "192.168.1.20"
ROUTER_IP = "192.168.1.1"
CLOUD_IP = "203.0.113.10"
UPDATE_IP = "203.0.113.20"
TRACKER_IP = "198.51.100.77"
T0 = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC).timestamp()


def _mac(ip: str) -> str:
    if ip == DEVICE_IP:
        return DEVICE_MAC
    octets = [int(x) for x in ip.split(".")]
    return "02:00:" + ":".join(f"{o:02x}" for o in octets)


@dataclass
class Trace:
    """A capture under construction; every add returns the packet's 1-based number."""

    packets: list = field(default_factory=list)
    time: float = T0
    _ports: count = field(default_factory=lambda: count(40000))

    def add(self, pkt) -> int:
        self.time += 0.005
        pkt.time = self.time
        self.packets.append(pkt)
        return len(self.packets)

    def pause(self, seconds: float) -> None:
        """Let time pass (a capture of normal use runs for minutes)."""
        self.time += seconds

    def eth_ip(self, src: str, dst: str):
        dst_mac = (
            "ff:ff:ff:ff:ff:ff"
            if dst.endswith(".255")
            else ("01:00:5e:7f:ff:fa" if dst.startswith("239.") or dst.startswith("224.") else _mac(dst))
        )
        return Ether(src=_mac(src), dst=dst_mac) / IP(src=src, dst=dst, ttl=64)

    def tcp_session(
        self,
        client: str,
        server: str,
        dport: int,
        exchange: list[tuple[bool, bytes]],
        *,
        sport: int | None = None,
    ) -> list[int]:
        """Handshake, then each (from_client, payload) as one segment, then FIN/ACK both ways.
        Returns the packet number of each payload segment, in order."""
        sport = sport or next(self._ports)
        cseq, sseq = 1000, 5000
        self.add(self.eth_ip(client, server) / TCP(sport=sport, dport=dport, flags="S", seq=cseq))
        self.add(
            self.eth_ip(server, client) / TCP(sport=dport, dport=sport, flags="SA", seq=sseq, ack=cseq + 1)
        )
        cseq, sseq = cseq + 1, sseq + 1
        self.add(self.eth_ip(client, server) / TCP(sport=sport, dport=dport, flags="A", seq=cseq, ack=sseq))
        numbers = []
        for from_client, payload in exchange:
            if from_client:
                pkt = self.eth_ip(client, server) / TCP(
                    sport=sport, dport=dport, flags="PA", seq=cseq, ack=sseq
                )
                cseq += len(payload)
            else:
                pkt = self.eth_ip(server, client) / TCP(
                    sport=dport, dport=sport, flags="PA", seq=sseq, ack=cseq
                )
                sseq += len(payload)
            numbers.append(self.add(pkt / Raw(payload)))
        self.add(self.eth_ip(client, server) / TCP(sport=sport, dport=dport, flags="FA", seq=cseq, ack=sseq))
        self.add(
            self.eth_ip(server, client) / TCP(sport=dport, dport=sport, flags="FA", seq=sseq, ack=cseq + 1)
        )
        self.add(
            self.eth_ip(client, server) / TCP(sport=sport, dport=dport, flags="A", seq=cseq + 1, ack=sseq + 1)
        )
        return numbers

    def port_scan(
        self, scanner: str, target: str, open_ports: list[int], closed_ports: list[int]
    ) -> dict[int, int]:
        """SYN to each port; SYN/ACK (then RST from the scanner) when open, RST/ACK when closed.
        Returns port -> packet number of the device's SYN/ACK."""
        answers = {}
        for port in sorted(open_ports + closed_ports):
            sport = next(self._ports)
            self.add(self.eth_ip(scanner, target) / TCP(sport=sport, dport=port, flags="S", seq=77))
            if port in open_ports:
                answers[port] = self.add(
                    self.eth_ip(target, scanner) / TCP(sport=port, dport=sport, flags="SA", seq=900, ack=78)
                )
                self.add(self.eth_ip(scanner, target) / TCP(sport=sport, dport=port, flags="R", seq=78))
            else:
                self.add(
                    self.eth_ip(target, scanner) / TCP(sport=port, dport=sport, flags="RA", seq=0, ack=78)
                )
        return answers

    def udp(self, src: str, dst: str, sport: int, dport: int, payload: bytes) -> int:
        return self.add(self.eth_ip(src, dst) / UDP(sport=sport, dport=dport) / Raw(payload))

    def dns(self, client: str, resolver: str, qname: str, answer: str | None) -> tuple[int, int]:
        """A query and its answer (A record); returns both packet numbers."""
        sport = next(self._ports)
        ident = sport & 0xFFFF
        query = self.add(
            self.eth_ip(client, resolver)
            / UDP(sport=sport, dport=53)
            / DNS(id=ident, rd=1, qd=DNSQR(qname=qname))
        )
        an = DNSRR(rrname=qname, type="A", ttl=300, rdata=answer) if answer else None
        reply = self.add(
            self.eth_ip(resolver, client)
            / UDP(sport=53, dport=sport)
            / DNS(id=ident, qr=1, ra=1, rd=1, qd=DNSQR(qname=qname), an=an, rcode=0 if answer else 3)
        )
        return query, reply

    def write(self, path: Path) -> Path:
        wrpcap(str(path), self.packets)
        return path


# --- application payloads -------------------------------------------------------------------


def http_get(host: str, path: str, extra: str = "") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: acme-c100/2.1\r\n{extra}\r\n".encode()


def http_response(body: bytes, content_type: str = "application/octet-stream") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def firmware_blob(size: int = 2048) -> bytes:
    """A squashfs superblock magic followed by data: what a firmware image starts with."""
    return b"hsqs" + struct.pack("<I", 12) + bytes(range(256)) * (size // 256)


def _mqtt_str(value: bytes) -> bytes:
    return struct.pack("!H", len(value)) + value


def _mqtt_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_connect(client_id: bytes, user: bytes, password: bytes, *, level: int = 4) -> bytes:
    """CONNECT with user name and password; level 4 = MQTT 3.1.1, 5 = MQTT 5 (with properties)."""
    flags = 0xC2  # user name, password, clean session
    variable = _mqtt_str(b"MQTT") + bytes([level, flags]) + struct.pack("!H", 60)
    if level == 5:
        variable += b"\x00"  # no properties
    payload = _mqtt_str(client_id) + _mqtt_str(user) + _mqtt_str(password)
    body = variable + payload
    return b"\x10" + _mqtt_varint(len(body)) + body


def mqtt_connack(level: int = 4) -> bytes:
    return b"\x20\x03\x00\x00\x00" if level == 5 else b"\x20\x02\x00\x00"


def ssdp_notify(server: str, extra: str = "") -> bytes:
    return (
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
        f"LOCATION: http://{DEVICE_IP}:80/description.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
        f"SERVER: {server}\r\nUSN: uuid:5e1f0000-0000-4000-8000-020000c10050::upnp:rootdevice\r\n{extra}\r\n"
    ).encode()


# --- TLS ------------------------------------------------------------------------------------

TLS_10, TLS_11, TLS_12, TLS_13 = 0x0301, 0x0302, 0x0303, 0x0304
RC4_SHA, DES3_SHA, AES128_SHA = 0x0005, 0x000A, 0x002F
ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM, TLS13_AES128 = 0xC02F, 0xC030, 0x1301


def _record(content_type: int, version: int, body: bytes) -> bytes:
    return struct.pack("!BHH", content_type, version, len(body)) + body


def _handshake(msg_type: int, body: bytes) -> bytes:
    return bytes([msg_type]) + len(body).to_bytes(3, "big") + body


def _ext(ext_type: int, data: bytes) -> bytes:
    return struct.pack("!HH", ext_type, len(data)) + data


def client_hello(
    version: int,
    ciphers: list[int],
    *,
    sni: str | None = None,
    supported: list[int] | None = None,
    record_version: int = TLS_10,
) -> bytes:
    exts = b""
    if sni:
        name = sni.encode()
        entry = b"\x00" + struct.pack("!H", len(name)) + name
        exts += _ext(0, struct.pack("!H", len(entry)) + entry)
    exts += _ext(10, struct.pack("!HHH", 4, 0x001D, 0x0017))  # groups: x25519, secp256r1
    exts += _ext(11, b"\x01\x00")
    exts += _ext(13, struct.pack("!HHH", 4, 0x0401, 0x0403))
    if supported:
        exts += _ext(43, bytes([2 * len(supported)]) + b"".join(struct.pack("!H", v) for v in supported))
    body = (
        struct.pack("!H", version)
        + bytes(32)
        + b"\x00"
        + struct.pack("!H", 2 * len(ciphers))
        + b"".join(struct.pack("!H", c) for c in ciphers)
        + b"\x01\x00"
        + struct.pack("!H", len(exts))
        + exts
    )
    return _record(22, record_version, _handshake(1, body))


def server_flight(
    version: int, cipher: int, certs: list[bytes] = (), *, selected: int | None = None
) -> bytes:
    """ServerHello (+ Certificate + ServerHelloDone unless TLS 1.3) as one TCP payload."""
    exts = _ext(43, struct.pack("!H", selected)) if selected else b""
    body = struct.pack("!H", version) + bytes(range(32)) + b"\x00" + struct.pack("!H", cipher) + b"\x00"
    body += struct.pack("!H", len(exts)) + exts if exts else b""
    flight = _record(22, version, _handshake(2, body))
    if selected == TLS_13:
        return flight + _record(20, TLS_12, b"\x01") + _record(23, TLS_12, bytes(64))
    if certs:
        chain = b"".join(len(c).to_bytes(3, "big") + c for c in certs)
        flight += _record(22, version, _handshake(11, len(chain).to_bytes(3, "big") + chain))
    return flight + _record(22, version, _handshake(14, b""))


def client_finish(version: int) -> bytes:
    return _record(20, version, b"\x01") + _record(22, version, bytes(40)) + _record(23, version, bytes(48))


def tls_session(
    trace: Trace,
    client: str,
    server: str,
    port: int,
    *,
    hello: bytes,
    version: int,
    cipher: int,
    certs: list[bytes] = (),
    selected: int | None = None,
) -> int:
    """A full TLS handshake over TCP; returns the ClientHello's packet number."""
    numbers = trace.tcp_session(
        client,
        server,
        port,
        [
            (True, hello),
            (False, server_flight(version, cipher, certs, selected=selected)),
            (True, client_finish(version)),
            (False, _record(23, version, bytes(64))),
        ],
    )
    return numbers[0]


# --- certificates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cert:
    der: bytes
    key: object
    name: object


def make_cert(
    common_name: str,
    *,
    bits: int = 2048,
    issuer: Cert | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    ca: bool = False,
) -> Cert:
    """An RSA certificate signed (SHA-256) by `issuer`, or self-signed without one (`cryptography`
    refuses SHA-1 signatures: the corpus has real ones)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = not_before or dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    end = not_after or dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.name if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False
        )
    signer = issuer.key if issuer else key
    cert = builder.sign(signer, hashes.SHA256())
    return Cert(cert.public_bytes(Encoding.DER), key, name)
