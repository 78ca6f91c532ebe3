"""The engine's limits: memory bounded whatever the capture's size, and every limit reached said."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest
from capture_frames import DEVICE, bench_capture, tcp, udp, write_frames

from workbench.capture import TABLES, Limits, analyse_capture


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "mixed.pcap"
    bench_capture.generate(path, 6000)
    return path


def _warnings(analysis) -> dict[str, tuple[int, str]]:
    return {r.kind: (r.count, r.message) for r in analysis.warnings.itertuples()}


def _scan(tmp_path: Path, count: int, closing_flag: int | None) -> Path:
    """`count` connections to the device, 10 ms apart; each closed by the device's RST when
    `closing_flag` is 0x14, else left open after the SYN/ACK."""
    frames = []
    for i in range(count):
        client = bytes([10, 9, i >> 8, i & 0xFF])
        frames.append(tcp(client, DEVICE, 30000 + i, 80, 1, 0x02))
        frames.append(tcp(DEVICE, client, 80, 30000 + i, 1, closing_flag or 0x12))
    return write_frames(tmp_path / f"scan-{closing_flag}.pcap", frames)


def test_every_flow_is_a_row_whatever_few_are_held(tmp_path):
    path = _scan(tmp_path, 600, None)
    full = analyse_capture(path)
    held = analyse_capture(path, limits=Limits(live_flows=50, rows_held=64))
    assert len(held.flows) == 600 == held.summary["flows"]
    assert list(held.flows["flow_id"]) == list(range(1, 601))
    pd.testing.assert_frame_equal(held.flows, full.flows)
    # open connections written out before the end are said: a later packet would start a new row
    count, message = _warnings(held)["flow-written-early"]
    assert count > 0 and "before they ended" in message
    assert "flow-written-early" not in _warnings(full)


def test_ended_flows_are_written_out_without_a_warning(tmp_path):
    path = _scan(tmp_path, 1500, 0x14)  # RST: ended; 10 ms apart, so most lingered past 5 s
    held = analyse_capture(path, limits=Limits(live_flows=100, close_linger=0.5, rows_held=50))
    assert len(held.flows) == 1500 and "flow-written-early" not in _warnings(held)
    assert held.flows["packets_s2c"].eq(1).all() and held.flows["packets_c2s"].eq(1).all()


def test_a_flow_resumed_after_it_was_written_out_is_a_new_row_and_said(tmp_path):
    first = [tcp(bytes([10, 8, 0, 1]), DEVICE, 40000, 80, 1, 0x02)]
    crowd = [tcp(bytes([10, 7, 0, i]), DEVICE, 31000 + i, 80, 1, 0x02) for i in range(40)]
    again = [tcp(DEVICE, bytes([10, 8, 0, 1]), 80, 40000, 1, 0x12)]
    path = write_frames(tmp_path / "resumed.pcap", first + crowd + again)
    held = analyse_capture(path, limits=Limits(live_flows=10))
    rows = held.flows[held.flows["client_ip"] == "10.8.0.1"]
    assert len(rows) == 2 and list(rows["first_packet"]) == [1, 42]
    assert _warnings(held)["flow-written-early"][0] >= 1
    whole = analyse_capture(path)
    assert (whole.flows["client_ip"] == "10.8.0.1").sum() == 1


def _rows_of(analysis, client: str) -> list[tuple]:
    flows = analysis.flows[analysis.flows["client_ip"] == client]
    return list(
        flows[["client_port", "server_port", "first_packet", "packets_c2s", "packets_s2c"]].itertuples(
            index=False
        )
    )


def test_a_row_depends_on_its_own_packets_not_on_other_traffic(tmp_path):
    """A connection's late last ACK and a reused port pair give the same rows whether or not
    thousands of unrelated flows made the engine sweep its memory meanwhile."""
    host, late = bytes([10, 8, 0, 1]), []
    late += [tcp(host, DEVICE, 40000, 80, 1, 0x02), tcp(DEVICE, host, 80, 40000, 1, 0x12)]
    late += [tcp(host, DEVICE, 40000, 80, 2, 0x11), tcp(DEVICE, host, 80, 40000, 2, 0x11)]  # FIN, FIN
    crowd = [udp(bytes([10, 6, i >> 8, i & 0xFF]), DEVICE, 20000, 9999, b"x") for i in range(700)]
    ack = [tcp(host, DEVICE, 40000, 80, 3, 0x10)]  # 7 s after the FINs: past close_linger
    reuse = [tcp(host, DEVICE, 40000, 80, 9, 0x02), tcp(DEVICE, host, 80, 40000, 9, 0x12)]  # a new SYN
    other = bytes([10, 8, 0, 2])  # ended, then its port pair reused at once: a new connection
    closed = [tcp(other, DEVICE, 41000, 80, 1, 0x02), tcp(other, DEVICE, 41000, 80, 2, 0x04)]
    reused = [tcp(other, DEVICE, 41000, 80, 7, 0x02), tcp(DEVICE, other, 80, 41000, 7, 0x12)]
    frames = closed + reused + late + crowd + ack + reuse
    quiet = analyse_capture(write_frames(tmp_path / "quiet.pcap", frames))
    swept = analyse_capture(write_frames(tmp_path / "swept.pcap", frames), limits=Limits(live_flows=50))
    expected = [(40000, 80, 5, 2, 2), (40000, 80, 709, 2, 1)]  # the late ACK opens the next row
    assert _rows_of(quiet, "10.8.0.1") == _rows_of(swept, "10.8.0.1") == expected
    assert (
        _rows_of(quiet, "10.8.0.2")
        == _rows_of(swept, "10.8.0.2")
        == [(41000, 80, 1, 2, 0), (41000, 80, 3, 1, 1)]
    )


def test_a_flow_written_out_early_resumes_in_its_own_direction(tmp_path):
    """Mid-stream packets (no handshake) between two high ports: after the flow was written out
    early, the server's next packet does not make the server the client."""
    client, server = bytes([192, 168, 7, 2]), bytes([192, 168, 7, 9])
    first = [tcp(client, server, 53522, 17501, 1, 0x18, b"hello")]
    crowd = [tcp(bytes([10, 7, 0, i]), DEVICE, 31000 + i, 80, 1, 0x02) for i in range(40)]
    back = [tcp(server, client, 17501, 53522, 1, 0x18, b"world")]
    path = write_frames(tmp_path / "resume.pcap", first + crowd + back)
    held = analyse_capture(path, limits=Limits(live_flows=10))
    rows = held.flows[held.flows["client_port"] == 53522]
    assert (
        len(rows) == 2 and set(rows["client_ip"]) == {"192.168.7.2"} and set(rows["server_port"]) == {17501}
    )
    assert not ((held.open_ports["device_ip"] == "192.168.7.2") & (held.open_ports["port"] == 53522)).any()


