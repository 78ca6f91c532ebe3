"""`diff_scans(old, new)`: what changed between two firmware scans, kind by kind (files, accounts,
keys, secrets, services, components, vulnerabilities, binaries), each row evidence-linked (the
image path, the offset, the SHA-256 of the file on both sides). Nothing unchanged is a row.

What each kind compares is declared in `diff_kinds.KINDS`; the matching is by joins
(`diff_match`), so a 60,000-file image costs a few pandas merges, not a loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from workbench.firmware.crypthash import mask_password
from workbench.firmware.diff_kinds import CHANGES, DIFF_TABLES, KINDS, DiffKind
from workbench.firmware.diff_match import match_kind
from workbench.firmware.diff_sides import Side
from workbench.firmware.result import FirmwareScan
from workbench.tables import plain_cell

MASKED = ("password_hash",)  # compared in full, shown as the scan shows a password (`$6***`)
IMAGE_FACTS = ("name", "sha256", "size", "extraction", "vuln_feeds", "secrets_revealed")


@dataclass
class FirmwareDiff:
    """Two images' differences: `tables` (kind -> DataFrame of DIFF_TABLES[kind]'s columns),
    the images' facts and `notes` (why a `removed` may only mean "not extracted"...)."""

    old_image: dict[str, Any]
    new_image: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, dict[str, int]]:
        counts = {}
        for kind, table in self.tables.items():
            found = table["change"].value_counts() if len(table) else {}
            counts[kind] = {change: int(found.get(change, 0)) for change in CHANGES}
        return counts

    @property
    def complete(self) -> bool:
        """Both images fully extracted: `removed` means removed, not "not extracted"."""
        return all(_unpacked(image) and image.get("extraction") == "complete" for image in self.sides)

    @property
    def sides(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.old_image, self.new_image

    def head(self) -> dict[str, Any]:
        """The summary line of JSON Lines (`table: summary`)."""
        return {
            "old": self.old_image,
            "new": self.new_image,
            "complete": self.complete,
            "notes": list(self.notes),
            "kinds": self.summary(),
        }

    def to_rows(self, kinds: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """JSON Lines rows: the summary, then each row of each kind with its `table` first."""
        yield {"table": "summary", **self.head()}
        for kind in kinds or list(self.tables):
            for row in self.tables[kind].to_dict("records"):
                yield {"table": kind, **{k: _plain(v) for k, v in row.items()}}


def diff_scans(old: FirmwareScan, new: FirmwareScan) -> FirmwareDiff:
    """Every difference between two scans, kind by kind (see `diff_kinds.KINDS`)."""
    sides = Side(old), Side(new)
    tables = {name: _diff_kind(kind, *sides) for name, kind in KINDS.items()}
    images = _facts(old), _facts(new)
    return FirmwareDiff(images[0], images[1], tables, _notes(*images))


def _diff_kind(kind: DiffKind, old: Side, new: Side) -> pd.DataFrame:
    schema = DIFF_TABLES[kind.name]
    before, after = old.rows(kind), new.rows(kind)
    if before.empty and after.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in schema.names})
    matched = match_kind(kind, before, after)
    shown = [c for c in (*kind.compared, *kind.context) if c not in kind.identity]
    parts = []
    for change, before, after in (
        ("removed", matched["removed"], None),
        ("added", None, matched["added"]),
        ("changed", matched["old"], matched["new"]),
    ):
        size = len(before if before is not None else after)
        if not size:
            continue
        named = before if before is not None else after
        columns: dict[str, Any] = {"change": [change] * size}
        for name in kind.identity:
            columns[name] = named[name].to_numpy(object)
        changed = change == "changed"
        columns["fields"] = matched["fields"].to_numpy(object) if changed else [[] for _ in range(size)]
        for name in shown:
            for prefix, side in (("old_", before), ("new_", after)):
                values = side[name].to_numpy(object) if side is not None else [None] * size
                columns[prefix + name] = [mask_password(v) for v in values] if name in MASKED else values
        # object columns as given: pandas would infer its `str` dtype, whose missing value is NaN
        columns = {name: pd.Series(values, dtype=object) for name, values in columns.items()}
        parts.append(pd.DataFrame(columns, columns=list(schema.names)))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in schema.names})
    return pd.concat(parts, ignore_index=True)


def _unpacked(image: dict[str, Any]) -> bool:
    return bool(image.get("unpacked", True))


def _facts(scan: FirmwareScan) -> dict[str, Any]:
    facts = {k: scan.image.get(k) for k in IMAGE_FACTS}
    layers = scan.table("layers", ("extracted",))
    facts["unpacked"] = bool(any(bool(v) for v in layers["extracted"]))
    return facts


def _notes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What makes the diff less than it seems: an image not (fully) extracted, other feeds."""
    notes = []
    for side, image, consequence in (
        ("old", old, "rows 'added' may only be parts of the old image that were not extracted"),
        ("new", new, "rows 'removed' may only be parts of the new image that were not extracted"),
    ):
        status = image.get("extraction")
        if status != "complete":
            done = "nothing of it was unpacked" if not image["unpacked"] else "it was extracted only in part"
            what = f"{done}: its extraction stopped ({status})"
        elif not image["unpacked"]:
            what = "nothing was unpacked from it (no known format)"
        else:
            continue
        notes.append(f"the {side} image {image['name']}: {what}; {consequence}")
    if sorted(old.get("vuln_feeds") or []) != sorted(new.get("vuln_feeds") or []):
        notes.append("the scans used different vulnerability feeds: their vulnerabilities differ by that too")
    if bool(old.get("secrets_revealed")) != bool(new.get("secrets_revealed")):
        notes.append("one scan revealed secrets, the other masked them: every secret value differs by that")
    return notes


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [plain_cell(v) for v in value]
    return plain_cell(value)
