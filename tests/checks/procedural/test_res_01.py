"""RES-01 (resilient to network and power outages): a procedural check on real device cases."""

from __future__ import annotations

from proccases import assert_laid_out_for_the_inspector, assert_needs_inspector_without_declaration, run


def test_needs_the_inspector_even_without_declaration(cases):
    assert_needs_inspector_without_declaration(cases["none"], "RES-01")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "RES-01")


def test_catalogue_parameters_reach_the_procedure(cases):
    assert "10 minutes" in " ".join(run(cases["full"], "RES-01").reasons)
