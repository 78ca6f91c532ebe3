"""ATK-02: telnet, FTP, TFTP and r-services open in the capture or started at boot."""

from __future__ import annotations

from pathlib import Path

from netcases import DEFECTIVE_DECLARATION, new_case, run_check

from workbench.case import Case
from workbench.checks import EvidenceKind, Verdict


def test_atk02_fails_telnet_and_ftp_open(defective_case: Case, defective_capture: tuple[Path, dict]) -> None:
    result = run_check(defective_case, "ATK-02")
    assert result.verdict is Verdict.FAIL
    assert result.indicators["open_in_capture"] == {"ftp": ["tcp/21"], "telnet": ["tcp/23", "tcp/2323"]}
    telnet_2323 = next(f for f in result.findings if f.data["port"] == "tcp/2323")
    syn_ack = defective_capture[1]["syn_ack"][2323]
    assert {e.packet for e in telnet_2323.evidence} & {syn_ack - 1, syn_ack}
    assert defective_capture[1]["telnet"][0] - 3 in {e.packet for e in telnet_2323.evidence}  # the login flow


def test_atk02_passes_the_clean_device(clean_case: Case) -> None:
    result = run_check(clean_case, "ATK-02")
    assert result.verdict is Verdict.PASS
    assert not result.findings


def test_atk02_from_the_firmware_alone(firmware_defective_case: Case, firmware_clean_case: Case) -> None:
    result = run_check(firmware_defective_case, "ATK-02")
    assert result.verdict is Verdict.FAIL
    assert result.indicators["open_in_capture"] == {}  # the capture is the clean one
    assert set(result.indicators["started_at_boot"]) == {"telnet", "tftp"}
    paths = {(e.path, e.artefact) for f in result.findings for e in f.evidence}
    image = firmware_defective_case.artefacts("firmware")[0].name
    assert paths == {("/etc/inittab", image), ("/etc/init.d/rcS", image)}
    assert run_check(firmware_clean_case, "ATK-02").verdict is Verdict.PASS


def test_atk02_needs_a_capture_or_firmware(tmp_path: Path) -> None:
    result = run_check(new_case(tmp_path / "decl-only", [], DEFECTIVE_DECLARATION), "ATK-02")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert set(result.missing_evidence) == {EvidenceKind.CAPTURE, EvidenceKind.FIRMWARE}
