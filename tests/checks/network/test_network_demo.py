"""The demo cases of sample_captures/, built as `workbench demo` builds them (capture, firmware
image, OSV feed, declaration): the defective camera fails every automatic network check with
evidence to show, the clean one passes them, and the assisted and manual ones ask the inspector."""

from __future__ import annotations

import pytest
from netcases import REPO, packets_of, run_check, tshark_frames

from workbench.case import Case
from workbench.checks import Verdict

AUTOMATIC = ("COM-01", "COM-02", "COM-03", "COM-04", "COM-05", "ATK-01", "ATK-02", "ATK-04", "UPD-02")
GUIDED = ("AUTH-05", "AUTH-06", "INPUT-01", "UPD-06", "TEL-01")
DEMO_CAPTURE = REPO / "sample_captures" / "demo_defective.pcap"


@pytest.mark.parametrize("rid", AUTOMATIC)
def test_defective_demo_fails_with_evidence(demo_defective: Case, rid: str) -> None:
    result = run_check(demo_defective, rid)
    assert result.verdict is Verdict.FAIL, result.reasons
    hashes = set(demo_defective.current_hashes().values())
    refs = [e for f in result.findings for e in f.evidence if e.artefact != "declaration"]
    assert refs and all(e.sha256 in hashes for e in refs)
    assert all(e.packet or e.path for e in refs)


def test_defective_demo_findings_are_the_planted_defects(demo_defective: Case) -> None:
    credentials = run_check(demo_defective, "COM-01")
    assert {f.data["protocol"] for f in credentials.findings} == {"mqtt", "ftp", "telnet", "http"}
    mqtt = next(f for f in credentials.findings if f.data["protocol"] == "mqtt")
    assert {e.packet for e in mqtt.evidence} == set(tshark_frames(DEMO_CAPTURE, "mqtt.msgtype == 1"))
    ftp = next(f for f in credentials.findings if f.data["protocol"] == "ftp")
    assert set(tshark_frames(DEMO_CAPTURE, 'ftp.request.command == "PASS"')) <= {
        e.packet for e in ftp.evidence
    }
    tls = run_check(demo_defective, "COM-02")
    assert {f.data.get("negotiated_version") for f in tls.findings} >= {"TLS 1.0"}
    assert packets_of(tls) <= set(tshark_frames(DEMO_CAPTURE, "tls.handshake.type == 1"))
    assert "telemetry.tracker.example" in run_check(demo_defective, "COM-05").indicators["undeclared"]
    assert {"tcp/23", "tcp/2323", "tcp/8080"} <= set(
        run_check(demo_defective, "ATK-01").indicators["undeclared"]
    )
    disclosed = [f.data["disclosed"] for f in run_check(demo_defective, "ATK-04").findings]
    assert any(d.get("serial") == "C100-00012345" for d in disclosed)
    urls = {f.data["url"] for f in run_check(demo_defective, "UPD-02").findings}
    assert any(u.startswith("http://update.acme-cloud.example/") for u in urls)


@pytest.mark.parametrize("rid", AUTOMATIC)
def test_clean_demo_passes(demo_clean: Case, rid: str) -> None:
    result = run_check(demo_clean, rid)
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])


@pytest.mark.parametrize("rid", GUIDED)
def test_guided_checks_ask_the_inspector_on_both_demos(
    demo_defective: Case, demo_clean: Case, rid: str
) -> None:
    for case in (demo_defective, demo_clean):
        result = run_check(case, rid)
        assert result.indicators and result.reasons
        if case is demo_clean and rid == "TEL-01":  # its ICS declares 5.10-1, 6-4, 6-5 not applicable
            assert result.verdict is Verdict.NOT_APPLICABLE and result.decided_by == ("ics",)
            assert "observed" in result.indicators  # what the check found, for the inspector who confirms
            continue
        assert result.verdict in (Verdict.NEEDS_INSPECTOR, Verdict.FAIL), (rid, result.reasons)


def test_log01_time_servers_are_the_ones_the_device_asks(demo_clean: Case) -> None:
    # the inspector's port scan probes the camera's udp/123: the camera is not its own time source
    result = run_check(demo_clean, "LOG-01")
    servers = result.indicators["observed"]["time_servers_in_capture"]
    assert servers and "192.168.1.50" not in servers
