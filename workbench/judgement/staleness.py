"""When an inspector's verdict is stale: the one rule of `workbench case status`, the notebooks and the batch.

A recorded verdict is stale when

- an artefact (or the declaration) it was judged on has changed or is gone: the hash recorded
  with the verdict differs from the file's hash now, hashed again, so evidence modified in place
  counts too; or
- evidence of a kind the requirement judges was added since: an artefact of one of the
  requirement's evidence kinds (a vulnerability feed counts with firmware), an attachment for the
  requirement or for the whole case, or the declaration, that the verdict did not see. A verdict
  given on one capture says nothing about a second one; or
- the requirement changed: the verdict records the hash of the requirement as the catalogue it was
  judged with had it (workbench.catalog.fingerprint), and the requirement it is judged against now
  hashes differently (a new edition revised its criteria or parameters; a new mapping to another
  standard does not count). The reason names the fields, as `workbench catalog diff` does, compared
  with the requirement as the recorded edition has it (a bundled edition by name, else the case's
  recorded catalogue); a record without the hash (version 1) is never stale by this rule.

The rule reads the case and the catalogue's requirement only, never a check's result, so the status
command (which runs no check) and the notebooks give the same answer.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.case.artefacts import kind_name
from workbench.case.case import DECLARATION_KEY, Case
from workbench.case.places import other_case_places
from workbench.catalog.diff import RequirementChange, compare_requirements
from workbench.catalog.fingerprint import requirement_sha256
from workbench.catalog.loader import bundled_editions, load_catalog
from workbench.checks.refs import ref_fields
from workbench.errors import WorkbenchError
from workbench.i18n import _, tr

if TYPE_CHECKING:
    from workbench.case.verdicts import RecordedVerdict
    from workbench.catalog.model import Catalog, Requirement
    from workbench.checks.base import CheckResult

_NOT_CRITERIA = "mappings."  # a mapping to another standard changes no criterion (not hashed)


def hashes_now(case: Case) -> dict[str, str]:
    """name -> SHA-256 of every artefact and the declaration as the files are now (missing ones left out)."""
    return case.current_hashes(recompute=True)


def stale_reasons(
    case: Case,
    requirement: Any,
    recorded: RecordedVerdict | None,
    current: dict[str, str] | None = None,
    *,
    catalog: Catalog | None = None,
) -> list[str]:
    """Why `recorded` no longer matches the evidence or the requirement (empty: it still does, or
    nothing is recorded).

    `current`: the hashes now, from hashes_now(); computed when not given. `catalog`: the catalogue
    `requirement` comes from, the one judged with (its edition names a requirement change).
    """
    if recorded is None:
        return []
    now = hashes_now(case) if current is None else current
    reasons = [tr("{name} changed or is gone", name=_artefact_name(name))
               for name in recorded.stale_artefacts(now)]
    judged = case.judged_hashes(requirement.evidence, requirement.id)
    added = sorted(set(judged) - set(recorded.artefact_hashes))
    reasons += [tr("{name} added since", name=_artefact_name(name)) for name in added]
    changed = requirement_changed_reason(recorded, requirement, catalog, case)
    superseded = source_superseded(case, recorded)
    return reasons + [r for r in (changed, superseded) if r]


def _artefact_name(name: str) -> str:
    """An artefact's name in a reason; the declaration (its key, `declaration`) by its kind's name."""
    return kind_name(DECLARATION_KEY) if name == DECLARATION_KEY else name


def source_superseded(case: Case, recorded: RecordedVerdict) -> str | None:
    """For a verdict carried over from another case: why it no longer stands there (its source record is
    no longer that case's latest verdict on the requirement). None when it still does, when the verdict
    was not carried, or when the other case is not at hand (nothing can be said of it)."""
    source = recorded.carried_from
    if not isinstance(source, dict) or not source.get("record"):
        return None
    other = None
    for place in other_case_places(source, case.path):
        try:
            other = Case.open(place)
            break
        except WorkbenchError:
            continue
    if other is None:
        return None
    superseded, latest = superseded_by(other, recorded.requirement_id, source["record"])
    if not superseded:
        return None
    device = source.get("case_device") or str(other.path)
    if latest is None:
        return tr("the verdict it was carried from is no longer in {device}", device=device)
    when = latest.recorded_at.date().isoformat()
    return tr("the verdict it was carried from was superseded in {device}: {verdict} by {inspector} ({when})",
              device=device, verdict=latest.verdict, inspector=latest.inspector, when=when)


def superseded_by(other: Case, requirement_id: str, record: str) -> tuple[bool, RecordedVerdict | None]:
    """(whether `record` is no longer `other`'s latest verdict on the requirement, that latest one)."""
    latest = other.verdicts.latest(requirement_id)
    return (latest is None or latest.id != record), latest


def requirement_changed(recorded: RecordedVerdict | None, requirement: Any) -> bool:
    """Whether the verdict records a requirement hash that `requirement` no longer has."""
    judged = getattr(recorded, "requirement_sha256", None)
    return bool(judged) and judged != requirement_sha256(requirement)


def requirement_changed_reason(
    recorded: RecordedVerdict | None, requirement: Any, catalog: Catalog | None, case: Case | None = None
) -> str | None:
    """The staleness reason for a changed requirement, naming its fields; None when unchanged."""
    if recorded is None or not requirement_changed(recorded, requirement):
        return None
    change = requirement_change(recorded, requirement, catalog, case)
    if catalog is None and change is None:
        if recorded.catalog_edition:
            return tr("requirement changed in the catalogue judged with (judged against {old}, which is not"
                      " at hand to say which fields)", old=recorded.catalog_edition)
        return _("requirement changed in the catalogue judged with (judged against an edition it does not"
                 " name, which is not at hand to say which fields)")
    if change is None:
        edition = str(catalog.edition)  # type: ignore[union-attr]
        if recorded.catalog_edition:
            return tr("requirement changed in {edition} (judged against {old}, which is not at hand to say"
                      " which fields)", edition=edition, old=recorded.catalog_edition)
        return tr("requirement changed in {edition} (judged against an edition it does not name, which is"
                  " not at hand to say which fields)", edition=edition)
    edition = str(catalog.edition) if catalog is not None else _("the catalogue judged with")
    where = changed_in(recorded, requirement, edition)
    if change.fields:
        fields = ", ".join(change.fields)
        return tr("requirement changed in {edition}: {fields}", edition=where, fields=fields)
    return tr("requirement changed in {edition}: its text", edition=where)


def changed_in(recorded: RecordedVerdict, requirement: Any, edition: str) -> str:
    """Which edition changed the requirement: the first bundled one after the edition judged against
    whose requirement differs from the one judged (with both named when that is not the one judged
    with now); an older edition than the one judged against is said to be older."""
    editions = bundled_editions()
    judged = recorded.catalog_edition
    if judged not in editions or edition not in editions:
        return edition
    start, end = editions.index(judged), editions.index(edition)
    if end < start:
        return tr("{edition}, an older edition than {judged} it was judged against", edition=edition,
                  judged=judged)
    for name in editions[start + 1 : end + 1]:
        found = _bundled(name)
        if found is None or recorded.requirement_id not in found:
            continue
        if requirement_sha256(found.get(recorded.requirement_id)) != recorded.requirement_sha256:
            if name == edition:
                return name
            return tr("{edition} (judged against {judged}, now {now})", edition=name, judged=judged,
                      now=edition)
    return edition


def cited_artefacts(case: Case, refs: Any) -> dict[str, str]:
    """Name -> SHA-256 of the case's artefacts an inspector's evidence references cite (a mapping's
    `artefact`, the first part of a finding's label "fw.img · /etc/shadow", "attachment: NAME"):
    recorded with the verdict, so that it goes stale when a file it cites changes."""
    hashes = case.current_hashes()
    cited: dict[str, str] = {}
    for ref in refs or ():
        name = ref_fields(ref).get("artefact")
        if isinstance(name, str) and name in hashes:
            cited[name] = hashes[name]
    return cited


def requirement_change(
    recorded: RecordedVerdict, requirement: Any, catalog: Catalog | None, case: Case | None = None
) -> RequirementChange | None:
    """Field by field, how `requirement` (of `catalog`) differs from the one `recorded` was judged
    against, as `workbench catalog diff` names the fields (mappings left out: they change no criterion).

    None when the verdict records no requirement hash (version 1), the requirement is unchanged, or
    the recorded edition is not at hand: neither a bundled edition of that name nor the case's
    recorded catalogue has the requirement with the recorded hash.
    """
    if not requirement_changed(recorded, requirement):
        return None
    judged = judged_requirement(recorded, case)
    if judged is None:
        return None
    changes = [c for c in compare_requirements(judged, requirement) if not c.field.startswith(_NOT_CRITERIA)]
    return RequirementChange(str(requirement.id), str(requirement.title), tuple(changes))


def judged_requirement(recorded: RecordedVerdict, case: Case | None = None) -> Requirement | None:
    """The requirement as the edition `recorded` names has it, when at hand with the recorded hash."""
    edition = recorded.catalog_edition
    if not edition or not recorded.requirement_sha256:
        return None
    candidates = [_bundled(edition)] if edition in bundled_editions() else []
    info = getattr(case, "info", None)
    source = str(getattr(info, "catalog_source", "") or "")
    if info is not None and str(info.catalog_edition) == edition and source and source != edition:
        candidates.append(_lab_catalogue(source))
    for catalog in candidates:
        if catalog is not None and recorded.requirement_id in catalog:
            old = catalog.get(recorded.requirement_id)
            if requirement_sha256(old) == recorded.requirement_sha256:
                return old
    return None


@lru_cache(maxsize=8)
def _bundled(edition: str) -> Catalog | None:
    """A bundled edition, loaded once per process (its files ship with the workbench)."""
    try:
        return load_catalog(edition)
    except WorkbenchError:
        return None


def _lab_catalogue(source: str) -> Catalog | None:
    """A lab's catalogue by path, loaded once per version of it on disk (None: gone or invalid)."""
    try:
        stat = os.stat(source)
    except OSError:
        return None
    return _lab_catalogue_at(str(Path(source).resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _lab_catalogue_at(source: str, _mtime_ns: int, _size: int) -> Catalog | None:
    try:
        return load_catalog(Path(source))
    except WorkbenchError:
        return None


def judged_hashes(case: Case, requirement: Any, result: CheckResult | None) -> dict[str, str]:
    """Name -> SHA-256 of what a verdict on `requirement` rests on, as the case is now: recorded
    with an inspector's verdict.

    The case's artefacts of the evidence kinds the requirement names, its attachments, the
    declaration if named, and any other artefact the check's result was derived from.
    """
    hashes = dict(case.judged_hashes(requirement.evidence, requirement.id))
    used = set(result.evidence_used) if result is not None else set()
    hashes.update({n: h for n, h in case.current_hashes().items() if h in used})
    return hashes
