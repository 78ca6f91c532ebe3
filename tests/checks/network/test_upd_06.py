"""UPD-06: the declared model and version beside what the device announces."""

from __future__ import annotations

from pathlib import Path

from netcases import DEFECTIVE_DECLARATION, new_case, run_check

from workbench.case import Case
from workbench.checks import Verdict


def test_upd06_sets_declared_beside_announced(defective_case: Case, clean_case: Case) -> None:
    result = run_check(defective_case, "UPD-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["declared"] == {"model": "C100", "firmware_version": "2.1"}
    (announcement,) = result.indicators["observed"]["announcements"]
    assert announcement["matches_declared"] == {"model": True, "firmware_version": True}
    assert "2.1" in result.indicators["observed"]["firmware_version"]
    clean = run_check(clean_case, "UPD-06")
    (announcement,) = clean.indicators["observed"]["announcements"]
    assert announcement["matches_declared"] == {"model": True, "firmware_version": False}
    assert (
        clean.indicators["observed"]["model"] == ["C100"]
        and clean.indicators["observed"]["firmware_version"] == []
    )


def test_upd06_flags_a_declaration_that_differs_from_the_case(
    tmp_path: Path, clean_capture: tuple[Path, dict]
) -> None:
    case = new_case(tmp_path / "v", [clean_capture[0]], {**DEFECTIVE_DECLARATION, "firmware_version": "2.0"})
    result = run_check(case, "UPD-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert any("'2.0' differs from the case's '2.1'" in r for r in result.reasons)
    no_declaration = run_check(new_case(tmp_path / "n", [clean_capture[0]]), "UPD-06")
    assert no_declaration.verdict is Verdict.INCONCLUSIVE
