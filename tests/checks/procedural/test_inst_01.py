"""INST-01 (secure installation guidance): a procedural check on real device cases."""

from __future__ import annotations

from proccases import assert_inconclusive_without_declaration, assert_laid_out_for_the_inspector


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "INST-01")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "INST-01")
