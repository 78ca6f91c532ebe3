"""Generate the demo captures of the IP camera "AcmeCam C100" (deterministic, byte for byte).

    python sample_captures/gen_capture.py [OUTPUT_DIR]   # default: the folder of this script

Network: LAN 192.168.1.0/24, gateway and DNS resolver 192.168.1.1, the device under test (an IP
camera) 192.168.1.50 with MAC 02:00:00:c1:00:50, the inspector's laptop 192.168.1.10, a NAS
192.168.1.20. Cloud endpoints declared by the vendor: api.acme-cloud.example (203.0.113.30),
update.acme-cloud.example (203.0.113.20), mqtt.acme-cloud.example (203.0.113.10).

demo_defective.pcap plants these defects (packet numbers are stable; tests assert on them):
  1. DNS: the camera resolves the cloud names and an undeclared one, telemetry.tracker.example
     (198.51.100.77), then POSTs telemetry to it over plain HTTP.
  2. Port scan of the camera by the laptop (SYN to 1-1024 and a few high ports): SYN/ACK on 23,
     80, 554, 2323 and 8080; RST on the rest.
  3. Telnet login on the NON-standard port 2323: user "admin", password "camera123" (typed
     character by character after IAC option negotiation and a "login:" prompt).
  4. FTP (camera -> NAS 192.168.1.20:21): USER "camuser" / PASS "ftp-s3cret", STOR a snapshot.
  5. HTTP Basic to the camera's web UI (laptop -> 192.168.1.50:80): admin / "admin123".
  6. MQTT 5.0 CONNECT (with properties) to mqtt.acme-cloud.example:1883: user "c100-00012345",
     password "mqtt-pass-42".
  7. Firmware download over plain HTTP: GET /fw/c100-2.2.bin from update.acme-cloud.example,
     application/octet-stream, 6144 bytes, body starting with the uImage magic 27 05 19 56.
  8. TLS 1.0 handshake to api.acme-cloud.example:443 choosing TLS_RSA_WITH_3DES_EDE_CBC_SHA (RC4
     offered too), with a self-signed, expired (2015-2016), 1024-bit RSA certificate that spans
     several TCP segments.
  9. SSDP NOTIFY from the camera whose SERVER banner discloses the firmware version (2.1.0) and
     serial number (SN C100-00012345); mDNS announcement with TXT model=C100, sn=C100-00012345,
     fw=2.1.0 and fn=<script>alert(1)</script>.
 10. DHCP request with host name "<script>alert(1)</script>" (a hostile string for escaping tests).
Then, after these packets (whose numbers do not move), twelve minutes of the camera left alone:
telemetry POSTs to the tracker every four minutes, its name re-resolved, an SSDP re-announcement.

demo_clean.pcap: the same camera doing the same jobs properly: DNS only for the declared names;
TLS 1.3 to api.acme-cloud.example:443 (GREASE, SNI, ALPN); TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256
to update.acme-cloud.example:443 with a valid ECDSA chain (leaf P-256 signed by a P-384 CA) and the
firmware download inside it; MQTT over TLS 1.3 on 8883; a port scan answered only on 443 and 554;
SSDP and mDNS announcements without serial number or version; the laptop reaching the web UI
over TLS 1.3; NTP with 0.pool.ntp.org. The MQTT session stays up for the whole twelve minutes, with
a keepalive every minute and a status message every five; NTP polls every 128 s; the cloud and
NTP names are re-resolved as their TTL (300 s) runs out.

Both captures span 12 minutes (COM-05 asks for `min_capture_minutes`, 10, before it passes) and
stay small (about 200 KB): the time passes between packets, not in packets.

Determinism: fixed timestamps (from 2025-01-01T00:00:00Z), sequence numbers from a seeded
random.Random, RSA keys built from seeded primes (PKCS#1 v1.5 signatures are deterministic),
ECDSA keys from fixed scalars with RFC 6979 deterministic signatures.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.utils import PcapWriter

CAMERA, CAMERA_MAC = "192.168.1.50", "02:00:00:c1:00:50"
LAPTOP, LAPTOP_MAC = "192.168.1.10", "02:00:00:00:00:10"
NAS, NAS_MAC = "192.168.1.20", "02:00:00:00:00:20"
GATEWAY, GATEWAY_MAC = "192.168.1.1", "02:00:00:00:00:01"
MQTT_IP, UPDATE_IP, API_IP, TRACKER_IP = "203.0.113.10", "203.0.113.20", "203.0.113.30", "198.51.100.77"
NTP_NAME, NTP_IP = "0.pool.ntp.org", "198.51.100.123"
START = 1735689600.0  # 2025-01-01T00:00:00Z
MACS = {CAMERA: CAMERA_MAC, LAPTOP: LAPTOP_MAC, NAS: NAS_MAC}


def mac_of(ip: str) -> str:
    return MACS.get(ip, GATEWAY_MAC)


# --- packets ---------------------------------------------------------------------------------------
class Capture:
    def __init__(self, path: Path, seed: int) -> None:
        self.writer = PcapWriter(str(path), linktype=1, sync=False)
        self.t = START
        self.rng = random.Random(seed)
        self.count = 0

    def at(self, seconds: float) -> None:
        """Move the clock to `seconds` after START (never backwards: packets stay in order)."""
        self.t = max(self.t, START + seconds)

    def emit(self, pkt, gap: float = 0.001) -> int:
        self.t += gap
        pkt.time = round(self.t, 6)
        self.writer.write(pkt)
        self.count += 1
        return self.count

    def udp(
        self,
        src: str,
        sport: int,
        dst: str,
        dport: int,
        payload: bytes,
        dst_mac: str | None = None,
        gap: float = 0.001,
    ) -> int:
        frame = Ether(src=mac_of(src), dst=dst_mac or mac_of(dst)) / IP(
            src=src, dst=dst, id=self.count & 0xFFFF
        )
        return self.emit(frame / UDP(sport=sport, dport=dport) / Raw(payload), gap)

    def close(self) -> None:
        self.writer.close()


class Tcp:
    """One TCP connection with correct sequence numbers; data split at `mss`."""

    def __init__(self, cap: Capture, client: str, cport: int, server: str, sport: int) -> None:
        self.cap, self.client, self.cport, self.server, self.sport = cap, client, cport, server, sport
        self.cseq = cap.rng.getrandbits(32)
        self.sseq = cap.rng.getrandbits(32)

    def _pkt(self, from_client: bool, flags: str, payload: bytes = b""):
        src, dst = (self.client, self.server) if from_client else (self.server, self.client)
        sport, dport = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        seq, ack = (self.cseq, self.sseq) if from_client else (self.sseq, self.cseq)
        layer = TCP(
            sport=sport, dport=dport, seq=seq & 0xFFFFFFFF, ack=ack & 0xFFFFFFFF, flags=flags, window=64240
        )
        pkt = Ether(src=mac_of(src), dst=mac_of(dst)) / IP(src=src, dst=dst) / layer
        return pkt / Raw(payload) if payload else pkt

    def open(self) -> None:
        self.cap.emit(self._pkt(True, "S"))
        self.cseq += 1
        self.cap.emit(self._pkt(False, "SA"))
        self.sseq += 1
        self.cap.emit(self._pkt(True, "A"))

    def send(self, from_client: bool, data: bytes, mss: int = 1400) -> list[int]:
        numbers = []
        for i in range(0, len(data), mss):
            piece = data[i : i + mss]
            numbers.append(self.cap.emit(self._pkt(from_client, "PA", piece)))
            if from_client:
                self.cseq += len(piece)
            else:
                self.sseq += len(piece)
        self.cap.emit(self._pkt(not from_client, "A"))
        return numbers

    def c(self, data: bytes, mss: int = 1400) -> list[int]:
        return self.send(True, data, mss)

    def s(self, data: bytes, mss: int = 1400) -> list[int]:
        return self.send(False, data, mss)

    def close(self) -> None:
        self.cap.emit(self._pkt(True, "FA"))
        self.cseq += 1
        self.cap.emit(self._pkt(False, "FA"))
        self.sseq += 1
        self.cap.emit(self._pkt(True, "A"))


# --- DNS and discovery -------------------------------------------------------------------------------
def dns_name(name: str) -> bytes:
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split(".") if p) + b"\x00"


def dns_query(ident: int, name: str, qtype: int = 1) -> bytes:
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + dns_name(name) + struct.pack("!HH", qtype, 1)


def dns_answer(ident: int, name: str, address: str) -> bytes:
    head = struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + dns_name(name) + struct.pack("!HH", 1, 1)
    rdata = bytes(int(x) for x in address.split("."))
    return head + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + rdata


def resolve(cap: Capture, name: str, address: str, port: int) -> None:
    ident = cap.rng.getrandbits(16)
    cap.udp(CAMERA, port, GATEWAY, 53, dns_query(ident, name))
    cap.udp(GATEWAY, 53, CAMERA, port, dns_answer(ident, name, address))


def ntp_packet(mode: int, stamp: float) -> bytes:
    """An NTPv4 packet: client (mode 3) or server (mode 4, stratum 2), its transmit time `stamp`."""
    seconds = int(stamp) + 2208988800  # NTP era 0 starts in 1900
    fraction = int((stamp % 1) * 2**32)
    stratum, poll, precision = (2, 6, -23) if mode == 4 else (0, 6, -20)
    head = struct.pack("!BBbb", (4 << 3) | mode, stratum, poll, precision)
    return head + bytes(12) + bytes(24) + struct.pack("!II", seconds, fraction)


def ntp_sync(cap: Capture, port: int) -> None:
    """One client/server exchange with the pool server (busybox ntpd polls from a random port)."""
    cap.udp(CAMERA, port, NTP_IP, 123, ntp_packet(3, cap.t))
    cap.udp(NTP_IP, 123, CAMERA, port, ntp_packet(4, cap.t + 0.02), gap=0.021)


def mdns_announcement(txt: list[str]) -> bytes:
    instance, service, host = "AcmeCam C100._rtsp._tcp.local", "_rtsp._tcp.local", "acmecam-c100.local"
    records = []
    records.append(dns_name(service) + struct.pack("!HHI", 12, 1, 4500) + _rdata(dns_name(instance)))
    srv = struct.pack("!HHH", 0, 0, 554) + dns_name(host)
    records.append(dns_name(instance) + struct.pack("!HHI", 33, 0x8001, 120) + _rdata(srv))
    txt_data = b"".join(bytes([len(t.encode())]) + t.encode() for t in txt)
    records.append(dns_name(instance) + struct.pack("!HHI", 16, 0x8001, 4500) + _rdata(txt_data))
    records.append(dns_name(host) + struct.pack("!HHI", 1, 0x8001, 120) + _rdata(bytes([192, 168, 1, 50])))
    return struct.pack("!HHHHHH", 0, 0x8400, 0, len(records), 0, 0) + b"".join(records)


def _rdata(data: bytes) -> bytes:
    return struct.pack("!H", len(data)) + data


def ssdp_notify(server: str, location: str) -> bytes:
    return (
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
        f"LOCATION: {location}\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: {server}\r\n"
        "USN: uuid:6f1c0a52-c100-4a4e-9b1d-020000c10050::upnp:rootdevice\r\n\r\n"
    ).encode()


def dhcp_request(hostname: str, vendor: str) -> bytes:
    mac = bytes.fromhex(CAMERA_MAC.replace(":", ""))
    head = struct.pack(
        "!BBBBIHH4s4s4s4s", 1, 1, 6, 0, 0x3903F326, 0, 0, b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4
    )
    head += mac + b"\0" * 10 + b"\0" * 192 + b"\x63\x82\x53\x63"
    opts = b"\x35\x01\x03" + b"\x32\x04" + bytes([192, 168, 1, 50])
    opts += bytes([12, len(hostname)]) + hostname.encode() + bytes([60, len(vendor)]) + vendor.encode()
    return head + opts + b"\xff"


# --- TLS ----------------------------------------------------------------------------------------------
def record(ctype: int, version: int, body: bytes) -> bytes:
    return struct.pack("!BHH", ctype, version, len(body)) + body


def handshake(mtype: int, body: bytes) -> bytes:
    return bytes([mtype]) + len(body).to_bytes(3, "big") + body


def ext(etype: int, body: bytes) -> bytes:
    return struct.pack("!HH", etype, len(body)) + body


def u16s(values: list[int], width: int = 2) -> bytes:
    data = b"".join(struct.pack("!H", v) for v in values)
    return len(data).to_bytes(width, "big") + data


def client_hello(rng: random.Random, version: int, ciphers: list[int], exts: list[bytes]) -> bytes:
    body = struct.pack("!H", version) + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
    body += u16s(ciphers) + b"\x01\x00"
    ext_data = b"".join(exts)
    body += struct.pack("!H", len(ext_data)) + ext_data
    return handshake(1, body)


def server_hello(rng: random.Random, version: int, cipher: int, exts: list[bytes]) -> bytes:
    body = struct.pack("!H", version) + rng.randbytes(32) + b"\x20" + rng.randbytes(32)
    body += struct.pack("!HB", cipher, 0)
    ext_data = b"".join(exts)
    if exts:
        body += struct.pack("!H", len(ext_data)) + ext_data
    return handshake(2, body)


def sni(name: str) -> bytes:
    entry = b"\x00" + struct.pack("!H", len(name)) + name.encode()
    return ext(0, struct.pack("!H", len(entry)) + entry)


def alpn(protocols: list[str]) -> bytes:
    data = b"".join(bytes([len(p)]) + p.encode() for p in protocols)
    return ext(16, struct.pack("!H", len(data)) + data)


def certificate_message(ders: list[bytes]) -> bytes:
    entries = b"".join(len(d).to_bytes(3, "big") + d for d in ders)
    return handshake(11, len(entries).to_bytes(3, "big") + entries)


def _is_prime(n: int, rng: random.Random) -> bool:
    if n < 2:
        return False
    for p in (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37):
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(40):
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def seeded_rsa_key(bits: int, seed: int) -> rsa.RSAPrivateKey:
    rng = random.Random(seed)
    e = 65537

    def prime() -> int:
        while True:
            candidate = rng.getrandbits(bits // 2) | (3 << (bits // 2 - 2)) | 1
            if candidate % e != 1 and _is_prime(candidate, rng):
                return candidate

    p, q = prime(), prime()
    while q == p:
        q = prime()
    n, d = p * q, pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, n)
    )
    return numbers.private_key()


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Cloud"),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def weak_certificate() -> bytes:
    key = seeded_rsa_key(1024, seed=1024)
    name = _name("api.acme-cloud.example")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1001)
        .not_valid_before(dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2016, 1, 1, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


def good_chain() -> list[bytes]:
    ca_key = ec.derive_private_key(0xACE0C100CA, ec.SECP384R1())
    leaf_key = ec.derive_private_key(0xACE0C100EE, ec.SECP256R1())
    ca_name = _name("Acme Cloud Root CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(0x2001)
        .not_valid_before(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2044, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("update.acme-cloud.example"))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(0x2002)
        .not_valid_before(dt.datetime(2024, 6, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("update.acme-cloud.example")]), critical=False
        )
        .sign(ca_key, hashes.SHA384(), ecdsa_deterministic=True)
    )
    return [leaf.public_bytes(Encoding.DER), ca.public_bytes(Encoding.DER)]


MODERN_CIPHERS = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8]
SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]


def tls13_open(
    cap: Capture,
    client: str,
    cport: int,
    server: str,
    sport: int,
    name: str | None,
    protocols: list[str],
) -> Tcp:
    """A TLS 1.3 handshake and the client's first request; the connection stays open."""
    rng = cap.rng
    conn = Tcp(cap, client, cport, server, sport)
    conn.open()
    exts = [
        ext(0x0A0A, b""),
        *([sni(name)] if name else []),
        ext(23, b""),
        ext(0xFF01, b"\x00"),
        ext(10, u16s([0x1A1A, 29, 23, 24])),
        ext(11, b"\x01\x00"),
        ext(35, b""),
        alpn(protocols),
        ext(13, u16s(SIGALGS)),
        ext(51, struct.pack("!HHH", 36, 29, 32) + rng.randbytes(32)),
        ext(45, b"\x01\x01"),
        ext(43, b"\x06\x2a\x2a\x03\x04\x03\x03"),
    ]
    conn.c(record(22, 0x0301, client_hello(rng, 0x0303, [0x2A2A, *MODERN_CIPHERS], exts)))
    hello = server_hello(
        rng, 0x0303, 0x1301, [ext(43, b"\x03\x04"), ext(51, struct.pack("!HH", 29, 32) + rng.randbytes(32))]
    )
    flight = record(22, 0x0303, hello) + record(20, 0x0303, b"\x01") + record(23, 0x0303, rng.randbytes(2900))
    conn.s(flight)
    conn.c(record(20, 0x0303, b"\x01") + record(23, 0x0303, rng.randbytes(74)))
    conn.c(record(23, 0x0303, rng.randbytes(300)))
    return conn


