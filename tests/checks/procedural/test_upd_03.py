"""UPD-03 (support period published): a procedural check on real device cases."""

from __future__ import annotations

from proccases import (
    assert_admitted_non_conformity_fails,
    assert_inconclusive_without_declaration,
    assert_laid_out_for_the_inspector,
    make_case,
    run,
)

from workbench.checks import Verdict


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "UPD-03")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "UPD-03")


def test_declaration_admitting_non_conformity_fails(cases):
    assert_admitted_non_conformity_fails(cases["admits"], "UPD-03", "support_period.end")


def test_support_period_past_end_is_pointed_out(tmp_path):
    case = make_case(tmp_path, "old", {"support_period": {"end": "2019-01-31", "published_at": "box"}})
    result = run(case, "UPD-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert any("ended" in r for r in result.reasons)
