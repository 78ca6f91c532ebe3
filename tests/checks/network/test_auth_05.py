"""AUTH-05: repeated logins against the device laid out for the inspector's hands-on test."""

from __future__ import annotations

from netcases import run_check

from workbench.case import Case
from workbench.checks import Verdict


def test_auth05_lays_out_repeated_logins(defective_case: Case, clean_case: Case) -> None:
    result = run_check(defective_case, "AUTH-05")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    (series,) = result.findings
    assert series.data["attempts"] == 6 and series.data["server"] == "192.168.1.50:23"
    assert any("20 wrong passwords" in r for r in result.reasons)  # hands_on_attempts from the catalogue
    clean = run_check(clean_case, "AUTH-05")
    assert clean.verdict is Verdict.NEEDS_INSPECTOR and not clean.findings
