"""The judgement of a requirement the ICS declares not applicable: the check proposes NOT_APPLICABLE,
which is never final on its own (PENDING until an inspector confirms); evidence contradicting the
declaration FAILs as ever; an inspector's verdict decides as ever; partly not applicable, an automatic
check's verdict stays final. Real checks on a real case."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo
from workbench.checks.context import EvidenceContext
from workbench.judgement import assess, hashes_now, level_results
from workbench.judgement.final import ICS_PENDING

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
CAPTURE = SAMPLES / "demo_defective.pcap"  # four logins in clear: COM-01 FAILs
CLEAN_CAPTURE = SAMPLES / "demo_clean.pcap"  # none: COM-01 PASSes
WHY = "no credentials of any kind ever leave the camera"


def make_case(folder: Path, capture: Path) -> Case:
    if not capture.is_file():
        pytest.skip(f"{capture} not generated (sample_captures/gen_capture.py)")
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1,
                    inspectors=["alice"])
    case = Case.create(folder / "cam", info)
    case.add_artefact(capture, "capture")
    return case


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return make_case(tmp_path, CAPTURE)


@pytest.fixture
def clean_case(tmp_path: Path) -> Case:
    return make_case(tmp_path, CLEAN_CAPTURE)


def declare(case: Case, text: str) -> None:
    source = case.path.parent / "declaration.yaml"
    source.write_text(text)
    case.declare(source)


ALL_NA = (
    f"ics:\n  5.5-1: {{status: not_applicable, justification: {WHY}}}\n"
    f"  5.5-7: {{status: N/A, justification: {WHY}}}\n"
)


def judged(case: Case, catalog, rid: str):
    return assess(EvidenceContext(case, catalog.get(rid)), hashes_now(case))


def test_an_automatic_requirement_declared_not_applicable_waits_for_an_inspector(clean_case, catalog):
    declare(clean_case, ALL_NA)
    state = judged(clean_case, catalog, "COM-01")
    assert state.proposed == "NOT_APPLICABLE" and state.automation == "automatic"
    assert (state.verdict, state.source, state.final.detail) == ("PENDING", "pending", ICS_PENDING)
    assert state.outcome()["final"] == {"verdict": "PENDING", "source": "pending", "stale": False}


def test_the_inspector_confirms_or_overrules(case: Case, catalog) -> None:
    declare(case, ALL_NA)
    hashes = case.judged_hashes(catalog.get("COM-01").evidence, "COM-01")
    case.verdicts.record("COM-01", "NOT_APPLICABLE", "confirmed: the camera has no login", "alice",
                         artefact_hashes=hashes)
    state = judged(case, catalog, "COM-01")
    assert (state.verdict, state.source, state.stale) == ("NOT_APPLICABLE", "inspector", False)
    case.verdicts.record("COM-01", "FAIL", "the capture shows four logins in clear", "alice",
                         artefact_hashes=hashes)
    assert (judged(case, catalog, "COM-01").verdict, judged(case, catalog, "COM-01").source) == (
        "FAIL", "inspector")


def test_a_manual_requirement_declared_not_applicable_says_why_it_waits(case: Case, catalog) -> None:
    declare(case, "ics:\n" + "".join(f"  '{p}': {{status: not_applicable, justification: no telemetry}}\n"
                                     for p in ("5.10-1", "6-4", "6-5")))
    state = judged(case, catalog, "TEL-01")
    assert state.proposed == "NOT_APPLICABLE"
    assert (state.verdict, state.final.detail) == ("PENDING", ICS_PENDING)


def test_partly_not_applicable_the_automatic_verdict_stays_final(case: Case, catalog) -> None:
    declare(case, f"ics:\n  5.5-1: {{status: supported}}\n  5.5-7: {{status: n/a, justification: {WHY}}}\n")
    state = judged(case, catalog, "COM-01")
    assert (state.verdict, state.source) == ("FAIL", "automatic")
    assert "5.5-7" in state.reasons[-1]


def test_evidence_that_contradicts_the_declaration_fails_as_ever(case: Case, catalog) -> None:
    declare(case, ALL_NA)
    state = judged(case, catalog, "COM-01")  # four logins in clear although "no credentials ever leave"
    assert (state.verdict, state.source) == ("FAIL", "automatic")
    assert state.reasons[-1].startswith("the evidence contradicts the ICS")


def test_a_level_does_not_pass_on_an_unconfirmed_declaration(clean_case: Case, catalog) -> None:
    declare(clean_case, ALL_NA)
    states = [judged(clean_case, catalog, "COM-01")]
    level = level_results(states, 1)[1]
    assert level["result"] == "INCOMPLETE" and level["failed"] == []
    assert [p["id"] for p in level["pending"]] == ["COM-01"]