def test_tables_merged_from_many_runs_equal_one_pass_in_memory(mixed):
    """Rows held a few at a time (many sorted runs merged at the end) give the same tables."""
    full = analyse_capture(mixed)
    assert len(full.tls) > 10 and len(full.dns) > 10 and len(full.credentials) > 3
    small = analyse_capture(mixed, limits=Limits(rows_held=7))
    for name in TABLES:
        pd.testing.assert_frame_equal(small.tables[name], full.tables[name], obj=name)
    assert list(small.tls["packet"]) == sorted(small.tls["packet"])


def _dns_answer(name: str, address: bytes, ident: int) -> bytes:
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\x00"
    head = struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + qname + b"\x00\x01\x00\x01"
    return head + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04" + address


def test_remembered_names_are_bounded_and_said(tmp_path):
    resolver = bytes([192, 168, 1, 1])
    servers = {"a.example": bytes([203, 0, 113, 7]), "b.example": bytes([203, 0, 113, 8])}
    frames = []
    for i, (name, address) in enumerate(servers.items()):
        answer = _dns_answer(name, address, i)
        frames.append(bench_capture.udp_frame(resolver, DEVICE, 53, 40000 + i, answer, False))
        frames.append(tcp(DEVICE, address, 41000 + i, 443, 1, 0x02))
    path = write_frames(tmp_path / "names.pcap", frames)
    full = analyse_capture(path)
    assert sorted(full.flows["server_name"].dropna()) == ["a.example", "b.example"]
    small = analyse_capture(path, limits=Limits(max_names=1))
    assert list(small.flows["server_name"].dropna()) == ["a.example"]
    assert "remembered" in _warnings(small)["table-truncated"][1]
