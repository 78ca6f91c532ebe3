"""The scheme's public registry record of a bundle (CSV and JSON): level achieved, company, product
name, model number, product URL, registration date.

The level is the highest whose roll-up in results.json is PASS with every lower level PASS too (a
level includes the lower ones). The company is the case's vendor, the model number its model.
Product name and URL come from the case's `product_name` / `product_url` when it has them; until
case.yaml carries them, the name is the device kind and model and the URL is left empty, each with
a note. The registration date is the one given, else the day the bundle was finished (UTC).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any
from urllib.parse import urlsplit

from workbench.errors import BundleError
from workbench.export.content import read_content
from workbench.export.items import BundleContent
from workbench.export.text import csv_cell, one_line
from workbench.sealed import BundleView

CSV_NAME, JSON_NAME = "registry.csv", "registry.json"
FIELDS = ("level", "company", "product_name", "model_number", "product_url", "registration_date")
STARS = {1: "★", 2: "★★", 3: "★★★"}


@dataclass(frozen=True)
class RegistryRecord:
    level: int
    company: str
    product_name: str
    model_number: str
    product_url: str
    registration_date: date
    bundle: str
    catalogue_edition: str
    firmware_version: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def row(self) -> dict[str, Any]:
        return {"level": self.level, "company": self.company, "product_name": self.product_name,
                "model_number": self.model_number, "product_url": self.product_url,
                "registration_date": self.registration_date.isoformat()}


def level_reached(content: BundleContent) -> int:
    """The highest level n such that levels 1..n are PASS (0: none)."""
    reached = 0
    for level in range(1, max(content.levels, default=0) + 1):
        if content.levels.get(level) != "PASS":
            break
        reached = level
    return reached


def registry_record(view: BundleView, registered: date | None = None) -> RegistryRecord:
    """The record; BundleError when the bundle is partial or no level passed."""
    content = read_content(view)
    if content.partial:
        raise BundleError("a partial run (--only) judged only some requirements: nothing to register",
                          path=view.label)
    level = level_reached(content)
    if level == 0:
        raise BundleError("no level passed: nothing to register", path=view.label)
    case, notes = content.case, []
    name = one_line(case.get("product_name") or "", fallback="")
    if not name:
        name = one_line(f"{case.get('device', '')} {case.get('model', '')}")
        notes.append("product_name: the case has no product name; the device kind and model are given")
    url = _url(case.get("product_url"))
    if not url:
        notes.append("product_url: the case has no product URL (http or https); left empty")
    return RegistryRecord(
        level=level,
        company=one_line(case.get("vendor", "")),
        product_name=name,
        model_number=one_line(case.get("model", "")),
        product_url=url,
        registration_date=registered or content.finished.astimezone(UTC).date(),
        bundle=content.name,
        catalogue_edition=content.edition,
        firmware_version=one_line(case.get("firmware_version", "")),
        notes=tuple(notes),
    )


def _url(value: object) -> str:
    text = one_line(value, fallback="") if isinstance(value, str) else ""
    parts = urlsplit(text)
    return text if parts.scheme in ("http", "https") and parts.netloc and " " not in text else ""


def registry_csv(record: RegistryRecord) -> str:
    """A header and one row; cells are one line and never a spreadsheet formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS)
    writer.writerow([csv_cell(record.row()[name]) for name in FIELDS])
    return buffer.getvalue()


def registry_json(record: RegistryRecord) -> str:
    data = {
        "format": "workbench-registry/1",
        "record": record.row(),
        "level_stars": STARS.get(record.level, ""),
        "evidence": {"bundle": record.bundle, "catalogue_edition": record.catalogue_edition,
                     "firmware_version": record.firmware_version},
        "notes": list(record.notes),
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
