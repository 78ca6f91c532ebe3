"""Plain-text, CSV and JSON views of a catalogue, a requirement and a diff, for the terminal."""

from __future__ import annotations

import csv
import io
import json
import textwrap
from collections.abc import Iterable
from typing import Any

from workbench.catalog.diff import CatalogDiff, FieldChange
from workbench.catalog.model import Catalog, Requirement

SCHEME_LABELS = {
    "etsi_en_303_645": "ETSI EN 303 645",
    "ts_103_701_ixit": "ETSI TS 103 701",
    "nistir_8259a": "NISTIR 8259A",
    "nist_ir_8425": "NIST IR 8425",
    "uk_psti": "UK PSTI",
    "jc_star": "JC-STAR",
    "ccds": "CCDS",
}
CSV_FIELDS = ("id", "level", "category", "automation", "evidence", "title", *SCHEME_LABELS)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Glyphs:
    """Stars and arrows, or ASCII stand-ins where the output cannot encode them."""

    def __init__(self, unicode: bool = True) -> None:
        self.star = "★" if unicode else "*"
        self.arrow = "→" if unicode else "->"
        self.dot = "·" if unicode else "|"

    @classmethod
    def for_stream(cls, stream: Any) -> Glyphs:
        encoding = getattr(stream, "encoding", None) or "ascii"
        try:
            "★→·".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return cls(unicode=False)
        return cls(unicode=True)


def stars(level: int, glyphs: Glyphs) -> str:
    return glyphs.star * level


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."


def table(catalog: Catalog, requirements: list[Requirement], glyphs: Glyphs, width: int = 100) -> str:
    """One line per requirement: id, level as stars, automation, title."""
    id_width = max([len("ID"), *(len(r.id) for r in requirements)])
    head = f"{'ID':<{id_width}}  {'LEVEL':<5}  {'AUTOMATION':<10}  TITLE"
    lines = [
        f"Catalogue {catalog.edition} {glyphs.dot} {catalog.title} (published {catalog.published})",
        "",
        head,
    ]
    title_width = max(width - (id_width + 21), 20)
    for r in requirements:
        title = _fit(r.title, title_width)
        lines.append(f"{r.id:<{id_width}}  {stars(r.level, glyphs):<5}  {r.automation:<10}  {title}")
    counts = [sum(1 for r in requirements if r.level == n) for n in (1, 2, 3)]
    per_level = f" {glyphs.dot} ".join(
        f"{stars(n, glyphs)} {c}" for n, c in zip((1, 2, 3), counts, strict=True)
    )
    lines += ["", f"{len(requirements)} requirements ({per_level})"]
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_text(requirements: Iterable[Requirement]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in requirements:
        row = [r.id, str(r.level), r.category, r.automation, "; ".join(r.evidence), r.title]
        row += ["; ".join(getattr(r.mappings, scheme)) for scheme in SCHEME_LABELS]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def catalog_json(catalog: Catalog, requirements: list[Requirement]) -> str:
    data = catalog.model_dump(mode="json", exclude={"requirements"})
    data.update(
        source=catalog.source,
        sha256=catalog.sha256,
        requirements=[r.model_dump(mode="json") for r in requirements],
    )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _paragraph(text: str, width: int, indent: str = "  ") -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width=width, initial_indent=indent, subsequent_indent=indent)


def _items(items: list[str], width: int, numbered: bool) -> list[str]:
    lines: list[str] = []
    for n, item in enumerate(items, start=1):
        mark = f"{n}. " if numbered else "- "
        lines += textwrap.wrap(
            " ".join(item.split()),
            width=width,
            initial_indent="  " + mark,
            subsequent_indent="  " + " " * len(mark),
        )
    return lines


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def show_text(requirement: Requirement, catalog: Catalog, glyphs: Glyphs, width: int = 100) -> str:
    r = requirement
    d = glyphs.dot
    lines = [
        f"{r.id}  {r.title}",
        f"Level {stars(r.level, glyphs)} ({r.level}) {d} {r.automation} {d} {r.category} "
        f"{d} catalogue {catalog.edition}",
        f"Evidence: {', '.join(r.evidence)}",
    ]
    sections = (
        ("Statement", r.statement),
        ("Why it matters", r.rationale),
        ("What a failing device typically looks like", r.typical_failure),
    )
    for heading, body in sections:
        lines += ["", heading, *_paragraph(body, width)]
    lines += ["", "Pass criteria", *_items(r.pass_criteria, width, numbered=False)]
    lines += ["", "Inspection method", *_items(r.inspection_method, width, numbered=True)]
    mapped = r.mappings.items()
    lines += ["", "Mappings"]
    if mapped:
        lines += [f"  {SCHEME_LABELS[scheme]:<16} {', '.join(values)}" for scheme, values in mapped]
    else:
        lines.append("  (none known)")
    if r.parameters:
        lines += ["", "Parameters"]
        for name, value in r.parameters.items():
            lines += textwrap.wrap(
                f"{name}: {_value(value)}", width=width, initial_indent="  ", subsequent_indent="      "
            )
    return "\n".join(lines) + "\n"


def _change_lines(change: FieldChange, glyphs: Glyphs, width: int) -> list[str]:
    old, new = change.old, change.new
    if change.kind == "added":
        return [f"    {change.field}: added {_value(new)}"]
    if change.kind == "removed":
        return [f"    {change.field}: removed (was {_value(old)})"]
    if isinstance(old, list) and isinstance(new, list):
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        if not gone and not came:
            return [f"    {change.field}: reordered"]
        if all(isinstance(v, str) and len(v) < 40 for v in gone + came):
            parts = [f"+ {_value(came)}" if came else "", f"- {_value(gone)}" if gone else ""]
            return [f"    {change.field}: " + "  ".join(p for p in parts if p)]
        lines = [f"    {change.field}:"]
        for sign, values in (("-", gone), ("+", came)):
            for v in values:
                lines += textwrap.wrap(
                    _value(v), width=width, initial_indent=f"      {sign} ", subsequent_indent="        "
                )
        return lines
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > 60:
        lines = [f"    {change.field}: reworded"]
        for sign, text in (("-", old), ("+", new)):
            lines += textwrap.wrap(
                " ".join(text.split()),
                width=width,
                initial_indent=f"      {sign} ",
                subsequent_indent="        ",
            )
        return lines
    return [
        f"    {change.field}: {json.dumps(old, ensure_ascii=False)} {glyphs.arrow} "
        f"{json.dumps(new, ensure_ascii=False)}"
    ]


def diff_text(diff: CatalogDiff, glyphs: Glyphs, width: int = 100) -> str:
    lines = [
        f"Catalogue {diff.old_edition} {glyphs.arrow} {diff.new_edition}: {len(diff.added)} added, "
        f"{len(diff.removed)} removed, {len(diff.changed)} changed"
    ]
    if diff.is_empty:
        return lines[0] + "\n"
    for heading, reqs, sign in (("Added", diff.added, "+"), ("Removed", diff.removed, "-")):
        if reqs:
            lines += ["", heading]
            lines += [f"  {sign} {r.id:<9} {stars(r.level, glyphs):<4} {r.title}" for r in reqs]
    if diff.changed:
        lines += ["", "Changed"]
        for change in diff.changed:
            lines.append(f"  ~ {change.id:<9} {change.title}")
            for field_change in change.changes:
                lines += _change_lines(field_change, glyphs, width)
    return "\n".join(lines) + "\n"
