"""The final verdict: the inspector's, else the check's for automatic requirements, else PENDING."""

from __future__ import annotations

from pathlib import Path

import pytest
from judgement_helpers import PCAP

from workbench.case import Case
from workbench.checks.base import CheckResult, Verdict
from workbench.judgement import PENDING, final_verdict


@pytest.fixture
def judged(case: Case) -> tuple[Case, CheckResult]:
    capture = case.add_artefact(PCAP, "capture")
    result = CheckResult("COM-01", Verdict.FAIL, ("credentials in clear",), evidence_used=(capture.sha256,))
    return case, result


def test_an_automatic_requirement_takes_the_checks_verdict(catalog, judged) -> None:
    case, result = judged
    requirement = catalog.get("COM-01")
    assert requirement.automation == "automatic"
    final = final_verdict(requirement, result, None, case.current_hashes())
    assert (final.verdict, final.source, final.stale) == ("FAIL", "automatic", False)
    assert final.to_dict() == {"verdict": "FAIL", "source": "automatic", "stale": False}


def test_an_automatic_result_from_evidence_no_longer_there_is_stale(catalog, judged) -> None:
    case, result = judged
    final = final_verdict(catalog.get("COM-01"), result, None, {"other.pcap": "0" * 64})
    assert (final.verdict, final.source, final.stale) == ("FAIL", "automatic", True)


def test_without_a_result_or_when_the_check_asks_the_inspector_it_is_pending(catalog, judged) -> None:
    case, result = judged
    requirement = catalog.get("COM-01")
    assert final_verdict(requirement, None, None, case.current_hashes()).verdict == PENDING
    asks = CheckResult("COM-01", Verdict.NEEDS_INSPECTOR, ("ambiguous",))
    final = final_verdict(requirement, asks, None, case.current_hashes())
    assert (final.verdict, final.source) == (PENDING, "pending")


@pytest.mark.parametrize("requirement_id", ["AUTH-05", "AUTH-04"])  # assisted, manual
def test_assisted_and_manual_requirements_wait_for_the_inspector(
    catalog, judged, requirement_id: str
) -> None:
    case, _ = judged
    requirement = catalog.get(requirement_id)
    assert requirement.automation in ("assisted", "manual")
    proposal = CheckResult(requirement_id, Verdict.FAIL, ("indicators",))
    final = final_verdict(requirement, proposal, None, case.current_hashes())
    assert (final.verdict, final.source, final.stale) == (PENDING, "pending", False)


def test_the_inspector_always_wins_and_goes_stale_with_the_evidence(catalog, judged, tmp_path: Path) -> None:
    case, result = judged
    requirement = catalog.get("COM-01")
    recorded = case.verdicts.record(
        "COM-01",
        "PASS",
        "the 'credentials' are the test account the lab set up",
        "alice",
        artefact_hashes=case.current_hashes(),
        automatic_verdict=result.verdict,
    )
    final = final_verdict(requirement, result, recorded, case.current_hashes())
    assert (final.verdict, final.source, final.stale) == ("PASS", "inspector", False)
    assert "alice" in final.detail
    changed = dict(case.current_hashes())
    changed[next(iter(changed))] = "f" * 64
    final = final_verdict(requirement, result, recorded, changed)
    assert (final.verdict, final.source, final.stale) == ("PASS", "inspector", True)
    manual = catalog.get("DEL-01")
    erased = case.verdicts.record("DEL-01", "FAIL", "reset keeps the Wi-Fi password", "bob")
    final = final_verdict(manual, None, erased, case.current_hashes())
    assert (final.verdict, final.source, final.stale) == ("FAIL", "inspector", False)
