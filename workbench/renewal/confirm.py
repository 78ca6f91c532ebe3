"""`carry_verdicts`: an inspector confirms offered verdicts of the old case into the renewed one.

Each is a NEW record in the new case: the old verdict and rationale, the confirming inspector, what it
judges now (the new case's artefact hashes, the catalogue edition and requirement hash), and
`carried_from` naming the old record. Nothing is copied as a file. Before recording, the offer is
checked again against both cases as they are now: an old case gone, an old record changed since the
plan, or evidence or requirement changed since, refuses that one, with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workbench.case import Case, RecordedVerdict, source_to_load
from workbench.catalog import load_catalog
from workbench.catalog.fingerprint import requirement_sha256
from workbench.errors import CaseError, WorkbenchError
from workbench.renewal.carry import ref_fields, replacement
from workbench.renewal.compare import compare_cases
from workbench.renewal.plan import load_plan


class Carried(list[RecordedVerdict]):
    """The records made; `refused`: requirement id -> why it was not carried; `already`: requirement
    id -> the record that carried it before (nothing recorded again)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: dict[str, str] = {}
        self.already: dict[str, str] = {}


def carry_verdicts(new: Case, ids: list[str] | None, inspector: str) -> Carried:
    """Record each offered verdict (`ids`; None: every one offered) in `new`, confirmed by `inspector`."""
    if not (inspector or "").strip():
        raise CaseError("a carried verdict needs the confirming inspector's name (--inspector)")
    plan = load_plan(new)
    if plan is None:
        raise CaseError("not a renewed case (no renewal.json): nothing is offered", path=str(new.path))
    offered = {i["id"]: i for i in plan["requirements"] if i["plan"] == "carry-offered"}
    wanted = list(offered) if ids is None else list(dict.fromkeys(ids))
    done = Carried()
    for rid in wanted:
        if rid not in offered:
            planned = next((i for i in plan["requirements"] if i["id"] == rid), None)
            done.refused[rid] = (
                f"the plan offers no verdict to carry ({planned['plan']}: {planned.get('reason', '')})"
                if planned else "not in the renewal plan"
            )
    chosen = [rid for rid in wanted if rid in offered and not _recorded_in_new(new, offered[rid], done)]
    if not chosen:
        return done
    old = _old_case(plan, done, chosen)
    if old is None:
        return done
    comparison = compare_cases(old, new, ids=chosen)
    catalog = load_catalog(source_to_load(new.info))
    for rid in chosen:
        why = _still_offered(old, offered[rid], comparison.row(rid))
        if why:
            done.refused[rid] = why
            continue
        made = _record(new, old, catalog.get(rid), comparison.row(rid), inspector,
                       where=plan["from"]["case"], edition=str(catalog.edition))
        done.append(made)
    return done


def _recorded_in_new(new: Case, offer: dict[str, Any], done: Carried) -> bool:
    """The new case already has a verdict of the requirement: carried before (noted in `done.already`),
    or the inspector's own, which carrying would supersede (refused)."""
    latest = new.verdicts.latest(offer["id"])
    if latest is None:
        return False
    planned = (offer.get("old_record") or {}).get("id")
    if latest.carried_from and latest.carried_from.get("record") == planned:
        done.already[offer["id"]] = latest.id
    else:
        own = f"{latest.verdict} by {latest.inspector}, record {latest.id}"
        done.refused[offer["id"]] = f"the new case has its own verdict ({own}); carrying would supersede it"
    return True


def _old_case(plan: dict[str, Any], done: Carried, chosen: list[str]) -> Case | None:
    where = plan["from"]["case"]
    try:
        return Case.open(Path(where))
    except WorkbenchError as exc:
        for rid in chosen:
            done.refused[rid] = f"the old case {where} cannot be opened: {exc}"
        return None


def _still_offered(old: Case, offer: dict[str, Any], row: dict[str, Any]) -> str:
    """Why the offer no longer stands ("" when it does)."""
    planned = (offer.get("old_record") or {}).get("id")
    latest = old.verdicts.latest(offer["id"])
    if latest is None or latest.id != planned:
        now = f"now {latest.id}" if latest else "now none"
        return f"the old case's verdict changed since the plan (planned record {planned}, {now})"
    if row["carry"] != "carry-over":
        return f"no longer carries over: {row['carry_reason']}"
    return ""


def _record(new: Case, old: Case, requirement: Any, row: dict[str, Any], inspector: str, *,
            where: str, edition: str) -> RecordedVerdict:
    source = old.verdicts.latest(requirement.id)
    assert source is not None  # _still_offered saw it
    carried_from = {
        "case": where,
        "case_device": f"{old.info.vendor} {old.info.model} {old.info.firmware_version}",
        "record": source.id,
        "verdict": source.verdict,
        "inspector": source.inspector,
        "recorded_at": source.recorded_at.isoformat(timespec="microseconds"),
        "catalog_edition": source.catalog_edition,
        "requirement_sha256": source.requirement_sha256,
    }
    return new.verdicts.record(
        requirement.id,
        source.verdict,
        source.rationale,
        inspector,
        evidence_refs=_refs_now(source.evidence_refs, old, new),
        artefact_hashes=new.judged_hashes(requirement.evidence, requirement.id),
        automatic_verdict=row.get("new_proposed"),
        catalog_edition=edition,
        requirement_sha256=requirement_sha256(requirement),
        carried_from=carried_from,
    )


def _refs_now(refs: Any, old: Case, new: Case) -> list[Any]:
    """The old verdict's evidence references, an image path in a replaced image pointed at the new
    image (the carry rule found the file the same there)."""
    images = {a.sha256: a for a in old.artefacts(kind="firmware")} | {
        a.name: a for a in old.artefacts(kind="firmware")}
    new_hashes = set(new.current_hashes().values())
    out: list[Any] = []
    for ref in refs:
        fields = ref_fields(ref)
        image = images.get(fields.get("sha256") or fields.get("artefact"))
        if image is not None and image.sha256 not in new_hashes:
            moved = replacement(image, old, new)
            if moved is not None and isinstance(ref, dict):
                ref = {**ref, "artefact": moved.name, "sha256": moved.sha256}
            elif moved is not None:  # the widget's label: the same place in the new image
                ref = " · ".join([moved.name, *[p.strip() for p in ref.split("·")[1:]]])
        out.append(ref)
    return out
