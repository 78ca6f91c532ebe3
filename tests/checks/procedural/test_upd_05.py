"""UPD-05 (updates automatic and timely): a procedural check on real device cases."""

from __future__ import annotations

from proccases import (
    assert_admitted_non_conformity_fails,
    assert_inconclusive_without_declaration,
    assert_laid_out_for_the_inspector,
    run,
)


def test_without_declaration_inconclusive(cases):
    assert_inconclusive_without_declaration(cases["none"], "UPD-05")


def test_full_declaration_laid_out_for_the_inspector(cases):
    assert_laid_out_for_the_inspector(cases["full"], "UPD-05")


def test_declaration_admitting_non_conformity_fails(cases):
    assert_admitted_non_conformity_fails(cases["admits"], "UPD-05", "update.automatic")


def test_catalogue_parameters_reach_the_procedure(cases):
    assert "24 hours" in " ".join(run(cases["full"], "UPD-05").reasons)
