"""Where a case stands: which requirements of the target level are decided, by whom, and what is pending."""

from __future__ import annotations

from enum import Enum
from typing import Any

from workbench.case.case import DECLARATION_KEY, Case
from workbench.case.catalogref import provenance
from workbench.case.staleness import hashes_now, stale_reasons

STARS = {1: "★", 2: "★★", 3: "★★★"}


def _text(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def case_status(case: Case, catalog: Any, level: int | None = None) -> dict[str, Any]:
    """A plain-data summary of the case against the catalogue's requirements up to `level`.

    Per requirement, `state` is "inspector" (an inspector recorded a verdict; `stale` by the rule of
    workbench.case.staleness, with `stale_reasons`), "automatic" (the batch's check decides), or
    "pending" (an inspector must decide). `catalog` compares the loaded catalogue with the one the
    case records (workbench.case.catalogref); `warnings` says when they differ.
    """
    target = level or case.info.level
    integrity = case.verify_artefacts()
    hashes = hashes_now(case)
    declared = case.declaration_sha256()
    catalog_check = provenance(case.info, catalog)
    store = case.verdicts
    latest = store.all_latest()
    rows = []
    for requirement in catalog.for_level(target):
        automation = _text(requirement.automation)
        recorded = latest.get(requirement.id)
        row: dict[str, Any] = {
            "id": requirement.id,
            "level": requirement.level,
            "title": requirement.title,
            "automation": automation,
            "state": "pending",
            "verdict": None,
            "inspector": None,
            "recorded_at": None,
            "stale": False,
            "stale_artefacts": [],
            "stale_reasons": [],
        }
        if recorded is not None:
            reasons = stale_reasons(case, requirement, recorded, hashes)
            row.update(
                state="inspector",
                verdict=recorded.verdict,
                inspector=recorded.inspector,
                recorded_at=recorded.recorded_at.isoformat(timespec="seconds"),
                stale=bool(reasons),
                stale_artefacts=recorded.stale_artefacts(hashes),
                stale_reasons=reasons,
            )
        elif automation == "automatic":
            row["state"] = "automatic"
        rows.append(row)
    applicable = {r["id"] for r in rows}
    integrity_of = {i.name: i.status for i in integrity.items}
    artefacts = [
        {
            "name": a.name,
            "kind": a.kind,
            "size": a.size,
            "sha256": a.sha256,
            "added_at": a.added_at,
            "added_by": a.added_by,
            "requirement": a.requirement,
            "integrity": integrity_of.get(a.name, "ok"),
        }
        for a in case.artefacts()
    ]
    return {
        "case": {
            "path": str(case.path),
            "device": case.info.device,
            "vendor": case.info.vendor,
            "model": case.info.model,
            "firmware_version": case.info.firmware_version,
            "target_level": case.info.level,
            "catalog_edition": case.info.catalog_edition,
            "catalog_source": case.info.catalog_source,
            "catalog_sha256": case.info.catalog_sha256,
        },
        "level": target,
        "catalog_edition": _text(getattr(catalog, "edition", case.info.catalog_edition)),
        "catalog": catalog_check,
        "warnings": [catalog_check["warning"]] if catalog_check["warning"] else [],
        "requirements": rows,
        "counts": {
            "applicable": len(rows),
            "inspector": sum(r["state"] == "inspector" for r in rows),
            "stale": sum(r["stale"] for r in rows),
            "automatic": sum(r["state"] == "automatic" for r in rows),
            "pending": sum(r["state"] == "pending" for r in rows),
        },
        "other_verdicts": sorted(set(latest) - applicable),
        "artefacts": artefacts,
        "declaration": {
            "present": declared is not None,
            "sha256": declared,
            "integrity": integrity_of.get(DECLARATION_KEY, "ok" if declared else None),
        },
        "integrity_ok": integrity.ok,
        "problems": integrity.problems() + store.problems(),
    }


def _clean(value: Any) -> str:
    """Text for a terminal: no control characters (no escape sequences from hostile names)."""
    text = "-" if value is None else str(value)
    return "".join(c if c.isprintable() else "?" for c in text)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[_clean(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    return [line(headers), *(line(r) for r in cells)]


def format_status(status: dict[str, Any]) -> str:
    info, counts, level = status["case"], status["counts"], status["level"]
    out = [
        _clean(
            f"Case {info['path']}: {info['device']}, {info['vendor']} {info['model']}, "
            f"firmware {info['firmware_version']}"
        ),
        _clean(
            f"Level {level} ({STARS.get(level, level)}), catalogue {status['catalog_edition']}: "
            f"{counts['applicable']} requirements, {counts['inspector']} with an inspector verdict"
            f" ({counts['stale']} stale), {counts['automatic']} automatic (decided by the batch), "
            f"{counts['pending']} pending"
        ),
    ]
    check = status.get("catalog")
    if check:
        loaded = check["loaded"]
        agreement = {True: "the case's own", False: "NOT the case's", None: "the case records none"}
        out.append(
            _clean(
                f"Catalogue source {loaded['source']}, content sha256 {loaded['sha256']} "
                f"({agreement[check['matches']]})"
            )
        )
    out += [_clean(f"WARNING: {w}") for w in status.get("warnings", [])]
    out.append("")
    rows = []
    for r in status["requirements"]:
        if r["state"] == "inspector":
            note = f"by {r['inspector']} {r['recorded_at']}"
            if r["stale"]:
                note += " STALE: " + "; ".join(r["stale_reasons"])
        elif r["state"] == "automatic":
            note = "verdict from the batch (`workbench run`)"
        else:
            note = "an inspector must record a verdict"
        rows.append([r["id"], r["level"], r["automation"], r["state"], r["verdict"], note])
    out += _table(["ID", "L", "AUTOMATION", "STATE", "VERDICT", "NOTE"], rows)
    if status["other_verdicts"]:
        out += [
            "",
            "Verdicts recorded for requirements outside this level: " + ", ".join(status["other_verdicts"]),
        ]
    out += ["", f"Artefacts ({len(status['artefacts'])}):"]
    if status["artefacts"]:
        out += _table(
            ["NAME", "KIND", "SIZE", "SHA256", "INTEGRITY"],
            [[a["name"], a["kind"], a["size"], a["sha256"], a["integrity"]] for a in status["artefacts"]],
        )
    else:
        out.append("(none yet: `workbench case add CASE FILE --kind capture|firmware|vuln-feed|attachment`)")
    declaration = status["declaration"]
    if declaration["present"]:
        out.append(
            f"Declaration: declaration.yaml sha256 {declaration['sha256']} ({declaration['integrity']})"
        )
    else:
        out.append("Declaration: none (`workbench case declare CASE FILE`)")
    if status["problems"]:
        out += ["", "Problems:", *(f"  {_clean(p)}" for p in status["problems"])]
    return "\n".join(out)
