"""Evidence pointers: the packet a finding names must be the packet that proves it.

`open_ports.first_packet` is the device's SYN/ACK (or its first reply), never the client's SYN;
`tls.certificate_packet` is where Wireshark shows the Certificate message. Checked on captures
built here (numbers known by construction) and on real ones against tshark where installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from capture_frames import DEVICE, bench_capture, tcp, udp, write_frames
from capture_support import CORPUS_FILES, SAMPLES, TSHARK, analysed, needs_tshark, tshark_fields

from workbench.capture import analyse_capture

PEER, PEER2 = bytes([192, 168, 1, 9]), bytes([192, 168, 1, 10])


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[Path, dict[tuple[str, int], int]]:
    """A capture where each open port's proof comes after the client's first packet."""
    frames = [
        tcp(PEER, DEVICE, 40000, 8080, 100, 0x02),  # 1 client SYN
        tcp(DEVICE, PEER, 8080, 40000, 900, 0x12),  # 2 device SYN/ACK: the proof
        tcp(PEER, DEVICE, 40000, 8080, 101, 0x10),  # 3
        tcp(PEER2, DEVICE, 40001, 8080, 500, 0x02),  # 4 a second client, later
        tcp(DEVICE, PEER2, 8080, 40001, 700, 0x12),  # 5
        tcp(PEER, DEVICE, 40002, 9000, 300, 0x18, b"hello?"),  # 6 seen mid-connection: no SYN
        tcp(PEER, DEVICE, 40002, 9000, 306, 0x10),  # 7
        tcp(DEVICE, PEER, 9000, 40002, 800, 0x10),  # 8 a bare ACK proves nothing
        tcp(DEVICE, PEER, 9000, 40002, 800, 0x18, b"ready\n"),  # 9 first served payload
        udp(PEER, DEVICE, 50000, 5683, b"\x40\x01\x00\x01"),  # 10 CoAP request
        udp(DEVICE, PEER, 5683, 50000, b"\x60\x45\x00\x01"),  # 11 reply: the proof
        tcp(PEER, DEVICE, 40003, 7000, 1, 0x02),  # 12 SYN to a closed port
        tcp(DEVICE, PEER, 7000, 40003, 0, 0x14),  # 13 RST/ACK: not open
    ]
    path = write_frames(tmp_path_factory.mktemp("served") / "served.pcap", frames)
    return path, {("tcp", 8080): 2, ("tcp", 9000): 9, ("udp", 5683): 11}


def test_open_ports_point_at_the_packet_that_proves_them(served):
    path, expected = served
    ports = analyse_capture(path, device_ips=["192.168.1.50"]).open_ports
    got = {(r.transport, r.port): r.first_packet for r in ports.itertuples()}
    assert got == expected
    evidence = {(r.transport, r.port): r.evidence for r in ports.itertuples()}
    assert evidence == {("tcp", 8080): "syn-ack", ("tcp", 9000): "served", ("udp", 5683): "served"}
    clients = ports.set_index("port")["clients"]
    assert clients[8080] == ["192.168.1.10", "192.168.1.9"]


@needs_tshark
@pytest.mark.needs_tshark
def test_open_port_proofs_are_device_packets_by_tshark(served):
    path, expected = served
    for (transport, port), number in expected.items():
        rows = tshark_fields(path, f"frame.number == {number}", "ip.src", f"{transport}.srcport", "tcp.flags")
        assert rows and rows[0][0] == "192.168.1.50" and int(rows[0][1]) == port


@needs_tshark
@pytest.mark.needs_tshark
def test_demo_scan_open_ports_are_the_first_syn_acks_by_tshark():
    path = SAMPLES / "demo_defective.pcap"
    ports = analysed(path, device_ips=["192.168.1.50"]).open_ports
    assert len(ports) and set(ports["evidence"]) == {"syn-ack"}
    synacks = tshark_fields(
        path,
        "ip.src == 192.168.1.50 && tcp.flags.syn == 1 && tcp.flags.ack == 1",
        "frame.number",
        "tcp.srcport",
    )
    first: dict[int, int] = {}
    for number, port in synacks:
        first.setdefault(int(port), int(number))
    assert {r.port: r.first_packet for r in ports.itertuples()} == {p: first[p] for p in ports["port"]}


def _tls_capture(path: Path, split: int | None) -> Path:
    """One TLS 1.2 handshake; the server's flight (ServerHello, Certificate, Done) cut at `split`."""
    hello, flight, client_fin, server_fin, _ = bench_capture.tls_payloads(bench_capture._certificate())
    server_parts = [flight] if split is None else [flight[:split], flight[split:]]
    exchanges = [(True, hello), *((False, p) for p in server_parts), (True, client_fin), (False, server_fin)]
    return write_frames(path, bench_capture.tcp_flow(PEER, DEVICE, 41000, 443, exchanges))


