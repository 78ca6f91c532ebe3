"""The comparison of one requirement's outcome in a bundle with the lab's reproduction of it, on
outcomes written by the real judgement (RequirementState.outcome) and on hostile ones."""

from __future__ import annotations

import json

import pytest

from workbench.batch.compare_outcomes import compare, finding_difference, row_differences
from workbench.catalog import load_catalog
from workbench.checks.base import CheckResult, EvidenceRef, Finding, Severity, Verdict
from workbench.judgement.final import FinalVerdict
from workbench.judgement.state import RequirementState

REQUIREMENT = load_catalog().get("COM-01")
SHA = "ab" * 32
TELNET = Finding("telnet password in clear", Severity.HIGH, (EvidenceRef("a.pcap", SHA, packet=7),))
FTP = Finding("FTP password in clear", Severity.HIGH,
              (EvidenceRef("a.pcap", SHA, packet=9), EvidenceRef("a.pcap", SHA, packet=11)))


def outcome(verdict: Verdict = Verdict.FAIL, *findings: Finding, error: str | None = None) -> dict:
    """An outcome as the batch writes it to outcomes/<ID>.json (and the lab's reproduction gives it)."""
    result = None if error else CheckResult("COM-01", verdict, ("why",), tuple(findings))
    final = FinalVerdict(verdict, "automatic", False, "")
    state = RequirementState(REQUIREMENT, result, None, final, (), error)
    return json.loads(json.dumps(state.outcome()))


def test_the_same_findings_in_another_order_and_with_references_reordered_are_the_same():
    bundled = outcome(Verdict.FAIL, TELNET, FTP)
    flipped = Finding(FTP.summary, FTP.severity, tuple(reversed(FTP.evidence)), {"other": "data"})
    assert compare("COM-01", bundled, outcome(Verdict.FAIL, flipped, TELNET)).status == "same"


def test_findings_are_a_multiset_and_each_side_lists_only_its_own():
    bundled = outcome(Verdict.FAIL, TELNET, TELNET, FTP)
    moved = Finding(FTP.summary, FTP.severity, (EvidenceRef("a.pcap", SHA, packet=9),))
    done = compare("COM-01", bundled, outcome(Verdict.FAIL, TELNET, moved))
    assert done.status == "different-findings"
    assert [f["summary"] for f in done.only_in_bundle] == [TELNET.summary, FTP.summary]
    assert [(f["summary"], len(f["evidence"])) for f in done.only_in_reproduction] == [(FTP.summary, 1)]


@pytest.mark.parametrize("field", ["severity", "sha256", "path", "offset"])
def test_each_compared_field_makes_a_difference(field):
    changed = {
        "severity": Finding(TELNET.summary, Severity.LOW, TELNET.evidence),
        "sha256": Finding(TELNET.summary, TELNET.severity, (EvidenceRef("a.pcap", "cd" * 32, packet=7),)),
        "path": Finding(TELNET.summary, TELNET.severity, (EvidenceRef("a.pcap", SHA, packet=7, path="/x"),)),
        "offset": Finding(TELNET.summary, TELNET.severity, (EvidenceRef("a.pcap", SHA, packet=7, offset=3),)),
    }[field]
    assert compare("COM-01", outcome(Verdict.FAIL, TELNET), outcome(Verdict.FAIL, changed)).status == (
        "different-findings")


def test_an_artefact_renamed_is_the_same_evidence():
    renamed = Finding(TELNET.summary, TELNET.severity, (EvidenceRef("lab-copy.pcap", SHA, packet=7),))
    assert compare("COM-01", outcome(Verdict.FAIL, TELNET), outcome(Verdict.FAIL, renamed)).status == "same"


def test_a_verdict_difference_carries_the_findings_difference_too():
    done = compare("COM-01", outcome(Verdict.PASS), outcome(Verdict.FAIL, TELNET))
    assert (done.status, done.bundle_verdict, done.reproduced_verdict) == (
        "different-verdict", "PASS", "FAIL")
    assert [f["summary"] for f in done.only_in_reproduction] == [TELNET.summary]
    assert done.lines()[0] == "COM-01  different-verdict: PASS -> FAIL"


def test_a_check_that_raised_at_the_vendor_but_runs_at_the_lab_is_a_different_verdict():
    done = compare("COM-01", outcome(error="KeyError: 'x'"), outcome(Verdict.FAIL, TELNET))
    assert (done.status, done.bundle_verdict, done.reproduced_verdict) == (
        "different-verdict", "ERROR", "FAIL")


@pytest.mark.parametrize(("bundled", "why"), [
    ([], "not a JSON object"),
    ({"requirement_id": "COM-02", "result": None, "error": "x"}, "names another requirement ('COM-02')"),
    ({"requirement_id": "COM-01", "result": None}, "holds no check result"),
    ({"requirement_id": "COM-01", "result": {"verdict": 3}}, "holds no readable verdict"),
    ({"requirement_id": "COM-01", "result": {"verdict": "FAIL", "findings": {"a": 1}}},
     "not a list of objects"),
])
def test_a_hostile_bundle_outcome_is_not_reproduced_saying_why(bundled, why):
    done = compare("COM-01", bundled, outcome(Verdict.FAIL, TELNET))
    assert done.status == "not-reproduced" and why in done.why


def test_hostile_finding_fields_compare_without_raising_and_print_on_one_line():
    weird = {"summary": ["a", {"b": None}], "severity": None,
             "evidence": [5, {"packet": [1, 2], "sha256": {}}]}
    plain = {"summary": "bell\x07and\nnewline\x1b[2J", "severity": "high", "evidence": "not a list"}
    only_old, only_new = finding_difference([weird, plain], [])
    assert len(only_old) == 2 and only_new == []
    bundled = {"requirement_id": "COM-01", "result": {"verdict": "FAIL", "findings": [weird, plain]}}
    lines = compare("COM-01", bundled, outcome(Verdict.FAIL)).lines()
    assert len(lines) == 3 and all(line.isprintable() for line in lines)


def row(verdict="FAIL", proposed="FAIL", findings=1, source="automatic") -> dict:
    """A results.json row as the batch writes it (the fields compared with the outcome)."""
    return {"id": "COM-01", "verdict": verdict, "proposed": proposed, "findings": findings,
            "verdict_source": source}


def test_a_results_row_agrees_with_its_outcome_or_says_where_it_does_not():
    bundled = outcome(Verdict.FAIL, TELNET)
    assert row_differences(row(), bundled) == []
    assert row_differences(row(verdict="ERROR", source="error"), bundled) == []  # its notebook failed
    assert row_differences(row(verdict="PASS", source="inspector"), bundled) == [
        "the verdict is PASS, the outcome's FAIL"]
    assert row_differences(row(findings=True), bundled) == ["it counts True finding(s), the outcome holds 1"]
    assert row_differences(None, bundled) == [
        "results.json has no row of it, yet the bundle holds its outcome"]
    raised = outcome(error="KeyError: 'x'")
    assert row_differences(row(verdict="ERROR", proposed=None, findings=0, source="error"), raised) == []
    assert row_differences(row(proposed=["x"] * 30), bundled)[0].endswith("…, the outcome's FAIL")
    assert row_differences(row(), "not an outcome") == []  # the comparison reports that itself
