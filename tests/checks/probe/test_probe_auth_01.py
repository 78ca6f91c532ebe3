"""AUTH-01 judged from the live default-credential test."""

from __future__ import annotations

import json
from pathlib import Path

from probecases import SCRIPT, run_check, text_of

from workbench.case import Case, CaseInfo
from workbench.checks import EvidenceKind, Verdict


def test_an_accepted_default_pair_fails_at_its_packets(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "AUTH-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    (finding,) = result.findings
    assert finding.summary.startswith("default credential root/x***** (6) accepted on telnet tcp/23")
    capture, results = finding.evidence
    assert (capture.artefact, capture.packet, capture.note) == ("defective-probe.pcap", 15, "telnetlib")
    assert (
        results.artefact == "defective-results.json" and results.packet is None and len(results.sha256) == 64
    )
    assert "decided by the live test" in text_of(result)


def test_a_completed_test_with_nothing_accepted_passes_without_firmware(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "AUTH-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "the live test decided" in text_of(result) and "2 login service(s)" in text_of(result)
    assert EvidenceKind.FIRMWARE in result.missing_evidence


def test_a_test_that_could_not_run_stays_with_the_inspector(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "AUTH-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "could not run (connection reset by peer)" in text_of(result)


def test_markup_from_the_device_stays_text(probed: dict[str, Case]) -> None:
    result = run_check(probed["hostile"], "AUTH-01")
    assert result.verdict is Verdict.FAIL
    (finding,) = result.findings
    assert SCRIPT in finding.summary and finding.data["user"] == SCRIPT
    assert "\r" not in finding.data["status"] and "\n" not in finding.data["status"]
    assert json.loads(json.dumps(result.to_dict()))["findings"][0]["data"]["user"] == SCRIPT


def test_without_firmware_or_probe_the_firmware_is_asked_for(tmp_path: Path) -> None:
    info = CaseInfo(device="cam", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    result = run_check(Case.create(tmp_path / "none", info), "AUTH-01")
    assert result.verdict is Verdict.INCONCLUSIVE and result.missing_evidence == (EvidenceKind.FIRMWARE,)


def _with_image(tmp_path: Path, run: str, passwd: str, shadow: str | None = None) -> Case:
    from checks.network.netfirmware import squashfs_image
    from probecases import probe_case

    files = {"etc/passwd": passwd, **({"etc/shadow": shadow} if shadow else {})}
    case = probe_case(tmp_path / run, run)
    case.add_artefact(squashfs_image(tmp_path / f"{run}-fw", files), "firmware")
    return case


def test_the_live_test_and_the_firmware_fail_together_each_with_its_evidence(tmp_path: Path) -> None:
    case = _with_image(tmp_path, "defective", "root::0:0:root:/root:/bin/sh\n")
    result = run_check(case, "AUTH-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe", "firmware")
    assert result.reasons[0] == "decided by the live test and the firmware image"
    live, image = result.findings
    assert live.evidence[0].packet == 15 and "empty password" in image.summary
    assert image.evidence[0].path == "/etc/passwd"


def test_a_clean_image_and_a_clean_live_test_pass_together(tmp_path: Path) -> None:
    hashed = "$6$Zq0n1X2a$" + "A" * 86
    case = _with_image(
        tmp_path, "clean", "root:x:0:0:root:/root:/bin/sh\n", f"root:{hashed}:19000:0:99999:7:::\n"
    )
    result = run_check(case, "AUTH-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("firmware", "probe")
    assert result.reasons[0] == "decided by the firmware image and the live test"
