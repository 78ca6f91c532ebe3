"""`carry_verdicts`: an inspector confirms offered verdicts of the old case into the renewed one.

Each is a NEW record in the new case: the old verdict and rationale, the confirming inspector, what it
judges now (the new case's artefact hashes, the catalogue edition and requirement hash), and
`carried_from` naming the old record. Nothing is copied as a file. Before recording, the offer is
checked again against both cases as they are now: an old case gone, an old record changed since the
plan (or, for one carried before, superseded in the old case since), or evidence or requirement changed
since, refuses that one, with the reason. The old case is found where the plan says (relative to the
new case, then absolute) or given (`old`), and must be the same device holding the offered records.
"""

from __future__ import annotations

import os
from typing import Any

from workbench.case import Case, RecordedVerdict, source_to_load
from workbench.catalog import load_catalog
from workbench.catalog.fingerprint import requirement_sha256
from workbench.checks.refs import SEPARATOR, ref_fields
from workbench.errors import CaseError, WorkbenchError
from workbench.i18n import _, tr
from workbench.judgement import cited_artefacts
from workbench.renewal.carried import source_record, superseded_reason
from workbench.renewal.compare import compare_cases, shown_path
from workbench.renewal.notices import replacement
from workbench.renewal.origin import find_old_case
from workbench.renewal.plan import load_plan


class Carried(list[RecordedVerdict]):
    """The records made; `refused`: requirement id -> why it was not carried; `already`: requirement
    id -> the record that carried it before (nothing recorded again)."""

    def __init__(self) -> None:
        super().__init__()
        self.refused: dict[str, str] = {}
        self.already: dict[str, str] = {}


def carry_verdicts(new: Case, ids: list[str] | None, inspector: str, *, old: str | None = None) -> Carried:
    """Record each offered verdict (`ids`; None: every one offered) in `new`, confirmed by `inspector`
    (`old`: the old case's folder, when it is not where the plan says)."""
    if not (inspector or "").strip():
        raise CaseError("a carried verdict needs the confirming inspector's name (--inspector)")
    plan = load_plan(new)
    if plan is None:
        raise CaseError("not a renewed case (no renewal.json): nothing is offered", path=str(new.path))
    catalog = load_catalog(source_to_load(new.info))
    offered = {i["id"]: i for i in plan["requirements"] if i["plan"] == "carry-offered"}
    wanted = list(offered) if ids is None else requested(ids, catalog)
    done = Carried()
    for rid in wanted:
        if rid not in offered:
            planned = next((i for i in plan["requirements"] if i["id"] == rid), None)
            done.refused[rid] = (
                tr("the plan offers no verdict to carry ({plan}: {reason})", plan=planned["plan"],
                   reason=planned.get("reason", ""))
                if planned else _("not in the renewal plan")
            )
    candidates = [rid for rid in wanted if rid in offered]
    if not candidates:
        return done
    source = _old_case(plan, new, {rid: _planned(offered[rid]) for rid in candidates}, old, done)
    chosen = [rid for rid in candidates if not _recorded_in_new(new, source, offered[rid], done)]
    for rid in done.already:  # carried before: said so even when the old case cannot be found now
        done.refused.pop(rid, None)
    if not chosen or source is None:
        return done
    comparison = compare_cases(source, new, ids=chosen)
    for rid in chosen:
        why = _still_offered(source, offered[rid], comparison.row(rid), new)
        if why:
            done.refused[rid] = why
            continue
        done.append(_record(new, source, catalog.get(rid), comparison.row(rid), inspector,
                            edition=str(catalog.edition)))
    return done


def requested(ids: list[str], catalog: Any) -> list[str]:
    """The requirement ids asked for, upper-cased, each once; CaseError naming any the catalogue lacks."""
    wanted = list(dict.fromkeys(i.strip().upper() for i in ids))
    known = {r.id for r in catalog.requirements}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise CaseError(f"unknown requirement id: {', '.join(unknown)} (not in catalogue {catalog.edition})")
    return wanted