def tls13_data(conn: Tcp, app_bytes: int) -> None:
    """Encrypted application data from the server, in records of at most 8000 bytes."""
    remaining = app_bytes
    while remaining > 0:
        size = min(remaining, 8000)
        conn.s(record(23, 0x0303, conn.cap.rng.randbytes(size)))
        remaining -= size


def tls13_session(
    cap: Capture,
    client: str,
    cport: int,
    server: str,
    sport: int,
    name: str | None,
    protocols: list[str],
    app_bytes: int,
) -> None:
    conn = tls13_open(cap, client, cport, server, sport, name, protocols)
    tls13_data(conn, app_bytes)
    conn.close()


def mqtt_keepalive(conn: Tcp) -> None:
    """MQTT PINGREQ / PINGRESP inside TLS 1.3: 2 bytes of MQTT, 1 of content type, 16 of tag."""
    rng = conn.cap.rng
    conn.c(record(23, 0x0303, rng.randbytes(19)))
    conn.s(record(23, 0x0303, rng.randbytes(19)))


def mqtt_status(conn: Tcp) -> None:
    """A small PUBLISH of the camera's status inside TLS 1.3 (QoS 0: no answer)."""
    conn.c(record(23, 0x0303, conn.cap.rng.randbytes(96)))


def tls12_good_session(cap: Capture, app_bytes: int) -> None:
    rng = cap.rng
    conn = Tcp(cap, CAMERA, 41010, UPDATE_IP, 443)
    conn.open()
    exts = [
        sni("update.acme-cloud.example"),
        ext(10, u16s([29, 23])),
        ext(11, b"\x01\x00"),
        ext(13, u16s(SIGALGS)),
        ext(0x17, b""),
        ext(0xFF01, b"\x00"),
    ]
    conn.c(record(22, 0x0301, client_hello(rng, 0x0303, [0xC02B, 0xC02C, 0xCCA9], exts)))
    hello = server_hello(rng, 0x0303, 0xC02B, [ext(0xFF01, b"\x00"), ext(0x17, b""), ext(11, b"\x01\x00")])
    kex = handshake(12, b"\x03\x00\x1d\x20" + rng.randbytes(32) + b"\x04\x03\x00\x48" + rng.randbytes(72))
    flight = record(22, 0x0303, hello + certificate_message(good_chain()) + kex + handshake(14, b""))
    conn.s(flight, mss=600)
    conn.c(
        record(22, 0x0303, handshake(16, b"\x20" + rng.randbytes(32)))
        + record(20, 0x0303, b"\x01")
        + record(22, 0x0303, rng.randbytes(40))
    )
    conn.s(record(20, 0x0303, b"\x01") + record(22, 0x0303, rng.randbytes(40)))
    conn.c(record(23, 0x0303, rng.randbytes(120)))  # GET /fw/c100-2.3.bin, encrypted
    remaining = app_bytes
    while remaining > 0:
        size = min(remaining, 8000)
        conn.s(record(23, 0x0303, rng.randbytes(size)))
        remaining -= size
    conn.close()


