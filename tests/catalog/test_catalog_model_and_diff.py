"""Catalog methods, immutability, and the diff between editions."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pydantic
import pytest

from workbench.catalog import Catalog, diff_catalogs, load_catalog
from workbench.errors import WorkbenchError


def test_get_ids_and_membership(baseline: Catalog) -> None:
    assert baseline.get("COM-02").title == "TLS versions and ciphers meet the floor"
    assert baseline.ids[:3] == ["AUTH-01", "AUTH-02", "AUTH-03"]
    assert "ATK-05" in baseline
    assert "ATK-99" not in baseline


def test_unknown_id_is_a_short_user_error(baseline: Catalog) -> None:
    with pytest.raises(WorkbenchError) as caught:
        baseline.get("COM-2")
    message = str(caught.value)
    assert message.startswith("no requirement 'COM-2' in catalogue 2026.1")
    assert "did you mean COM-02?" in message
    assert len(message) < 120
    with pytest.raises(WorkbenchError, match="no requirement 'NOPE' in catalogue 2026.1$"):
        baseline.get("NOPE")


def test_for_level_rejects_nonsense(baseline: Catalog) -> None:
    for level in (0, 4, True, "2"):
        with pytest.raises(WorkbenchError, match="level must be 1, 2 or 3"):
            baseline.for_level(level)  # type: ignore[arg-type]


def test_requirements_are_frozen(baseline: Catalog) -> None:
    requirement = baseline.get("COM-02")
    with pytest.raises(pydantic.ValidationError):
        requirement.level = 3  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        requirement.mappings.ccds = ["1-1"]  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        baseline.edition = "x"  # type: ignore[misc]


def test_each_load_gives_independent_parameters() -> None:
    first = load_catalog("2026.1")
    first.get("COM-02").parameters["weak_cipher_patterns"].append("AES")
    assert "AES" not in load_catalog("2026.1").get("COM-02").parameters["weak_cipher_patterns"]


def test_diff_between_the_bundled_editions(previous: Catalog, baseline: Catalog) -> None:
    diff = diff_catalogs(previous, baseline)
    assert (diff.old_edition, diff.new_edition) == ("2025.1", "2026.1")
    assert [r.id for r in diff.added] == ["COM-05", "ATK-07", "WIFI-01"]
    assert diff.removed == ()
    changed = {c.id: c for c in diff.changed}
    tls = {c.field: c for c in changed["COM-02"].changes}
    assert (tls["parameters.min_tls_version"].old, tls["parameters.min_tls_version"].new) == (
        "TLS 1.0",
        "TLS 1.2",
    )
    assert tls["title"].old == "TLS versions and ciphers acceptable"
    assert {c.field: (c.old, c.new) for c in changed["UPD-04"].changes} == {
        "level": (3, 2),
        "mappings.jc_star": ([], ["S1.1-08"]),  # 2025.1 predates JC-STAR
    }
    assert "pass_criteria" in changed["VULN-01"].fields
    assert "mappings.jc_star" in changed["AUTH-01"].fields
    assert "ATK-03" not in changed  # unchanged requirements are not listed
    assert not diff.is_empty


def test_reverse_diff_and_self_diff(previous: Catalog, baseline: Catalog) -> None:
    back = diff_catalogs(baseline, previous)
    assert [r.id for r in back.removed] == ["COM-05", "ATK-07", "WIFI-01"]
    assert back.added == ()
    assert diff_catalogs(baseline, baseline).is_empty


def test_parameter_added_and_removed(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    newer = copy.deepcopy(catalog_data)
    newer["edition"] = "lab-2"
    newer["requirements"][1]["parameters"] = {"min_tls_version": "TLS 1.3", "fail_on_offered": True}
    del newer["requirements"][0]["parameters"]
    diff = diff_catalogs(
        load_catalog(write_yaml("a.yaml", catalog_data)), load_catalog(write_yaml("b.yaml", newer))
    )
    changes = {c.id: {f.field: f for f in c.changes} for c in diff.changed}
    removed = changes["AUTH-01"]["parameters.min_tls_version"]
    assert (removed.kind, removed.old, removed.new) == ("removed", "TLS 1.2", None)
    added = changes["COM-02"]["parameters.fail_on_offered"]
    assert (added.kind, added.new) == ("added", True)
    assert changes["COM-02"]["parameters.min_tls_version"].kind == "changed"
    as_dict = diff.to_dict()
    assert as_dict["changed"][0]["changes"][0]["kind"] == "removed"