def _planned(offer: dict[str, Any]) -> str:
    return str((offer.get("old_record") or {}).get("id"))


def _recorded_in_new(new: Case, old: Case | None, offer: dict[str, Any], done: Carried) -> bool:
    """The new case already has a verdict of the requirement: carried before from the planned record
    (noted in `done.already`, or refused when the old case superseded that record since), or its own,
    which carrying would supersede (refused). A verdict carried from an old record the old case has
    superseded since may itself be superseded by the offer (False)."""
    rid = offer["id"]
    latest = new.verdicts.latest(rid)
    if latest is None:
        return False
    planned, source = _planned(offer), source_record(latest)
    superseded = superseded_reason(old, rid, source) if old is not None and source else ""
    if source == planned and superseded:
        done.refused[rid] = tr("{why} (re-plan it with `workbench case renew --update {case}`)",
                               why=superseded, case=shown_path(new))
    elif source == planned:
        done.already[rid] = latest.id
    elif superseded and source in {r.id for r in old.verdicts.history(rid)}:  # type: ignore[union-attr]
        return False
    else:
        done.refused[rid] = tr("the new case has its own verdict ({verdict} by {inspector}, record {record});"
                               " carrying would supersede it", verdict=latest.verdict,
                               inspector=latest.inspector, record=latest.id)
    return True


def _old_case(plan: dict[str, Any], new: Case, records: dict[str, str], given: str | None,
              done: Carried) -> Case | None:
    """The old case (CaseError when `given` is not it); None, each candidate refused, when not found."""
    if given is not None:
        return find_old_case(plan["from"], new, records, given)
    try:
        return find_old_case(plan["from"], new, records)
    except WorkbenchError as exc:
        for rid in records:
            done.refused[rid] = exc.message
        return None


def _still_offered(old: Case, offer: dict[str, Any], row: dict[str, Any], new: Case) -> str:
    """Why the offer no longer stands ("" when it does)."""
    planned = _planned(offer)
    latest = old.verdicts.latest(offer["id"])
    if latest is None:
        return tr("the old case's verdict changed since the plan (planned record {planned}, now none):"
                  " re-plan it with `workbench case renew --update {case}`", planned=planned,
                  case=shown_path(new))
    if latest.id != planned:
        return tr("the old case's verdict changed since the plan (planned record {planned}, now {now}):"
                  " re-plan it with `workbench case renew --update {case}`", planned=planned, now=latest.id,
                  case=shown_path(new))
    found = row.get("offer") or {"carry": row["carry"], "reason": row["carry_reason"]}
    if found["carry"] != "carry-over":
        return tr("no longer carries over: {reason}", reason=found["reason"])
    return ""


def _record(new: Case, old: Case, requirement: Any, row: dict[str, Any], inspector: str, *,
            edition: str) -> RecordedVerdict:
    source = old.verdicts.latest(requirement.id)
    assert source is not None  # _still_offered saw it
    carried_from = {
        "case": os.path.relpath(old.path, new.path),
        "case_absolute": str(old.path),
        "case_device": f"{old.info.vendor} {old.info.model} {old.info.firmware_version}",
        "record": source.id,
        "verdict": source.verdict,
        "inspector": source.inspector,
        "recorded_at": source.recorded_at.isoformat(timespec="microseconds"),
        "catalog_edition": source.catalog_edition,
        "requirement_sha256": source.requirement_sha256,
    }
    refs = _refs_now(source.evidence_refs, old, new)
    return new.verdicts.record(
        requirement.id,
        source.verdict,
        source.rationale,
        inspector,
        evidence_refs=refs,
        artefact_hashes=new.judged_hashes(requirement.evidence, requirement.id) | cited_artefacts(new, refs),
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
                ref = SEPARATOR.join([moved.name, *[p.strip() for p in ref.split("·")[1:]]])
        out.append(ref)
    return out
