"""One vocabulary: the checks' Verdict enum, the store's recordable verdicts, PENDING and ERROR."""

from __future__ import annotations

from workbench.case.verdicts import RECORDABLE
from workbench.checks import base
from workbench.judgement import (
    CHECK_VERDICTS,
    ERROR,
    FINAL_VERDICTS,
    INSPECTOR_VERDICTS,
    PENDING,
    Verdict,
)
from workbench.judgement.state import RequirementState


def test_the_check_verdicts_are_the_checks_own_enum() -> None:
    assert Verdict is base.Verdict
    assert CHECK_VERDICTS == ("PASS", "FAIL", "NOT_APPLICABLE", "INCONCLUSIVE", "NEEDS_INSPECTOR")


def test_an_inspector_records_what_the_store_accepts_and_never_needs_inspector() -> None:
    assert INSPECTOR_VERDICTS is RECORDABLE
    assert set(INSPECTOR_VERDICTS) == set(CHECK_VERDICTS) - {"NEEDS_INSPECTOR"}


def test_final_verdicts_add_pending_and_error() -> None:
    assert (*INSPECTOR_VERDICTS, PENDING, ERROR) == FINAL_VERDICTS
    assert {PENDING, ERROR}.isdisjoint(CHECK_VERDICTS)


def test_ui_widget_offers_the_inspector_verdicts() -> None:
    from workbench.ui import widget

    assert widget.INSPECTOR_VERDICTS is INSPECTOR_VERDICTS
    assert RequirementState.__dataclass_fields__.keys() >= {"result", "recorded", "final", "stale_reasons"}
