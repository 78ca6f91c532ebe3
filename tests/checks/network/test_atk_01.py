"""ATK-01: open ports (capture and the firmware's boot services) against the declared ones."""

from __future__ import annotations

from pathlib import Path

from netcases import CLEAN_DECLARATION, new_case, run_check
from netpcaps import DEVICE_IP, PHONE_IP, Trace

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict


def test_atk01_fails_undeclared_open_ports(
    defective_case: Case, defective_capture: tuple[Path, dict]
) -> None:
    result = run_check(defective_case, "ATK-01")
    assert result.verdict is Verdict.FAIL
    assert sorted(result.indicators["undeclared"]) == ["tcp/21", "tcp/23", "tcp/2323", "tcp/8080"]
    syn_ack = defective_capture[1]["syn_ack"]
    for finding in result.findings[:-1]:
        port = int(finding.data["port"].split("/")[1])
        # the scan's exchange for that port: the engine points at the SYN its SYN/ACK answers
        assert {e.packet for e in finding.evidence} & {syn_ack[port] - 1, syn_ack[port]}
    assert result.indicators["declared_ports"] == ["tcp/80 http", "tcp/554 rtsp"]
    assert result.indicators["declared_not_observed"] == []


def test_atk01_passes_when_open_ports_are_declared(clean_case: Case) -> None:
    result = run_check(clean_case, "ATK-01")
    assert result.verdict is Verdict.PASS
    assert set(result.indicators["observed_ports"]) == {"tcp/443", "tcp/554"}


def test_atk01_without_declaration_cannot_compare(tmp_path: Path, clean_capture: tuple[Path, dict]) -> None:
    result = run_check(new_case(tmp_path / "nodecl", [clean_capture[0]]), "ATK-01")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "cannot be compared" in result.reasons[0]
    assert EvidenceKind.DECLARATION in result.missing_evidence
    assert set(result.indicators["observed_ports"]) == {"tcp/443", "tcp/554"}


def test_atk01_declared_but_not_observed_is_an_indicator_only(tmp_path: Path) -> None:
    trace = Trace()
    trace.port_scan(PHONE_IP, DEVICE_IP, [554], [21, 23, 80, 443])
    declaration = {**CLEAN_DECLARATION}
    case = new_case(tmp_path / "scan", [trace.write(tmp_path / "scan.pcap")], declaration)
    result = run_check(case, "ATK-01")
    assert result.verdict is Verdict.PASS
    assert result.indicators["declared_not_observed"] == ["tcp/443"]


def test_atk01_boot_services_of_the_firmware(
    firmware_defective_case: Case, firmware_clean_case: Case
) -> None:
    result = run_check(firmware_defective_case, "ATK-01")
    assert result.verdict is Verdict.FAIL
    from_image = {f.data["port"]: f for f in result.findings if f.data.get("firmware")}
    assert set(from_image) == {"tcp/2323", "udp/69", "tcp/80"}
    telnet = from_image["tcp/2323"]
    assert telnet.evidence[0].path == "/etc/inittab" and "line 2" in telnet.evidence[0].note
    assert telnet.evidence[0].sha256 == firmware_defective_case.artefacts("firmware")[0].sha256
    clean = run_check(firmware_clean_case, "ATK-01")
    assert clean.verdict is Verdict.PASS, clean.findings
    assert clean.indicators["observed_ports"]["tcp/443"]["seen_in"] == ["capture", "firmware"]


def test_atk01_a_declared_port_needs_a_purpose(tmp_path: Path, clean_capture: tuple[Path, dict]) -> None:
    declaration = {
        "open_ports": [
            {"proto": "tcp", "port": 443, "purpose": "web interface"},
            {"proto": "tcp", "port": 554},
        ]
    }
    result = run_check(new_case(tmp_path / "purpose", [clean_capture[0]], declaration), "ATK-01")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert finding.data["ports"] == ["tcp/554"] and finding.evidence[0].artefact == "declaration"
