"""Where a case stands (`workbench case status`): which requirements of the target level are decided,
by whom, and what is pending. No check runs here: an automatic requirement awaits the batch."""

from __future__ import annotations

import json
from typing import Any

from workbench.case.case import DECLARATION_KEY, Case
from workbench.case.catalogref import provenance
from workbench.i18n import N_, _, display_width, pad, tr
from workbench.judgement.levels import STARS
from workbench.judgement.staleness import hashes_now, requirement_change, requirement_changed
from workbench.judgement.state import RequirementState, judge
from workbench.vocabulary import text


def case_status(case: Case, catalog: Any, level: int | None = None) -> dict[str, Any]:
    """A plain-data summary of the case against the catalogue's requirements up to `level`.

    Per requirement, `state` is "inspector" (an inspector recorded a verdict; `stale` by the rule of
    workbench.judgement.staleness, with `stale_reasons`), "automatic" (the batch's check decides), or
    "pending" (an inspector must decide), "if-probe" (assisted, with a probe in the case the catalogue lets
    decide it: the batch's check may). Recorded verdicts are judged against `catalog`'s requirements:
    with another edition (`--catalog`), a verdict whose requirement it changed is stale, and
    `requirement_change` says which fields. `catalog` compares the loaded catalogue with the one the
    case records (workbench.case.catalogref); `warnings` says when they differ.
    """
    target = level or case.info.level
    integrity = case.verify_artefacts()
    hashes = hashes_now(case)
    latest = case.verdicts.all_latest()
    states = [
        judge(case, r, None, hashes=hashes, recorded=latest.get(r.id), catalog=catalog)
        for r in catalog.for_level(target)
    ]
    present = {a.evidence_kind for a in case.artefacts()}
    rows = [_requirement_row(s, hashes, present) for s in states]
    for row, state in zip(rows, states, strict=True):
        row["requirement_change"] = _requirement_change(state, catalog, case)
    catalog_check = provenance(case.info, catalog)
    declared = case.declaration_sha256()
    integrity_of = {i.name: i.status for i in integrity.items}
    return {
        "case": _case_facts(case),
        "level": target,
        "catalog_edition": text(getattr(catalog, "edition", case.info.catalog_edition)),
        "catalog": catalog_check,
        "warnings": [catalog_check["warning"]] if catalog_check["warning"] else [],
        "requirements": rows,
        "counts": _counts(rows),
        "other_verdicts": sorted(set(latest) - {r["id"] for r in rows}),
        "artefacts": _artefact_rows(case, integrity_of),
        "declaration": {
            "present": declared is not None,
            "sha256": declared,
            "integrity": integrity_of.get(DECLARATION_KEY, "ok" if declared else None),
        },
        "integrity_ok": integrity.ok,
        "problems": integrity.problems() + case.verdicts.problems(),
    }


def _requirement_row(state: RequirementState, hashes: dict[str, str], present: set[str]) -> dict[str, Any]:
    requirement, recorded = state.requirement, state.recorded
    live = set(getattr(requirement, "automatic_with", None) or ())
    # an assisted requirement the probe may decide, with a probe in the case: the batch's check may decide it
    may_decide = recorded is None and state.result is None and bool(live) and live <= present
    row: dict[str, Any] = {
        "id": state.id,
        "level": state.level,
        "title": requirement.title,
        "automation": state.automation,
        "state": "automatic" if state.awaits_check else "if-probe" if may_decide else state.source,
        "verdict": None,
        "inspector": None,
        "recorded_at": None,
        "stale": False,
        "stale_artefacts": [],
        "stale_reasons": [],
        "judged_against": None,
        "carried_from": None,
    }
    if recorded is not None:
        row.update(
            verdict=recorded.verdict,
            inspector=recorded.inspector,
            recorded_at=recorded.recorded_at.isoformat(timespec="seconds"),
            stale=state.stale,
            stale_artefacts=recorded.stale_artefacts(hashes),
            stale_reasons=list(state.stale_reasons),
            judged_against=recorded.catalog_edition,
            carried_from=recorded.carried_from,
        )
    return row


def _requirement_change(state: RequirementState, catalog: Any, case: Case) -> dict[str, Any] | None:
    """How the requirement differs from the one its verdict was judged against (None: it does not,
    or the verdict records no requirement hash). `fields` None: that edition is not at hand."""
    recorded = state.recorded
    if recorded is None or not requirement_changed(recorded, state.requirement):
        return None
    change = requirement_change(recorded, state.requirement, catalog, case)
    return {
        "judged_against": recorded.catalog_edition,
        "judged_with": text(getattr(catalog, "edition", None)),
        "fields": change.fields if change is not None else None,
        "changes": [c.to_dict() for c in change.changes] if change is not None else [],
    }


