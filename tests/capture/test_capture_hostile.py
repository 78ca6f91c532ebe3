"""Hostile and unusual inputs built in the test: clear errors or partial results, never a hang or a crash."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import pytest

from workbench.capture import Limits, analyse_capture
from workbench.capture.dns import DnsLoop, parse
from workbench.errors import EvidenceError, MalformedInput

CAM, PEER = bytes([192, 168, 1, 50]), bytes([203, 0, 113, 9])
ETH = bytes.fromhex("020000000001020000c10050") + b"\x08\x00"


def pcap(
    frames: list[bytes], linktype: int = 1, order: str = "<", nano: bool = False, ts: float = 1.7e9
) -> bytes:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, linktype)
    for i, frame in enumerate(frames):
        sec = int(ts) + i
        frac = 500_000_000 if nano else 500_000
        out += struct.pack(order + "IIII", sec, frac, len(frame), len(frame)) + frame
    return out


def ipv4(src: bytes, dst: bytes, proto: int, payload: bytes, total: int | None = None) -> bytes:
    length = total if total is not None else 20 + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, length, 1, 0, 64, proto, 0, src, dst) + payload


def tcp(sport: int, dport: int, seq: int, flags: int, payload: bytes = b"") -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport: int, dport: int, payload: bytes, length: int | None = None) -> bytes:
    return struct.pack("!HHHH", sport, dport, length if length is not None else 8 + len(payload), 0) + payload


def session(cport: int, client_data: list[bytes], server_data: list[bytes] = ()) -> list[bytes]:
    """A TCP connection CAM:cport -> PEER:443 with the given payload segments (raw IP frames)."""
    frames = [
        ipv4(CAM, PEER, 6, tcp(cport, 443, 1000, 0x02)),
        ipv4(PEER, CAM, 6, tcp(443, cport, 5000, 0x12)),
    ]
    seq = 1001
    for data in client_data:
        frames.append(ipv4(CAM, PEER, 6, tcp(cport, 443, seq, 0x18, data)))
        seq += len(data)
    sseq = 5001
    for data in server_data:
        frames.append(ipv4(PEER, CAM, 6, tcp(443, cport, sseq, 0x18, data)))
        sseq += len(data)
    return frames


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def kinds(analysis) -> dict[str, int]:
    return dict(zip(analysis.warnings["kind"], analysis.warnings["count"], strict=True))


def test_not_a_capture_is_one_clear_error(tmp_path):
    with pytest.raises(EvidenceError, match="not a packet capture"):
        analyse_capture(write(tmp_path, "notes.pcap", b"hello, this is text\n" * 10))
    with pytest.raises(EvidenceError, match="empty"):
        analyse_capture(write(tmp_path, "empty.pcap", b""))
    with pytest.raises(EvidenceError, match="not found"):
        analyse_capture(tmp_path / "missing.pcap")
    with pytest.raises(EvidenceError):
        analyse_capture(write(tmp_path, "text.gz", gzip.compress(b"not a capture either")))


def test_unsupported_link_type_is_a_warning(tmp_path):
    analysis = analyse_capture(write(tmp_path, "x.pcap", pcap([b"\x00" * 40] * 3, linktype=147)))
    assert analysis.summary["packets"] == 3
    assert kinds(analysis)["unsupported-link-type"] == 3


def test_file_cut_mid_record_keeps_the_packets_before(tmp_path):
    frames = [ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"x" * 20))] * 5
    data = pcap(frames)
    analysis = analyse_capture(write(tmp_path, "cut.pcap", data[:-10]))
    assert analysis.summary["packets"] == 4
    assert kinds(analysis)["truncated-file"] == 1
    assert analysis.warnings.iloc[0]["first_packet"] == 5
    gz = analyse_capture(write(tmp_path, "cut.pcap.gz", gzip.compress(data)[:-30]))
    assert gz.summary["packets"] <= 5 and "truncated-file" in kinds(gz)


def test_record_claiming_a_huge_length_stops_safely(tmp_path):
    good = ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"x" * 20))
    data = pcap([good]) + struct.pack("<IIII", 1, 0, 0x7FFFFFFF, 0x7FFFFFFF) + b"\x00" * 64
    analysis = analyse_capture(write(tmp_path, "huge.pcap", data))
    assert analysis.summary["packets"] == 1 and "corrupt-record" in kinds(analysis)


def test_lengths_beyond_the_end_of_the_packet(tmp_path):
    frames = [
        ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"abc"), total=1400),  # IPv4 total length too big
        ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"abc", length=900)),  # UDP length too big
        ETH + ipv4(CAM, PEER, 6, b"\x00\x50\x01"),  # TCP header cut
        ETH[:10],  # shorter than Ethernet
    ]
    analysis = analyse_capture(write(tmp_path, "beyond.pcap", pcap(frames)))
    assert kinds(analysis)["malformed-packet"] == 4
    assert analysis.summary["packets"] == 4


def test_tls_record_claiming_64k(tmp_path):
    hello = b"\x16\x03\x01\xff\xff\x01\x00\xff\xfb" + b"\x03\x03" + b"\x00" * 200
    frames = session(40000, [hello])
    analysis = analyse_capture(write(tmp_path, "tls.pcap", pcap(frames, linktype=101)))
    assert kinds(analysis)["tls-record-oversize"] == 1
    assert analysis.flows.iloc[0]["app_proto"] == "tls"


def test_dns_compression_loop(tmp_path):
    looping = struct.pack("!HHHHHH", 7, 0x8180, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x01\x00\x01"
    with pytest.raises(DnsLoop):
        parse(looping)
    two_step = struct.pack("!HHHHHH", 7, 0x8180, 1, 0, 0, 0) + b"\x01a\xc0\x10\x01b\xc0\x0c\x00\x01\x00\x01"
    with pytest.raises(DnsLoop):
        parse(two_step)
    frames = [ETH + ipv4(PEER, CAM, 17, udp(53, 5353, looping)) for _ in range(3)]
    frames = [ETH + ipv4(CAM, PEER, 17, udp(5353, 53, looping))] + frames
    analysis = analyse_capture(write(tmp_path, "loop.pcap", pcap(frames)))
    assert kinds(analysis)["dns-compression-loop"] == 4


def test_malformed_tls_and_dns_are_malformed_input():
    from workbench.capture.tls import parse_client_hello, parse_server_hello

    for broken in (
        lambda: parse_client_hello(b"\x03\x03" + b"\x00" * 10),
        lambda: parse_server_hello(b"\x03"),
    ):
        with pytest.raises(MalformedInput, match="shorter than its fixed fields") as caught:
            broken()
        assert isinstance(caught.value, ValueError)  # callers that catch ValueError still do
    with pytest.raises(MalformedInput, match="shorter than a DNS header"):
        parse(b"\x00\x07")


def test_multi_segment_client_hello_and_ja3(tmp_path):
    from workbench.capture.tls import parse_client_hello

    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\x00\x04\x13\x01\xc0\x2b" + b"\x01\x00"
    name = b"device.example"
    sni = b"\x00\x00" + struct.pack("!HHBH", len(name) + 5, len(name) + 3, 0, len(name)) + name
    padding = b"\x00\x15" + struct.pack("!H", 3000) + b"\x00" * 3000
    exts = sni + padding
    body += struct.pack("!H", len(exts)) + exts
    message = b"\x01" + len(body).to_bytes(3, "big") + body
    record = b"\x16\x03\x01" + struct.pack("!H", len(message)) + message
    segments = [record[i : i + 1000] for i in range(0, len(record), 1000)]
    segments[1], segments[2] = segments[2], segments[1]  # out of order on the wire
    frames = session(40001, [])
    seq = 1001
    offsets = [0, 2000, 1000, 3000]
    for seg, off in zip(segments, offsets, strict=False):
        frames.append(ipv4(CAM, PEER, 6, tcp(40001, 443, seq + off, 0x18, seg)))
    analysis = analyse_capture(write(tmp_path, "frag.pcap", pcap(frames, linktype=101)))
    row = analysis.tls.iloc[0]
    assert row["sni"] == "device.example" and row["offered_ciphers"] == [
        "TLS_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    ]
    assert row["ja3"] == parse_client_hello(body).ja3()
    assert row["packet"] == 3


def test_many_streams_stay_bounded_by_eviction(tmp_path):
    frames = []
    for i in range(3000):  # every connection opens an HTTP head and never finishes it
        cport = 10000 + i
        frames += [
            ETH + ipv4(CAM, PEER, 6, tcp(cport, 80, 1, 0x02)),
            ETH + ipv4(CAM, PEER, 6, tcp(cport, 80, 2, 0x18, b"GET /" + b"a" * 900 + b" HTTP/1.1\r\n")),
        ]
    path = write(tmp_path, "many.pcap", pcap(frames))
    tracemalloc.start()
    analysis = analyse_capture(path, limits=Limits(max_streams=100, stream_bytes=200_000))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(analysis.flows) == 3000
    assert kinds(analysis)["stream-evicted"] >= 2900
    assert peak < 60_000_000


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nano", [False, True])
def test_byte_orders_and_nanoseconds(tmp_path, order, nano):
    frames = [ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"x" * 12))]
    analysis = analyse_capture(write(tmp_path, "o.pcap", pcap(frames, order=order, nano=nano, ts=1.7e9)))
    assert analysis.summary["first_ts"] == pytest.approx(1.7e9 + 0.5)


@pytest.mark.parametrize(
    ("linktype", "prefix"),
    [
        (101, b""),
        (228, b""),
        (0, struct.pack("<I", 2)),
        (113, b"\x00\x00\x00\x01\x00\x06" + bytes.fromhex("020000c10050") + b"\x00\x00\x08\x00"),
        (
            276,
            b"\x08\x00\x00\x00\x00\x00\x00\x02\x00\x01\x00\x06" + bytes.fromhex("020000c10050") + b"\x00\x00",
        ),
        (1, bytes.fromhex("020000000001020000c10050") + b"\x81\x00\x00\x05\x81\x00\x00\x07\x08\x00"),
    ],
    ids=["raw", "ipv4", "null", "sll", "sll2", "qinq"],
)
def test_link_types(tmp_path, linktype, prefix):
    frame = prefix + ipv4(CAM, PEER, 6, tcp(40000, 443, 1, 0x02))
    analysis = analyse_capture(write(tmp_path, "l.pcap", pcap([frame], linktype=linktype)))
    assert analysis.warnings.empty
    flow = analysis.flows.iloc[0]
    assert (flow["client_ip"], flow["server_port"]) == ("192.168.1.50", 443)


def test_ipv6_extension_headers_and_fragments(tmp_path):
    src, dst = bytes.fromhex("fe80" + "00" * 12 + "0050"), bytes.fromhex("2001db8" + "0" * 24 + "1")
    hop = bytes([6, 0]) + b"\x00" * 6  # hop-by-hop header, next = TCP
    segment = tcp(40000, 443, 1, 0x02)
    v6 = struct.pack("!IHBB", 0x60000000, len(hop) + len(segment), 0, 64) + src + dst + hop + segment
    frag = struct.pack("!BBHI", 6, 0, (8 << 3), 1) + b"\x00" * 16  # a non-first fragment
    v6frag = struct.pack("!IHBB", 0x60000000, len(frag), 44, 64) + src + dst + frag
    analysis = analyse_capture(write(tmp_path, "v6.pcap", pcap([v6, v6frag], linktype=229)))
    tcp_flow = analysis.flows[analysis.flows["transport"] == "tcp"].iloc[0]
    assert tcp_flow["server_port"] == 443 and tcp_flow["client_ip"] == "fe80::50"
    assert kinds(analysis)["ip-fragment"] == 1


def test_pcapng_with_two_interfaces_and_resolutions(tmp_path):
    def block(btype: int, body: bytes) -> bytes:
        body += b"\x00" * (-len(body) % 4)
        return struct.pack("<II", btype, len(body) + 12) + body + struct.pack("<I", len(body) + 12)

    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb_eth = block(1, struct.pack("<HHI", 1, 0, 65535) + struct.pack("<HHB3x", 9, 1, 9) + b"\x00" * 4)
    idb_raw = block(1, struct.pack("<HHI", 101, 0, 65535))
    frame_eth = ETH + ipv4(CAM, PEER, 17, udp(5000, 53, b"q" * 12))
    frame_raw = ipv4(CAM, PEER, 6, tcp(40000, 443, 1, 0x02))
    ns = 1_700_000_000_250_000_000
    us = 1_700_000_001_500_000

    def epb(iface: int, ticks: int, frame: bytes) -> bytes:
        return block(
            6, struct.pack("<IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(frame), len(frame)) + frame
        )

    data = shb + idb_eth + idb_raw + epb(0, ns, frame_eth) + epb(1, us, frame_raw)
    analysis = analyse_capture(write(tmp_path, "multi.pcapng", data))
    assert analysis.summary["link_types"] == [1, 101]
    assert analysis.summary["first_ts"] == pytest.approx(1_700_000_000.25)
    assert analysis.summary["last_ts"] == pytest.approx(1_700_000_001.5)
    assert sorted(analysis.flows["transport"]) == ["tcp", "udp"]


def test_mqtt5_properties_and_will_are_skipped():
    from workbench.capture.logins import parse_mqtt_connect

    def utf8(s: str) -> bytes:
        return struct.pack("!H", len(s)) + s.encode()

    props = b"\x11\x00\x00\x00\x3c"
    will_props = b"\x18\x00\x00\x00\x05"
    body = utf8("MQTT") + b"\x05\xc6\x00\x3c" + bytes([len(props)]) + props + utf8("cid")
    body += bytes([len(will_props)]) + will_props + utf8("will/topic") + utf8("bye") + utf8("u5") + utf8("p5")
    parsed = parse_mqtt_connect(b"\x10" + bytes([len(body)]) + body)
    assert (parsed["level"], parsed["username"], parsed["password"]) == ("5.0", "u5", "p5")


def test_other_cleartext_logins():
    from workbench.capture import logins

    found = []

    def emit(*args):
        found.append(args)

    logins.smtp(
        [
            (False, 1, b"220 mail ESMTP\r\n"),
            (True, 2, b"AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"),
            (False, 3, b"235 ok\r\n"),
        ],
        emit,
    )
    logins.pop3([(True, 4, b"USER bob\r\n"), (True, 5, b"PASS hunter2\r\n"), (False, 6, b"+OK\r\n")], emit)
    logins.imap([(True, 7, b'a1 LOGIN "carol" "p w"\r\n'), (False, 8, b"a1 NO bad\r\n")], emit)
    assert [(f[0], f[1], f[2]) for f in found] == [
        ("smtp", "user", "secret"),
        ("pop3", "bob", "hunter2"),
        ("imap", "carol", "p w"),
    ]
    assert "rejected" in found[2][4] and "accepted" in found[0][4]


def test_http_digest_and_form_post(tmp_path):
    digest = (
        b'GET /x HTTP/1.1\r\nHost: cam\r\nAuthorization: Digest username="admin", realm="cam", '
        b'nonce="n", uri="/x", response="0123456789abcdef0123456789abcdef"\r\n\r\n'
    )
    form = b"user=admin&password=s3cr3t%21"
    post = (
        b"POST /login HTTP/1.1\r\nHost: cam\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(form)).encode() + b"\r\n\r\n"
    )
    frames = session(40010, [digest, post, form])
    analysis = analyse_capture(write(tmp_path, "web.pcap", pcap(frames, linktype=101)), reveal_secrets=True)
    creds = analysis.credentials
    assert list(creds["username"]) == ["admin", "admin"]
    assert (
        creds.iloc[0]["secret"] == "0123456789abcdef0123456789abcdef" and "Digest" in creds.iloc[0]["detail"]
    )
    assert creds.iloc[1]["secret"] == "s3cr3t!" and "form" in creds.iloc[1]["detail"]
    assert analysis.flows.iloc[0]["app_proto"] == "http"  # recognised by payload on port 443


def test_snmp_community(tmp_path):
    community = b"private"
    pdu = b"\xa0\x0e\x02\x01\x01\x02\x01\x00\x02\x01\x00\x30\x03\x30\x01\x00"
    inner = b"\x02\x01\x01" + b"\x04" + bytes([len(community)]) + community + pdu
    message = b"\x30" + bytes([len(inner)]) + inner
    frame = ETH + ipv4(PEER, CAM, 17, udp(40000, 161, message))
    analysis = analyse_capture(write(tmp_path, "snmp.pcap", pcap([frame])), reveal_secrets=True)
    row = analysis.credentials.iloc[0]
    assert (row["protocol"], row["secret"], row["server_port"]) == ("snmp", "private", 161)
    assert "SNMPv2c" in row["detail"]