@pytest.mark.parametrize(("split", "expected"), [(None, 5), (200, 6), (30, 6)])
def test_certificate_packet_is_where_the_message_completes(tmp_path, split, expected):
    # 1-3 handshake, 4 ClientHello, 5 (and 6) the server's flight
    path = _tls_capture(tmp_path / "tls.pcap", split)
    row = analyse_capture(path).tls.iloc[0]
    assert row["packet"] == 4
    assert row["certificate_packet"] == expected
    assert row["certificates"][0]["subject"] == "CN=bench.example"
    if TSHARK:
        frames = tshark_fields(path, "tls.handshake.type == 11", "frame.number")
        assert [int(f[0]) for f in frames] == [expected]


def test_no_certificate_no_packet(tmp_path):
    hello = bench_capture.tls_payloads(bench_capture._certificate())[0]
    frames = bench_capture.tcp_flow(PEER, DEVICE, 41001, 443, [(True, hello)])
    row = analyse_capture(write_frames(tmp_path / "hello.pcap", frames)).tls.iloc[0]
    assert row["certificates"] == [] and row["certificate_packet"] is None


TLS_FILES = [p for p in CORPUS_FILES if "tls" in p.name]


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize("path", TLS_FILES, ids=lambda p: p.name)
def test_certificate_packets_match_tshark(path):
    expected = {
        (src or src6, int(port)): int(number)
        for number, src, src6, port in tshark_fields(
            path, "tls.handshake.type == 11", "frame.number", "ip.src", "ipv6.src", "tcp.srcport"
        )
    }
    tls = analysed(path).tls
    with_chain = tls[tls["certificates"].map(len) > 0]
    for row in with_chain.itertuples():
        assert int(row.certificate_packet) == expected[(row.server_ip, row.server_port)]
    no_chain = tls[tls["certificates"].map(len) == 0]
    assert no_chain["certificate_packet"].isna().all()
    if expected:
        assert len(with_chain)


def test_generated_mixed_traffic_matches_its_construction(tmp_path):
    """The benchmark's own capture, small: every packet counted, every flow identified."""
    path = tmp_path / "mixed.pcap"
    count = bench_capture.generate(path, 4000)
    analysis = analyse_capture(path)
    flows = analysis.flows
    assert analysis.summary["packets"] == count == int((flows["packets_c2s"] + flows["packets_s2c"]).sum())
    apps = flows.groupby("server_port")["app_proto"].agg(lambda s: set(s.dropna()))
    assert apps[80] == {"http"} and apps[443] == {"tls"} and apps[1883] == {"mqtt"} and apps[53] == {"dns"}
    tls = analysis.tls
    with_chain = tls[tls["certificates"].map(len) > 0]
    assert len(with_chain) >= 10 and (with_chain["certificate_packet"] > with_chain["packet"]).all()
    if TSHARK:
        frames = tshark_fields(path, "tls.handshake.type == 11", "frame.number")
        assert sorted(int(f[0]) for f in frames) == sorted(with_chain["certificate_packet"].astype(int))


@pytest.mark.parametrize("chunk", [4096, 65536])
def test_records_across_buffer_refills(tmp_path, monkeypatch, chunk):
    """Records cut by the end of a read buffer: the same analysis as with one buffer for all."""
    from workbench.capture import reader

    path = tmp_path / "mixed.pcap"
    bench_capture.generate(path, 3000)
    whole = analyse_capture(path).to_json()
    monkeypatch.setattr(reader, "CHUNK", chunk)
    pieces = analyse_capture(path).to_json()
    assert pieces == whole
    assert whole["summary"]["packets"] == 3000


def test_certificate_damaged_where_parsed_lazily_does_not_stop_the_analysis(tmp_path):
    """`cryptography` loads some damaged certificates and fails only when the subject is read."""
    from cryptography import x509

    good = bench_capture._certificate()
    damaged = None
    for i in range(len(good)):
        candidate = good[:i] + b"\x09" + good[i + 1 :]
        try:
            cert = x509.load_der_x509_certificate(candidate)
        except Exception:  # noqa: BLE001 - any refusal to load: not the case looked for
            continue
        try:
            cert.subject  # noqa: B018 - the lazy parse is the point
        except Exception:  # noqa: BLE001 - ValueError or KeyError, by the cryptography release
            damaged = candidate
            break
    assert damaged is not None
    frames = []
    for port, der in ((42000, damaged), (42001, good)):
        hello, flight, *_ = bench_capture.tls_payloads(der)
        frames += bench_capture.tcp_flow(PEER, DEVICE, port, 443, [(True, hello), (False, flight)])
    analysis = analyse_capture(write_frames(tmp_path / "damaged.pcap", frames))
    assert "analysis-error" not in set(analysis.warnings["kind"])
    first, second = analysis.tls["certificates"]
    assert "cannot be parsed" in first[0]["error"]
    assert second[0]["subject"] == "CN=bench.example"
