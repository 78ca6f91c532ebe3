"""The evidence capture and the packets each row names: tcpdump around a real port scan and TLS test in
a private network namespace; every packet number a row names exists in the capture (read back with
scapy, an independent reader) and is on the row's port; a cut capture gives what was read and a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from netns_run import needs_netns, run_in_netns, tcp_packets

from workbench.probe.capture import CaptureError, EvidenceCapture
from workbench.probe.packets import attach_packets
from workbench.probe.results import ProbeResults

PROBE = """
from workbench.probe.capture import EvidenceCapture
from workbench.probe.nmap_scan import port_scan
from workbench.probe.packets import attach_packets
from workbench.probe.plan import TestPlan
from workbench.probe.results import ProbeResults
from workbench.probe.tls_scan import tls_scan
http_server(WORK, 8080)
tls_server(WORK, 4433, "weak", ["-tls1", "-cipher", "ALL:@SECLEVEL=0"])
plan = plan_for(declared=[("tcp", 8080), ("tcp", 4433)], quick_tcp_top_ports=20, quick_udp_top_ports=0,
                version_intensity=0)
results = ProbeResults(target="127.0.0.1", profile="quick", started="now")
with EvidenceCapture(None, "127.0.0.1", WORK / "probe.pcap") as capture:
    run, rows = port_scan("127.0.0.1", plan, plan.tests[0], WORK)
    results.tests.append(run)
    results.add_rows("ports", rows)
    run, versions, servers = tls_scan("127.0.0.1", [4433], TestPlan("tls_scan", 50, 120))
    results.tests.append(run)
    results.add_rows("tls", versions)
    results.add_rows("tls_servers", servers)
RESULT.update(interface=capture.interface, packets=capture.packets, dropped=capture.dropped)
attach_packets(results, WORK / "probe.pcap", "127.0.0.1")
results.write(WORK / "results.json")
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, ProbeResults]:
    work = tmp_path_factory.mktemp("probe")
    result = run_in_netns(work, PROBE)
    return work, result, ProbeResults.load(work / "results.json")


def test_the_capture_holds_every_packet_tcpdump_counted(probed: tuple[Path, dict, ProbeResults]) -> None:
    work, result, results = probed
    assert result["interface"] == "lo"
    assert result["dropped"] == 0
    packets = tcp_packets(work / "probe.pcap")
    assert result["packets"] == results.capture_packets == len(packets) > 100  # all TCP here
    assert not results.warnings


def test_each_row_names_packets_of_its_port_and_its_window(probed: tuple[Path, dict, ProbeResults]) -> None:
    work, _, results = probed
    by_number = {p["number"]: p for p in tcp_packets(work / "probe.pcap")}
    ports = {row["port"]: row for row in results.tables["ports"]}
    assert {8080, 4433} <= set(ports)
    rows = results.tables["ports"] + results.tables["tls"] + results.tables["tls_servers"]
    for row in rows:
        assert row["packet_count"] >= len(row["packets"]) > 0, row
        assert len(row["packets"]) <= 64 and row["packets"] == sorted(row["packets"])
        for number in row["packets"]:
            packet = by_number[number]
            assert row["port"] in (packet["sport"], packet["dport"])
            assert row["started"] - 0.05 <= packet["time"] <= row["finished"] + 0.05
    # a row's count is every packet of its port from its start to its end (and 0.05 s of closing packets),
    # until the next exchange of its table on that port starts, as scapy counts them
    tls10 = next(row for row in results.tables["tls"] if row["version"] == 0x0301)
    later = [
        r["started"] for r in results.tables["tls"] if r["port"] == 4433 and r["started"] > tls10["started"]
    ]
    until = min([tls10["finished"] + 0.05, *later])
    expected = [
        p["number"]
        for p in by_number.values()
        if 4433 in (p["sport"], p["dport"])
        and tls10["started"] <= p["time"]
        and (p["time"] < until if later and until in later else p["time"] <= until)
    ]
    assert tls10["packet_count"] == len(expected) > 64 and tls10["packets"] == expected[:64]
    # the TLS 1.0 handshakes are not the TLS 1.2 ones
    tls12 = next(row for row in results.tables["tls"] if row["version"] == 0x0303)
    assert not set(tls10["packets"]) & set(tls12["packets"])


def test_a_cut_capture_gives_what_was_read_and_a_warning(
    probed: tuple[Path, dict, ProbeResults], tmp_path: Path
) -> None:
    work, _, results = probed
    data = (work / "probe.pcap").read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) // 2 + 7])
    again = ProbeResults.load(work / "results.json")
    attach_packets(again, cut, "127.0.0.1")
    assert 0 < again.capture_packets < results.capture_packets
    assert any("cut mid-record" in w for w in again.warnings)
    assert sum(row["packet_count"] for row in again.tables["ports"]) <= sum(
        row["packet_count"] for row in results.tables["ports"]
    )
    garbage = tmp_path / "garbage.pcap"
    garbage.write_bytes(b"<script>alert(1)</script>" * 100)
    attach_packets(again, garbage, "127.0.0.1")
    assert any("not a packet capture" in w for w in again.warnings)
    assert again.capture_packets == 0 and all(row["packets"] == [] for row in again.tables["ports"])


def test_no_tcpdump_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with (
        pytest.raises(CaptureError, match="tcpdump is not installed"),
        EvidenceCapture("lo", "127.0.0.1", tmp_path / "x.pcap"),
    ):
        pytest.fail("the probe ran without its capture")


def test_a_refused_capture_is_a_clear_error(tmp_path: Path) -> None:
    needs_netns()
    assert shutil.which("tcpdump"), "tcpdump must be installed where the probe is tested"
    with (
        pytest.raises(CaptureError, match="tcpdump did not start on nosuchif0: .*nosuchif0"),
        EvidenceCapture("nosuchif0", "127.0.0.1", tmp_path / "x.pcap"),
    ):
        pytest.fail("the probe ran without its capture")
