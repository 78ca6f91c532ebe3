"""DEL-01 (user data can be erased simply): a procedural check on real device cases."""

from __future__ import annotations

from proccases import (
    assert_admitted_non_conformity_fails,
    assert_laid_out_for_the_inspector,
    assert_needs_inspector_without_declaration,
)


def test_needs_the_inspector_even_without_declaration(cases):
    assert_needs_inspector_without_declaration(cases["none"], "DEL-01")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "DEL-01")


def test_declaration_admitting_non_conformity_fails(cases):
    assert_admitted_non_conformity_fails(cases["admits"], "DEL-01", "erase.method")
