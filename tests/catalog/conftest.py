"""Fixtures for the catalogue tests: the bundled editions (loaded once) and a writer of small
catalogue files, valid by default, that a test breaks in exactly one place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def baseline() -> Catalog:
    return load_catalog("2026.1")


@pytest.fixture(scope="session")
def previous() -> Catalog:
    return load_catalog("2025.1")


def _requirement(rid: str, level: int = 1) -> dict[str, Any]:
    return {
        "id": rid,
        "title": f"Test requirement {rid}",
        "statement": "The device does the thing.",
        "level": level,
        "category": "communication",
        "rationale": "Because an attacker would otherwise do the other thing.",
        "typical_failure": "The device does the other thing.",
        "pass_criteria": ["The thing is done."],
        "inspection_method": ["Look at the thing.", "Record the verdict."],
        "evidence": ["capture"],
        "automation": "automatic",
        "mappings": {"etsi_en_303_645": ["5.5-1"]},
        "parameters": {"min_tls_version": "TLS 1.2"},
    }


@pytest.fixture
def catalog_data() -> dict[str, Any]:
    """A small valid catalogue as data: two requirements, AUTH-01 and COM-02."""
    return copy.deepcopy(
        {
            "edition": "lab-1",
            "title": "A lab's own catalogue",
            "published": "2026-02-01",
            "schema_version": 1,
            "requirements": [_requirement("AUTH-01"), _requirement("COM-02", level=2)],
        }
    )


@pytest.fixture
def requirement() -> Callable[..., dict[str, Any]]:
    return _requirement


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, Any], Path]:
    """Write data (or raw text) as a YAML file under tmp_path; returns its path."""

    def write(name: str, content: Any) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = (
            content
            if isinstance(content, str)
            else yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
        )
        path.write_text(text, encoding="utf-8")
        return path

    return write
