"""AUTH-04 (authentication value can be changed simply): a procedural check on real device cases."""

from __future__ import annotations

from proccases import assert_laid_out_for_the_inspector, assert_needs_inspector_without_declaration


def test_needs_the_inspector_even_without_declaration(cases):
    assert_needs_inspector_without_declaration(cases["none"], "AUTH-04")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "AUTH-04")
