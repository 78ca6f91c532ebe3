"""ATK-04: serial numbers and versions disclosed in discovery announcements."""

from __future__ import annotations

from pathlib import Path

from netcases import DEFECTIVE_DECLARATION, corpus, new_case, run_check, tshark_frames
from netpcaps import DEVICE_IP, Trace, ssdp_notify

from workbench.case import Case
from workbench.checks import Severity, Verdict


def test_atk04_fails_ssdp_with_serial_and_versions(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "ATK-04")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.evidence[0].packet == defective_capture[1]["ssdp"]
    assert finding.data["disclosed"]["serial"] == "C100-00012345"
    assert "Acme-C100/2.1" in finding.data["disclosed"]["version"]
    assert finding.severity is Severity.MEDIUM
    assert result.indicators["undeclared_discovery_protocols"] == []


def test_atk04_passes_an_announcement_without_versions(clean_case: Case) -> None:
    result = run_check(clean_case, "ATK-04")
    assert result.verdict is Verdict.PASS
    assert result.indicators["observed_discovery_protocols"] == {"ssdp": 1}


def test_atk04_finds_the_case_serial_the_engine_did_not_label(tmp_path: Path) -> None:
    trace = Trace()
    number = trace.udp(
        DEVICE_IP,
        "239.255.255.250",
        1900,
        1900,
        ssdp_notify("Linux UPnP/1.0 Acme-C100", "X-Device-Tag: unit C100-00012345\r\n"),
    )
    case = new_case(tmp_path / "tag", [trace.write(tmp_path / "tag.pcap")], DEFECTIVE_DECLARATION)
    result = run_check(case, "ATK-04")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.data["disclosed"] == {"the device's serial": "C100-00012345"}
    assert finding.evidence[0].packet == number


def test_atk04_corpus_router_ssdp_discloses_versions(tmp_path: Path) -> None:
    capture = corpus("suricata-verify__sip-ssdp-pm_ssdp.pcap")
    case = new_case(tmp_path / "router", [capture], device_ips=["192.168.1.1"], serial=None)
    result = run_check(case, "ATK-04")
    assert result.verdict is Verdict.FAIL
    assert "MiniUPnPd/1.6" in result.findings[0].data["disclosed"]["version"]
    assert result.findings[0].evidence[0].packet == tshark_frames(capture, "ssdp")[0]


def test_atk04_corpus_mdns_without_disclosure_passes(tmp_path: Path) -> None:
    case = new_case(tmp_path / "mdns", [corpus("zeek__dns_mdns.pcap")], device_ips=["10.0.2.7"], serial=None)
    result = run_check(case, "ATK-04")
    assert result.verdict is Verdict.PASS
    assert result.indicators["observed_discovery_protocols"] == {"mdns": 1}
