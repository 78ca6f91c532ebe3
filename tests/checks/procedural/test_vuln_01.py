"""VULN-01 (vulnerability disclosure policy published): a procedural check on real device cases."""

from __future__ import annotations

from proccases import (
    assert_admitted_non_conformity_fails,
    assert_inconclusive_without_declaration,
    assert_laid_out_for_the_inspector,
    run,
)

from workbench.checks import Verdict


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "VULN-01")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "VULN-01")


def test_declaration_admitting_non_conformity_fails(cases):
    assert_admitted_non_conformity_fails(cases["admits"], "VULN-01", "disclosure.contact")


def test_fails_a_declaration_silent_on_disclosure(cases):
    result = run(cases["empty"], "VULN-01")
    assert result.verdict is Verdict.FAIL
    assert result.indicators["not_declared"] == ["disclosure"]
