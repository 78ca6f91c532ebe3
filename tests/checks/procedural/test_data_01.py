"""DATA-01 (personal data processing transparent): a procedural check on real device cases."""

from __future__ import annotations

from proccases import assert_inconclusive_without_declaration, assert_laid_out_for_the_inspector


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "DATA-01")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "DATA-01")
