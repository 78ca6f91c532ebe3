"""The JC-STAR ★1 table and the EN 303 645 notes of workbench/catalog/README.md against the editions'
`mappings`: every ★1 item S1.1-01..16 is mapped in the newest edition unless the README lists it as
unconfirmed, and the README's table says exactly what the YAML holds (in every edition that maps JC-STAR)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench.catalog import Catalog, load_catalog, newest_edition

README = Path(__file__).resolve().parents[2] / "workbench" / "catalog" / "README.md"
ITEMS = [f"S1.1-{n:02d}" for n in range(1, 17)]
EVALUATIONS = {"document", "hands-on", "document and hands-on", "not confirmed"}
JC_STAR_EDITIONS = ["2026.1", "2026.2", "2026.3", "2026.4"]  # 2025.1 predates the scheme
REQUIREMENT_ID = re.compile(r"\b[A-Z]+-\d{2}\b")
PROVISION = re.compile(r"\b\d+\.\d+-\d+[a-zA-Z]?\b")


def section(title: str) -> str:
    """The text of the README's `## title` section."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the markdown tables in `text`, as stripped cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= {"|", "-", " "}:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append(cells)
    return [r for r in rows if r[0] not in ("Item", "Provision")]


def readme_table() -> dict[str, dict[str, object]]:
    """item -> {evaluation, requirements} from the "JC-STAR ★1 mapping" table."""
    table: dict[str, dict[str, object]] = {}
    for cells in table_rows(section("JC-STAR ★1 mapping")):
        assert len(cells) == 7, cells
        item, _ja, _en, evaluation, requirements, _covered, _source = cells
        assert item not in table, f"{item} twice in the README's table"
        ids = REQUIREMENT_ID.findall(requirements)
        assert ids or requirements == "—", (item, requirements)
        table[item] = {"evaluation": evaluation, "requirements": set(ids)}
    return table


def readme_unconfirmed() -> set[str]:
    match = re.search(r"^Unconfirmed items: (.*)\.$", section("JC-STAR ★1 mapping"), flags=re.M)
    assert match, "README names no unconfirmed items line"
    return set(re.findall(r"S1\.1-\d{2}", match.group(1)))


def yaml_mapping(catalog: Catalog) -> dict[str, set[str]]:
    """item -> the requirements whose `jc_star` names it."""
    mapped: dict[str, set[str]] = {}
    for requirement in catalog.requirements:
        for item in requirement.mappings.jc_star:
            mapped.setdefault(item, set()).add(requirement.id)
    return mapped


def test_the_table_lists_each_star_one_item_once() -> None:
    table = readme_table()
    assert list(table) == ITEMS
    assert {str(row["evaluation"]) for row in table.values()} <= EVALUATIONS


def test_unconfirmed_items_are_exactly_the_unmapped_rows() -> None:
    table = readme_table()
    unconfirmed = readme_unconfirmed()
    assert unconfirmed == {item for item, row in table.items() if not row["requirements"]}
    assert all(table[item]["evaluation"] == "not confirmed" for item in unconfirmed)


def test_every_confirmed_item_is_mapped_in_the_newest_edition() -> None:
    mapped = yaml_mapping(load_catalog(newest_edition()))
    unconfirmed = readme_unconfirmed()
    assert {item for item in ITEMS if item not in mapped} == unconfirmed
    assert not set(mapped) & unconfirmed  # an unconfirmed item is never mapped
    assert set(mapped) <= set(ITEMS)


@pytest.mark.parametrize("edition", JC_STAR_EDITIONS)
def test_the_table_says_what_each_edition_maps(edition: str) -> None:
    catalog = load_catalog(edition)
    expected = {item: row["requirements"] for item, row in readme_table().items() if row["requirements"]}
    assert yaml_mapping(catalog) == expected
    for ids in expected.values():
        for rid in ids:  # raises on an id the edition lacks
            catalog.get(rid)


def test_the_edition_before_the_scheme_maps_no_item() -> None:
    assert yaml_mapping(load_catalog("2025.1")) == {}


def test_the_en_303_645_notes_agree_with_the_newest_edition() -> None:
    catalog = load_catalog(newest_edition())
    carried: dict[str, set[str]] = {}
    for requirement in catalog.requirements:
        for provision in requirement.mappings.etsi_en_303_645:
            carried.setdefault(provision, set()).add(requirement.id)
    rows = table_rows(section("EN 303 645 provisions without a requirement"))
    listed = set()
    for provisions_cell, outcome in rows:
        provisions = PROVISION.findall(provisions_cell.split("(")[0])
        assert provisions, provisions_cell
        listed.update(provisions)
        for provision in provisions:
            if outcome.startswith("Mapped to"):
                ids = set(REQUIREMENT_ID.findall(outcome))
                assert ids and carried.get(provision) == ids, (provision, carried.get(provision), ids)
            else:  # explained, not mapped
                assert provision not in carried, (provision, carried.get(provision))
    issue_list = {
        "5.1-2a", "5.2-2", "5.3-12", "5.3-14", "5.3-15", "5.5-2", "5.5-3", "5.5-6", "5.6-6", "5.13-1a",
    }  # fmt: skip
    assert listed == issue_list
