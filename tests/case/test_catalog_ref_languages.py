"""A case's catalogue hash ignores the translations a catalogue carries, not its wording."""

from __future__ import annotations

from workbench.case.catalogref import catalog_sha256
from workbench.catalog import load_catalog


def _without_translations(catalog):
    requirements = [r.model_copy(update={"translations": {}}) for r in catalog.requirements]
    update = {"translations": {}, "declared_languages": None, "requirements": requirements}
    return catalog.model_copy(update=update)


def test_translations_do_not_change_the_case_catalogue_hash():
    catalog = load_catalog("2026.4")
    assert catalog.requirements[0].translations, "no Japanese in the edition: the test would prove nothing"
    assert catalog_sha256(_without_translations(catalog)) == catalog_sha256(catalog)


def test_english_wording_still_changes_it():
    catalog = load_catalog("2026.4")
    first = catalog.requirements[0]
    retitled = first.model_copy(update={"title": first.title + "!"})
    changed = catalog.model_copy(update={"requirements": [retitled, *catalog.requirements[1:]]})
    assert catalog_sha256(changed) != catalog_sha256(catalog)
