"""An assisted requirement whose catalogue says `automatic_with: [probe]` is final when its check's
verdict rests on the live probe (AUTH-05 here, on real probe results), pending otherwise."""

from __future__ import annotations

from pathlib import Path

from checks.probe.probecases import probe_case, run_check

from workbench.catalog import load_catalog
from workbench.checks import Verdict
from workbench.judgement import final_verdict


def test_a_probe_decided_pass_is_final_and_without_the_probe_it_is_pending(tmp_path: Path) -> None:
    requirement = load_catalog("2026.3").get("AUTH-05")
    case = probe_case(tmp_path / "clean", "clean")
    result = run_check(case, "AUTH-05")
    assert (result.verdict, result.decided_by) == (Verdict.PASS, ("probe",))
    final = final_verdict(requirement, result, None, case.current_hashes())
    assert (final.verdict, final.source, final.stale) == ("PASS", "automatic", False)

    errored = probe_case(tmp_path / "errored", "errored")  # the brute-force test could not run
    undecided = run_check(errored, "AUTH-05")
    assert undecided.verdict is Verdict.NEEDS_INSPECTOR and not undecided.decided_by
    assert final_verdict(requirement, undecided, None, errored.current_hashes()).source == "pending"


def test_a_failure_decided_by_the_probe_is_final_too(tmp_path: Path) -> None:
    requirement = load_catalog("2026.3").get("AUTH-05")
    case = probe_case(tmp_path / "defective", "defective")
    final = final_verdict(requirement, run_check(case, "AUTH-05"), None, case.current_hashes())
    assert (final.verdict, final.source) == ("FAIL", "automatic")
