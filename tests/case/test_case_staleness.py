"""One staleness rule: `workbench case status`, the notebooks' overview and a requirement's session agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests_case_paths import CORPUS, PCAP

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.cli import main
from workbench.judgement import stale_reasons
from workbench.judgement.status import case_status
from workbench.notebook import open_case, open_check

SECOND_CAPTURE = CORPUS / "zeek__dns53.pcap"
RECORDED = ("COM-01", "AUTH-06", "UPD-03", "AUTH-04")  # two judge captures, two do not


def verdict(capsys: pytest.CaptureFixture[str], case: Case, requirement: str, value: str) -> None:
    code = main(["case", "verdict", str(case.path), requirement, "--verdict", value,
                 "--rationale", "seen in the capture", "--inspector", "alice"])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def stale_in_status(case: Case, capsys: pytest.CaptureFixture[str]) -> dict[str, bool]:
    capsys.readouterr()
    assert main(["case", "status", str(case.path), "--level", "3", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["requirements"]
    return {r["id"]: r["stale"] for r in rows if r["state"] == "inspector"}


def stale_in_overview(case: Case) -> dict[str, bool]:
    overview = open_case(case.path, interactive=False)
    return {s.requirement.id: s.stale for s in overview.statuses if s.source == "inspector"}


@pytest.fixture
def judged(case: Case, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Case:
    case.add_artefact(PCAP, "capture")
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text("support_period: {end: 2030-12-31}\n")
    case.declare(declaration)
    verdict(capsys, case, "COM-01", "FAIL")
    verdict(capsys, case, "UPD-03", "PASS")
    verdict(capsys, case, "AUTH-04", "PASS")
    # and one recorded the notebooks' way, with the hashes of what the check used
    session = open_check(case.path, "AUTH-06", interactive=False)
    session.record("PASS", "every service asked for a login", "bob")
    return case


def test_a_capture_added_after_the_verdicts_makes_the_same_ones_stale_everywhere(judged, capsys) -> None:
    case = judged
    assert stale_in_status(case, capsys) == dict.fromkeys(RECORDED, False) == stale_in_overview(case)

    case.add_artefact(SECOND_CAPTURE, "capture")
    expected = {"COM-01": True, "AUTH-06": True, "UPD-03": False, "AUTH-04": False}
    assert stale_in_status(case, capsys) == expected
    assert stale_in_overview(case) == expected
    for requirement_id in RECORDED:
        session = open_check(case.path, requirement_id, interactive=False)
        assert session.final.stale is expected[requirement_id], requirement_id
        assert session.is_stale() is expected[requirement_id]
    assert open_check(case.path, "COM-01", interactive=False).stale_reasons() == [
        f"{SECOND_CAPTURE.name} added since"
    ]

    capsys.readouterr()
    assert main(["case", "status", str(case.path)]) == 0
    assert f"STALE: {SECOND_CAPTURE.name} added since" in capsys.readouterr().out


def test_evidence_changed_in_place_is_stale_in_both(judged: Case, capsys) -> None:
    case = judged
    capture = case.artefact(PCAP.name).path
    capture.chmod(0o644)
    capture.write_bytes(capture.read_bytes() + b"\0")
    expected = {"COM-01": True, "AUTH-06": True, "UPD-03": False, "AUTH-04": False}
    assert stale_in_status(case, capsys) == expected == stale_in_overview(case)
    requirement = load_catalog(case.info.catalog_edition).get("COM-01")
    reasons = stale_reasons(case, requirement, case.verdicts.latest("COM-01"))
    assert reasons == [f"{PCAP.name} changed or is gone"]


def test_without_a_verdict_nothing_is_stale(case: Case) -> None:
    requirement = load_catalog(None).get("COM-01")
    case.add_artefact(PCAP, "capture")
    assert stale_reasons(case, requirement, None) == []
    assert case_status(case, load_catalog(None))["counts"]["stale"] == 0
