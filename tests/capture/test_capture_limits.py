"""The engine's limits: memory bounded whatever the capture's size, and every limit reached said."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from capture_frames import DEVICE, bench_capture, tcp, write_frames

from workbench.capture import Limits, analyse_capture


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("limits") / "mixed.pcap"
    bench_capture.generate(path, 6000)
    return path


def _warnings(analysis) -> dict[str, tuple[int, str]]:
    return {r.kind: (r.count, r.message) for r in analysis.warnings.itertuples()}


def test_flow_table_is_bounded_and_says_so(tmp_path):
    frames = []
    for i in range(600):
        client = bytes([10, 9, i >> 8, i & 0xFF])
        frames.append(tcp(client, DEVICE, 30000 + i, 80, 1, 0x02))
        frames.append(tcp(DEVICE, client, 80, 30000 + i, 1, 0x12))
    analysis = analyse_capture(write_frames(tmp_path / "scan.pcap", frames), limits=Limits(max_flows=250))
    assert len(analysis.flows) == 250
    assert analysis.summary["packets"] == 1200
    warnings = analysis.warnings.set_index("kind")
    assert warnings.loc["flow-table-full", "count"] == 700  # packets left out of the table
    assert warnings.loc["flow-table-full", "first_packet"] == 501


def test_table_rows_are_bounded_and_said(mixed):
    full = analyse_capture(mixed)
    assert len(full.tls) > 10 and len(full.dns) > 10 and "table-truncated" not in _warnings(full)
    small = analyse_capture(mixed, limits=Limits(max_rows=10))
    assert len(small.tls) == 10 and len(small.dns) == 10
    count, _ = _warnings(small)["table-truncated"]
    assert count == (len(full.tls) - 10) + (len(full.dns) - 10)
    assert list(small.tls["packet"]) == list(full.tls["packet"][:10])  # the first ones kept


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