def _case_facts(case: Case) -> dict[str, Any]:
    info = case.info
    return {
        "path": str(case.path),
        "device": info.device,
        "vendor": info.vendor,
        "model": info.model,
        "firmware_version": info.firmware_version,
        "target_level": info.level,
        "catalog_edition": info.catalog_edition,
        "catalog_source": info.catalog_source,
        "catalog_sha256": info.catalog_sha256,
    }


def _counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "applicable": len(rows),
        "inspector": sum(r["state"] == "inspector" for r in rows),
        "stale": sum(r["stale"] for r in rows),
        "requirement_changed": sum(r.get("requirement_change") is not None for r in rows),
        "automatic": sum(r["state"] == "automatic" for r in rows),
        "pending": sum(r["state"] in ("pending", "if-probe") for r in rows),
        "if_probe": sum(r["state"] == "if-probe" for r in rows),
    }


def _artefact_rows(case: Case, integrity_of: dict[str, str]) -> list[dict[str, Any]]:
    return [
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


# --- the table for a terminal ----------------------------------------------------------------------
def terminal_text(value: Any) -> str:
    """Text for a terminal: no control characters (no escape sequences from hostile names)."""
    text_ = "-" if value is None else str(value)
    return "".join(c if c.isprintable() else "?" for c in text_)


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[terminal_text(c) for c in row] for row in rows]
    widths = [max([display_width(h), *(display_width(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        return "  ".join(pad(v, w) for v, w in zip(values, widths, strict=True)).rstrip()

    return [line(headers), *(line(r) for r in cells)]


def format_status(status: dict[str, Any]) -> str:
    """`workbench case status` as text, in the current language."""
    lines = _headline(status) + [""] + _requirements_table(status) + _change_lines(status)
    lines += _evidence_lines(status)
    if status["problems"]:
        lines += ["", _("Problems:"), *(f"  {terminal_text(p)}" for p in status["problems"])]
    return "\n".join(lines)


_LEVEL_LINE = {  # (some verdicts stale by a requirement change, some pending the probe may decide)
    (False, False): N_(
        "Level {level} ({stars}), judged against catalogue {edition}: {applicable} requirements, {inspector}"
        " with an inspector verdict ({stale} stale), {automatic} automatic (decided by the batch),"
        " {pending} pending"
    ),
    (True, False): N_(
        "Level {level} ({stars}), judged against catalogue {edition}: {applicable} requirements, {inspector}"
        " with an inspector verdict ({stale} stale, {changed} by a requirement change), {automatic}"
        " automatic (decided by the batch), {pending} pending"
    ),
    (False, True): N_(
        "Level {level} ({stars}), judged against catalogue {edition}: {applicable} requirements, {inspector}"
        " with an inspector verdict ({stale} stale), {automatic} automatic (decided by the batch),"
        " {pending} pending ({if_probe} of them the probe may decide)"
    ),
    (True, True): N_(
        "Level {level} ({stars}), judged against catalogue {edition}: {applicable} requirements, {inspector}"
        " with an inspector verdict ({stale} stale, {changed} by a requirement change), {automatic}"
        " automatic (decided by the batch), {pending} pending ({if_probe} of them the probe may decide)"
    ),
}
_SOURCE_LINE = {  # whether the catalogue loaded is the one the case records
    True: N_("Catalogue source {source}, content sha256 {sha256} (the case's own)"),
    False: N_("Catalogue source {source}, content sha256 {sha256} (NOT the case's)"),
    None: N_("Catalogue source {source}, content sha256 {sha256} (the case records none)"),
}


def _headline(status: dict[str, Any]) -> list[str]:
    info, counts, level = status["case"], status["counts"], status["level"]
    changed = counts.get("requirement_changed", 0)
    out = [
        terminal_text(
            tr("Case {path}: {device}, {vendor} {model}, firmware {firmware}", path=info["path"],
               device=info["device"], vendor=info["vendor"], model=info["model"],
               firmware=info["firmware_version"])
        ),
        terminal_text(
            tr(_LEVEL_LINE[bool(changed), bool(counts["if_probe"])], level=level,
               stars=STARS.get(level, level), edition=status["catalog_edition"],
               applicable=counts["applicable"], inspector=counts["inspector"], stale=counts["stale"],
               changed=changed, automatic=counts["automatic"], pending=counts["pending"],
               if_probe=counts["if_probe"])
        ),
    ]
    check = status.get("catalog")
    if check:
        loaded = check["loaded"]
        out.append(terminal_text(tr(_SOURCE_LINE[check["matches"]], source=loaded["source"],
                                    sha256=loaded["sha256"])))
    editions = _editions_judged(status)
    if editions:
        said = tr("Inspector verdicts were recorded against: {editions}", editions=editions)
        out.append(terminal_text(said))
    return out + [terminal_text(tr("WARNING: {warning}", warning=w)) for w in status.get("warnings", [])]


def _editions_judged(status: dict[str, Any]) -> str:
    """"2026.1 (3), an unrecorded edition (1)": the editions the recorded verdicts name."""
    counts: dict[str, int] = {}
    for row in status["requirements"]:
        if row["state"] == "inspector":
            name = row.get("judged_against") or _("an unrecorded edition (record version 1)")
            counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{name} ({count})" for name, count in sorted(counts.items()))


def _short(value: Any, width: int = 90) -> str:
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _change_lines(status: dict[str, Any]) -> list[str]:
    """Per verdict whose requirement changed since: the fields, old and new (as `catalog diff`)."""
    changed = [r for r in status["requirements"] if r.get("requirement_change")]
    if not changed:
        return []
    out = ["", tr("Requirements changed since their verdicts ({n}): redo or confirm them", n=len(changed))]
    for row in changed:
        change = row["requirement_change"]
        out.append("  " + tr("{id}: judged against {old}, now {new}", id=row["id"],
                             old=change["judged_against"], new=change["judged_with"]))
        if change["fields"] is None:
            out.append("    " + _("(that edition is not at hand to say which fields)"))
        out += [f"    {item['field']}: {_what_changed(item)}" for item in change["changes"]]
    return [terminal_text(line) for line in out]


def _what_changed(item: dict[str, Any]) -> str:
    """One field's change in a line: list items added and removed, else old -> new."""
    old, new = item["old"], item["new"]
    if item["kind"] == "added":
        return tr("added {value}", value=_short(new))
    if item["kind"] == "removed":
        return tr("removed (was {value})", value=_short(old))
    if isinstance(old, list) and isinstance(new, list):
        came = [v for v in new if v not in old]
        gone = [v for v in old if v not in new]
        parts = ([f"+ {_short(came)}"] if came else []) + ([f"- {_short(gone)}"] if gone else [])
        return "  ".join(parts) or _("reordered")
    return f"{_short(old)} -> {_short(new)}"


def _note(row: dict[str, Any]) -> str:
    if row["state"] == "inspector":
        source = row.get("carried_from")
        said = {"inspector": row["inspector"], "when": row["recorded_at"]}
        if source:
            said |= {"device": source.get("case_device"), "other": source.get("inspector")}
        if row["stale"]:
            reasons = "; ".join(row["stale_reasons"])
            if source:
                return tr("by {inspector} {when} (carried over from {device}, {other}'s) STALE: {reasons}",
                          reasons=reasons, **said)
            return tr("by {inspector} {when} STALE: {reasons}", reasons=reasons, **said)
        if source:
            return tr("by {inspector} {when} (carried over from {device}, {other}'s)", **said)
        return tr("by {inspector} {when}", **said)
    if row["state"] == "automatic":
        return _("verdict from the batch (`workbench run`)")
    if row["state"] == "if-probe":
        return _("the batch decides it if its check rests on the probe; else an inspector must")
    return _("an inspector must record a verdict")


# the automation and state columns' words (identifiers in the JSON) as the table shows them
AUTOMATION_WORDS = {"automatic": N_("automatic"), "assisted": N_("assisted"), "manual": N_("manual")}
STATE_WORDS = {"automatic": N_("automatic"), "pending": N_("pending"), "inspector": N_("inspector"),
               "if-probe": N_("if-probe")}


def _word(words: dict[str, str], value: Any) -> str:
    return _(words[value]) if value in words else terminal_text(value)


def _requirements_table(status: dict[str, Any]) -> list[str]:
    rows = [
        [r["id"], r["level"], _word(AUTOMATION_WORDS, r["automation"]), _word(STATE_WORDS, r["state"]),
         (r["verdict"] or "") + (" · STALE" if r["stale"] else ""), _note(r)]
        for r in status["requirements"]
    ]
    out = _table([_("ID"), _("L"), _("AUTOMATION"), _("STATE"), _("VERDICT"), _("NOTE")], rows)
    if status["other_verdicts"]:
        out += [
            "",
            tr("Verdicts recorded for requirements outside this level: {ids}",
               ids=", ".join(status["other_verdicts"])),
        ]
    return out


def _evidence_lines(status: dict[str, Any]) -> list[str]:
    out = ["", tr("Artefacts ({n}):", n=len(status["artefacts"]))]
    if status["artefacts"]:
        out += _table(
            [_("NAME"), _("KIND"), _("SIZE"), _("SHA256"), _("INTEGRITY")],
            [[a["name"], a["kind"], a["size"], a["sha256"], a["integrity"]] for a in status["artefacts"]],
        )
    else:
        out.append(
            _("(none yet: `workbench case add CASE FILE --kind capture|firmware|vuln-feed|attachment`)")
        )
    declaration = status["declaration"]
    if declaration["present"]:
        out.append(tr("Declaration: declaration.yaml sha256 {sha256} ({integrity})",
                      sha256=declaration["sha256"], integrity=declaration["integrity"]))
    else:
        out.append(_("Declaration: none (`workbench case declare CASE FILE`)"))
    return out
