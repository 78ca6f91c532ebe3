"""The JSON Schema of a catalogue file, generated from the models (committed as schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from workbench.catalog.model import CatalogFile, RequirementsFile

SCHEMA_FILE = Path(__file__).parent / "schema.json"


def catalog_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(CatalogFile | RequirementsFile).json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Inspector Workbench requirement catalogue file",
        "description": (
            "A catalogue is one YAML file with an edition header (edition, title, published, "
            "schema_version) and its requirements, or a folder of YAML files of which exactly one "
            "carries the header and the others only `requirements`."
        ),
        **schema,
    }


def schema_text() -> str:
    return json.dumps(catalog_json_schema(), indent=2, ensure_ascii=False) + "\n"