def tls10_weak_session(cap: Capture) -> None:
    rng = cap.rng
    conn = Tcp(cap, CAMERA, 41020, API_IP, 443)
    conn.open()
    exts = [sni("api.acme-cloud.example"), ext(0xFF01, b"\x00")]
    ciphers = [0x000A, 0x0005, 0x0004, 0x002F, 0x0035]
    conn.c(record(22, 0x0301, client_hello(rng, 0x0301, ciphers, exts)))
    hello = server_hello(rng, 0x0301, 0x000A, [ext(0xFF01, b"\x00")])
    flight = record(22, 0x0301, hello + certificate_message([weak_certificate()]) + handshake(14, b""))
    conn.s(flight, mss=300)  # the certificate spans several segments
    conn.c(
        record(22, 0x0301, handshake(16, b"\x00\x80" + rng.randbytes(128)))
        + record(20, 0x0301, b"\x01")
        + record(22, 0x0301, rng.randbytes(48))
    )
    conn.s(record(20, 0x0301, b"\x01") + record(22, 0x0301, rng.randbytes(48)))
    conn.c(record(23, 0x0301, rng.randbytes(200)))
    conn.s(record(23, 0x0301, rng.randbytes(600)))
    conn.close()


# --- cleartext services ----------------------------------------------------------------------------
def port_scan(cap: Capture, open_ports: set[int]) -> None:
    ports = [*range(1, 1025), 1883, 2323, 8080, 8443, 8554, 49152]
    for port in ports:
        sport = 40000 + (port % 20000)
        syn = (
            Ether(src=LAPTOP_MAC, dst=CAMERA_MAC)
            / IP(src=LAPTOP, dst=CAMERA)
            / TCP(sport=sport, dport=port, flags="S", seq=1000 + port, window=1024)
        )
        cap.emit(syn, gap=0.0002)
        if port in open_ports:
            reply = TCP(sport=port, dport=sport, flags="SA", seq=5000 + port, ack=1001 + port, window=64240)
        else:
            reply = TCP(sport=port, dport=sport, flags="RA", seq=0, ack=1001 + port, window=0)
        cap.emit(Ether(src=CAMERA_MAC, dst=LAPTOP_MAC) / IP(src=CAMERA, dst=LAPTOP) / reply, gap=0.0002)
        if port in open_ports:
            rst = TCP(sport=sport, dport=port, flags="R", seq=1001 + port, window=0)
            cap.emit(Ether(src=LAPTOP_MAC, dst=CAMERA_MAC) / IP(src=LAPTOP, dst=CAMERA) / rst, gap=0.0002)


