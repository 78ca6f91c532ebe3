"""A flat declaration turned into ETSI TS 103 701's two-part form (`workbench case declare --convert`).

Every flat field becomes an IXIT entry in its section (workbench/catalog/ts_103_701.yaml), unless an
entry already describes it, and points at it with `ixit_ref` where the field can hold one; the ICS
gains every provision of EN 303 645 it does not state yet, as `supported` with notes
saying "to confirm" (the manufacturer confirms it, or declares the provision not applicable with a
justification). What the declaration already says is kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from workbench.case.declaration import Declaration, parse_declaration
from workbench.case.etsi import provision_problem, reference
from workbench.case.ics import SUPPORTED, next_ixit_id
from workbench.case.yamlio import dump_yaml
from workbench.errors import CaseError

MAX_TEXT = 20000
_SECTION_REF = re.compile(r"\s*IXIT\s+([1-9]|1[0-9]|2[0-9])(?:-\d+)?\s*", re.IGNORECASE)

HEADER = """\
# Converted to ETSI TS 103 701's two parts by `workbench case declare --convert`.
# ics:  every provision of EN 303 645. An entry whose notes begin with
#       "to confirm" is the workbench's placeholder (supported): confirm it and remove the note, or
#       declare the provision not_applicable with a justification.
# ixit: the flat fields as numbered IXIT entries; each field's ixit_ref (where it has one) names its
#       entry. The flat fields stay: the checks compare them with the evidence.
"""


def convert_declaration(
    declaration: Declaration, provisions: Iterable[str]
) -> tuple[dict[str, Any], list[str]]:
    """The two-part form of `declaration` as a plain mapping (for YAML), and what was done, in words."""
    data = declaration.model_dump(mode="python", exclude_unset=True)
    entries = [dict(e) for e in data.pop("ixit", [])]
    ics = data.pop("ics", {})
    notes: list[str] = []
    added = _ixit_for_fields(declaration, data, entries)
    if added:
        notes.append(f"IXIT: {added} entr{'y' if added == 1 else 'ies'} added for the flat fields")
    known_ids = {e["id"] for e in entries}
    if data.get("ixit_ref") and data["ixit_ref"] not in known_ids:
        notes.append(f"the declaration's own ixit_ref {data.pop('ixit_ref')!r} names no IXIT entry: removed")
    placeholders, unknown = _ics_for(ics, provisions)
    if placeholders:
        notes.append(f"ICS: {placeholders} provision(s) added as supported, to confirm")
    if unknown:
        notes.append(f"not EN 303 645 v2.1.1 provisions, left out of the ICS: {', '.join(unknown)}")
    data["ics"] = ics
    data["ixit"] = sorted(entries, key=_entry_order)
    return data, notes


def converted_yaml(data: dict[str, Any]) -> str:
    """The converted declaration as the YAML text to write: a comment on the ICS placeholders, the flat
    fields, the ICS one provision a line, the IXIT."""
    head = {k: v for k, v in data.items() if k not in ("ics", "ixit")}
    ics = data.get("ics") or {}
    lines = [f"  {provision}: {_flow(entry)}\n" for provision, entry in ics.items()]  # ids are validated
    text = HEADER + (dump_yaml(head) if head else "")
    text += "ics:\n" + "".join(lines) if lines else "ics: {}\n"
    return text + dump_yaml({"ixit": data.get("ixit") or []})


def _flow(entry: dict[str, Any]) -> str:
    text = yaml.safe_dump(entry, default_flow_style=True, sort_keys=False, width=1 << 20, allow_unicode=True)
    return text.strip()


def _ixit_for_fields(declaration: Declaration, data: dict[str, Any], entries: list[dict[str, Any]]) -> int:
    """Add an IXIT entry for each flat field no entry describes; set the fields' ixit_ref. Returns
    how many entries were added."""
    sections = reference().declaration_fields
    added = 0
    for name in type(declaration).model_fields:
        value = data.get(name)
        if name not in sections or value is None:
            continue
        refs = _parts(value)
        taken = {e["id"] for e in entries}
        describing = next((e["id"] for e in entries if name in (e.get("fields") or ())), None)
        unresolved = [part for part in refs if part.get("ixit_ref") not in taken]
        if describing is None and (unresolved or not refs):
            section = _section_of(unresolved, sections[name].section)
            describing = next_ixit_id(section, taken)
            entries.append(
                {
                    "id": describing,
                    "section": section,
                    "title": sections[name].title,
                    "text": describe(value),
                    "provisions": list(sections[name].provisions),
                    "fields": [name],
                }
            )
            added += 1
        for part in unresolved:
            part["ixit_ref"] = describing
    return added


def _parts(value: Any) -> list[dict[str, Any]]:
    """The statements of a field that can hold an ixit_ref (a part, or a list's parts)."""
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _section_of(parts: list[dict[str, Any]], default: int) -> int:
    """The section a manufacturer's own `ixit_ref: "IXIT 13"` names, else the field's."""
    for part in parts:
        match = _SECTION_REF.fullmatch(str(part.get("ixit_ref") or ""))
        if match:
            return int(match.group(1))
    return default


def _ics_for(ics: dict[str, Any], provisions: Iterable[str]) -> tuple[int, list[str]]:
    """Add each of `provisions` the ICS lacks, as supported, to confirm; keep the standard's order."""
    ref = reference()
    wanted = set(provisions)
    unknown = sorted(p for p in wanted if provision_problem(p))
    added = [p for p in wanted - set(unknown) if p not in ics]
    for provision in added:
        ics[provision] = {"status": SUPPORTED, "notes": ref.ics_to_confirm}
    ordered = sorted(ics.items(), key=lambda item: ref.order(item[0]))
    ics.clear()
    ics.update(ordered)
    return len(added), unknown


def _entry_order(entry: dict[str, Any]) -> tuple[int, int]:
    number = str(entry["id"]).rsplit("-", 1)[-1]
    return int(entry["section"]), int(number) if number.isdigit() else 0


def describe(value: Any) -> str:
    """A flat field's value in words: "proto: tcp, port: 443; proto: udp, port: 1900", "yes", "none"."""
    text = _words(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _words(value: Any) -> str:
    if isinstance(value, dict):
        parts = [f"{k.replace('_', ' ')}: {_words(v)}" for k, v in value.items() if k != "ixit_ref"]
        return ", ".join(parts) or "declared without details"
    if isinstance(value, list):
        separator = "; " if any(isinstance(v, dict) for v in value) else ", "
        return separator.join(_words(v) for v in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_converted(out: Path, data: dict[str, Any], *, case_dir: Path) -> str:
    """Validate the converted declaration and write it to `out`, a new file outside the case.

    Never overwrites (an existing file, link or folder at `out` is refused); returns the text written.
    """
    text = converted_yaml(data)
    parse_declaration(text.encode("utf-8"), name=str(out))  # what is written is a valid declaration
    target = out.absolute()
    if case_dir.resolve() in (target.parent.resolve(), *target.parent.resolve().parents):
        raise CaseError("refusing to write inside the case folder: converting does not change the case",
                        path=str(out))
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        raise CaseError("already exists; not overwritten (choose another --out)", path=str(out)) from None
    except OSError as exc:
        raise CaseError(f"cannot create: {exc.strerror or exc}", path=str(out)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return text
