"""Helpers shared by the display-helper and widget tests (a module name no other test folder uses)."""

from __future__ import annotations

from pathlib import Path

from workbench.case import Case, CaseInfo

LAB_CATALOG = Path(__file__).parent / "data" / "lab-catalogue.yaml"
HOSTILE = "<script>alert(1)</script>"


def new_case(root: Path, **overrides: object) -> Case:
    fields: dict[str, object] = {
        "device": "IP camera",
        "vendor": "Acme",
        "model": "C100",
        "firmware_version": "2.1",
        "level": 3,
        "inspectors": ["Alice Example", "Bob"],
        "catalog_edition": "lab-test.1",
    }
    fields.update(overrides)
    return Case.create(root, CaseInfo.model_validate(fields))
