"""Staleness: why a recorded verdict no longer matches the evidence, on a real case."""

from __future__ import annotations

from pathlib import Path

from judgement_helpers import PCAP, SECOND_PCAP, declare

from workbench.checks.base import CheckResult, Verdict
from workbench.judgement import hashes_now, judge, judged_hashes, stale_reasons


def record(case, catalog, rid: str, verdict: str = "PASS"):
    requirement = catalog.get(rid)
    return case.verdicts.record(rid, verdict, "examined", "alice",
                                artefact_hashes=case.judged_hashes(requirement.evidence, rid))


def test_nothing_recorded_or_nothing_changed_is_not_stale(case, catalog) -> None:
    case.add_artefact(PCAP, "capture")
    assert stale_reasons(case, catalog.get("COM-01"), None) == []
    recorded = record(case, catalog, "COM-01")
    assert stale_reasons(case, catalog.get("COM-01"), recorded) == []
    assert judge(case, catalog.get("COM-01"), None).stale is False


def test_a_capture_added_since_makes_a_capture_verdict_stale_only(case, catalog) -> None:
    case.add_artefact(PCAP, "capture")
    com, manual = record(case, catalog, "COM-01"), record(case, catalog, "DEL-01")
    case.add_artefact(SECOND_PCAP, "capture")
    assert stale_reasons(case, catalog.get("COM-01"), com) == [f"{SECOND_PCAP.name} added since"]
    assert stale_reasons(case, catalog.get("DEL-01"), manual) == []  # judges the inspector's test only
    state = judge(case, catalog.get("COM-01"), None)
    assert (state.verdict, state.source, state.stale) == ("PASS", "inspector", True)
    assert state.stale_reasons == (f"{SECOND_PCAP.name} added since",)
    assert "stale" in state.final.detail


def test_evidence_changed_in_place_or_gone(case, catalog) -> None:
    capture = case.add_artefact(PCAP, "capture")
    recorded = record(case, catalog, "COM-01")
    capture.path.chmod(0o644)
    capture.path.write_bytes(capture.path.read_bytes() + b"\0")
    assert stale_reasons(case, catalog.get("COM-01"), recorded) == [f"{PCAP.name} changed or is gone"]
    capture.path.unlink()
    assert PCAP.name not in hashes_now(case)
    assert stale_reasons(case, catalog.get("COM-01"), recorded) == [f"{PCAP.name} changed or is gone"]


def test_a_declaration_added_or_changed_since(case, catalog, tmp_path: Path) -> None:
    recorded = record(case, catalog, "UPD-03")  # support period: judges the declaration
    declare(case, tmp_path)
    assert stale_reasons(case, catalog.get("UPD-03"), recorded) == ["declaration added since"]
    recorded = record(case, catalog, "UPD-03")
    declare(case, tmp_path, "support_period: {end: 2031-12-31}\n")
    assert stale_reasons(case, catalog.get("UPD-03"), recorded) == ["declaration changed or is gone"]


def test_judged_hashes_add_what_the_check_used(case, catalog, tmp_path: Path) -> None:
    capture = case.add_artefact(PCAP, "capture")
    declare(case, tmp_path)
    requirement = catalog.get("DEL-01")  # the catalogue names only the inspector's own test
    assert PCAP.name not in judged_hashes(case, requirement, None)
    used = CheckResult("DEL-01", Verdict.NEEDS_INSPECTOR, ("look",), evidence_used=(capture.sha256,))
    assert judged_hashes(case, requirement, used)[PCAP.name] == capture.sha256
