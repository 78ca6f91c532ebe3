"""The engine's limits: memory bounded whatever the capture's size, and every limit reached said."""

from __future__ import annotations

import struct
from pathlib import Path

import pandas as pd
import pytest
from capture_frames import DEVICE, bench_capture, tcp, write_frames

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
    assert count > 0 and "still open" in message
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