def telnet_login(cap: Capture) -> None:
    conn = Tcp(cap, LAPTOP, 51000, CAMERA, 2323)
    conn.open()
    conn.s(b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27")
    conn.c(b"\xff\xfb\x18\xff\xfb\x20\xff\xfc\x23\xff\xfc\x27")
    conn.s(b"\xff\xfb\x03\xff\xfd\x01\xff\xfb\x01")
    conn.c(b"\xff\xfd\x03\xff\xfc\x01\xff\xfd\x01")
    conn.s(b"\r\nAcmeCam C100 (Linux 3.10.14)\r\nacmecam login: ")
    for ch in b"admin":
        conn.c(bytes([ch]))
        conn.s(bytes([ch]))  # echo
    conn.c(b"\r\x00")
    conn.s(b"\r\nPassword: ")
    for ch in b"camera123":
        conn.c(bytes([ch]))
    conn.c(b"\r\x00")
    conn.s(b"\r\n\r\nBusyBox v1.24.1 built-in shell (ash)\r\n# ")
    conn.c(b"id\r\n")
    conn.s(b"uid=0(root) gid=0(root)\r\n# ")
    conn.close()


def ftp_upload(cap: Capture) -> None:
    conn = Tcp(cap, CAMERA, 42000, NAS, 21)
    conn.open()
    conn.s(b"220 NAS FTP server ready.\r\n")
    conn.c(b"USER camuser\r\n")
    conn.s(b"331 Password required for camuser.\r\n")
    conn.c(b"PASS ftp-s3cret\r\n")
    conn.s(b"230 User camuser logged in.\r\n")
    conn.c(b"TYPE I\r\n")
    conn.s(b"200 Type set to I.\r\n")
    conn.c(b"PASV\r\n")
    conn.s(b"227 Entering Passive Mode (192,168,1,20,195,80).\r\n")
    conn.c(b"STOR snapshot-20250101.jpg\r\n")
    conn.s(b"150 Opening BINARY mode data connection.\r\n")
    data = Tcp(cap, CAMERA, 42001, NAS, 50000)
    data.open()
    data.c(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(cap.rng.randbytes(1500)))
    data.close()
    conn.s(b"226 Transfer complete.\r\n")
    conn.c(b"QUIT\r\n")
    conn.s(b"221 Goodbye.\r\n")
    conn.close()


def http_basic_login(cap: Capture) -> None:
    conn = Tcp(cap, LAPTOP, 51100, CAMERA, 80)
    conn.open()
    conn.c(
        b"GET /cgi-bin/config.cgi HTTP/1.1\r\nHost: 192.168.1.50\r\nUser-Agent: curl/8.5.0\r\n"
        b"Authorization: Basic YWRtaW46YWRtaW4xMjM=\r\nAccept: */*\r\n\r\n"
    )
    body = b"<html><body><h1>AcmeCam C100 configuration</h1></body></html>"
    conn.s(
        b"HTTP/1.1 200 OK\r\nServer: thttpd/2.25b\r\nContent-Type: text/html\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    conn.close()


def mqtt5_connect(cap: Capture) -> None:
    conn = Tcp(cap, CAMERA, 43000, MQTT_IP, 1883)
    conn.open()
    props = b"\x11\x00\x00\x0e\x10" + b"\x21\x00\x14"  # session expiry 3600, receive maximum 20

    def utf8(s: str) -> bytes:
        return struct.pack("!H", len(s)) + s.encode()

    variable = utf8("MQTT") + b"\x05" + b"\xc2" + struct.pack("!H", 60) + bytes([len(props)]) + props
    payload = utf8("c100-00012345") + utf8("c100-00012345") + utf8("mqtt-pass-42")
    body = variable + payload
    conn.c(b"\x10" + bytes([len(body)]) + body)
    conn.s(b"\x20\x03\x00\x00\x00")
    topic = utf8("acme/c100-00012345/status")
    conn.c(b"\x30" + bytes([len(topic) + 1 + 13]) + topic + b"\x00" + b'{"online":1}\n')
    conn.close()


def firmware_over_http(cap: Capture) -> None:
    conn = Tcp(cap, CAMERA, 44000, UPDATE_IP, 80)
    conn.open()
    conn.c(
        b"GET /fw/c100-2.2.bin HTTP/1.1\r\nHost: update.acme-cloud.example\r\n"
        b"User-Agent: acme-updater/1.0\r\nAccept: */*\r\n\r\n"
    )
    header = struct.pack(
        "!IIIIIIIBBBB32s",
        0x27051956,
        0,
        1735689600,
        6080,
        0x80008000,
        0x80008000,
        0,
        5,
        2,
        2,
        0,
        b"AcmeCam C100 firmware 2.2",
    )
    body = header + bytes(cap.rng.randbytes(6144 - len(header)))
    conn.s(
        b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Length: 6144\r\n\r\n" + body
    )
    conn.close()


def telemetry_post(cap: Capture, port: int = 45000, events: str = "1,2,3") -> None:
    conn = Tcp(cap, CAMERA, port, TRACKER_IP, 80)
    conn.open()
    body = b'{"device":"C100","sn":"C100-00012345","events":[' + events.encode() + b"]}"
    conn.c(
        b"POST /collect HTTP/1.1\r\nHost: telemetry.tracker.example\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    conn.s(b"HTTP/1.1 204 No Content\r\n\r\n")
    conn.close()


# --- the two captures --------------------------------------------------------------------------------
# Both span 12 minutes of capture time (COM-05 asks for at least `min_capture_minutes`, 10): the
# boot-time burst, then what the camera does on its own, at fixed offsets from START (seconds).
SPAN = 720


def defective(path: Path) -> None:
    cap = Capture(path, seed=20250101)
    cap.udp(
        CAMERA,
        68,
        "255.255.255.255",
        67,
        dhcp_request("<script>alert(1)</script>", "udhcp 1.24.1"),
        dst_mac="ff:ff:ff:ff:ff:ff",
    )
    resolve(cap, "mqtt.acme-cloud.example", MQTT_IP, 50001)
    resolve(cap, "update.acme-cloud.example", UPDATE_IP, 50002)
    resolve(cap, "api.acme-cloud.example", API_IP, 50003)
    resolve(cap, "telemetry.tracker.example", TRACKER_IP, 50004)
    banner = "Linux/3.10.14 UPnP/1.0 AcmeCam-C100/2.1.0 (SN C100-00012345)"
    notify = ssdp_notify(banner, "http://192.168.1.50:8080/desc.xml")
    cap.udp(CAMERA, 1900, "239.255.255.250", 1900, notify, dst_mac="01:00:5e:7f:ff:fa")
    txt = ["txtvers=1", "model=C100", "sn=C100-00012345", "fw=2.1.0", "fn=<script>alert(1)</script>"]
    cap.udp(CAMERA, 5353, "224.0.0.251", 5353, mdns_announcement(txt), dst_mac="01:00:5e:00:00:fb")
    mqtt5_connect(cap)
    firmware_over_http(cap)
    tls10_weak_session(cap)
    telemetry_post(cap)
    ftp_upload(cap)
    port_scan(cap, {23, 80, 554, 2323, 8080})
    telnet_login(cap)
    http_basic_login(cap)
    # Appended after the planted defects, whose packet numbers stay as they were: the camera left
    # alone posts telemetry every four minutes, re-resolves names as their TTL (300 s) runs out and
    # re-announces itself over SSDP. It keeps no clock in step (no NTP).
    for second, port in ((240, 45001), (480, 45002), (SPAN, 45003)):
        if second > 300:
            cap.at(second - 1)
            resolve(cap, "telemetry.tracker.example", TRACKER_IP, 50000 + port % 1000)
        if second == 480:
            cap.udp(CAMERA, 1900, "239.255.255.250", 1900, notify, dst_mac="01:00:5e:7f:ff:fa")
        cap.at(second)
        telemetry_post(cap, port, events=f"{second // 60}")
    cap.close()


def clean(path: Path) -> None:
    cap = Capture(path, seed=20250102)
    cap.udp(
        CAMERA, 68, "255.255.255.255", 67, dhcp_request("acmecam", "acmecam"), dst_mac="ff:ff:ff:ff:ff:ff"
    )
    resolve(cap, NTP_NAME, NTP_IP, 50000)
    ntp_sync(cap, 50123)
    resolve(cap, "mqtt.acme-cloud.example", MQTT_IP, 50001)
    resolve(cap, "update.acme-cloud.example", UPDATE_IP, 50002)
    resolve(cap, "api.acme-cloud.example", API_IP, 50003)
    cap.udp(
        CAMERA,
        1900,
        "239.255.255.250",
        1900,
        ssdp_notify("AcmeCam UPnP/1.0", "https://192.168.1.50/desc.xml"),
        dst_mac="01:00:5e:7f:ff:fa",
    )
    cap.udp(
        CAMERA,
        5353,
        "224.0.0.251",
        5353,
        mdns_announcement(["txtvers=1", "model=C100"]),
        dst_mac="01:00:5e:00:00:fb",
    )
    # The MQTT session (TLS 1.3, keepalive 60 s) stays up for the whole capture.
    mqtt = tls13_open(cap, CAMERA, 41000, MQTT_IP, 8883, "mqtt.acme-cloud.example", ["mqtt"])
    tls13_data(mqtt, 800)
    cap.at(2)
    ntp_sync(cap, 50123)
    tls12_good_session(cap, 24000)
    tls13_session(cap, CAMERA, 41030, API_IP, 443, "api.acme-cloud.example", ["h2", "http/1.1"], 4000)
    # Then on its own, at fixed seconds: keepalives every minute, a status message every five,
    # NTP polls every 128 s (busybox ntpd), the names re-resolved as their TTL (300 s) runs out,
    # an SSDP re-announcement; the inspector's port scan and web UI visit in between.
    events: list[tuple[float, int, str]] = []
    events += [(float(s), 0, "keepalive") for s in range(60, SPAN + 1, 60)]
    events += [(s + 0.5, 1, "status") for s in (300.0, 600.0)]
    events += [(float(s), 2, "ntp") for s in range(128, SPAN, 128)]
    events += [(s - 2.0, 3, "dns") for s in (300.0, 600.0)]
    events += [(450.0, 4, "ssdp"), (180.0, 5, "scan"), (240.0, 6, "web")]
    for second, _, what in sorted(events):
        cap.at(second)
        if what == "keepalive":
            mqtt_keepalive(mqtt)
        elif what == "status":
            mqtt_status(mqtt)
        elif what == "ntp":
            ntp_sync(cap, 50123)
        elif what == "dns":
            resolve(cap, "mqtt.acme-cloud.example", MQTT_IP, 50004 + int(second) // 300)
            resolve(cap, NTP_NAME, NTP_IP, 50006 + int(second) // 300)
        elif what == "ssdp":
            notify = ssdp_notify("AcmeCam UPnP/1.0", "https://192.168.1.50/desc.xml")
            cap.udp(CAMERA, 1900, "239.255.255.250", 1900, notify, dst_mac="01:00:5e:7f:ff:fa")
        elif what == "scan":
            port_scan(cap, {443, 554})
        elif what == "web":  # no SNI for an address
            tls13_session(cap, LAPTOP, 51200, CAMERA, 443, None, ["http/1.1"], 9000)
    cap.close()


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    defective(out / "demo_defective.pcap")
    clean(out / "demo_clean.pcap")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
