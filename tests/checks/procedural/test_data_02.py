"""DATA-02 (sensors documented): a procedural check on real device cases."""

from __future__ import annotations

from proccases import assert_inconclusive_without_declaration, assert_laid_out_for_the_inspector, run

from workbench.checks import Verdict


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "DATA-02")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "DATA-02")


def test_unstated_fields_are_named(cases):
    result = run(cases["empty"], "DATA-02")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["not_declared"] == ["sensors"]
    assert "the declaration does not state sensors" in result.reasons
