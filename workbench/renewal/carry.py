"""Whether an inspector's verdict of the old case may carry over to the new one, and why (in words).

It may when the requirement is the same (its hash, scheme requirement/1) and every piece of evidence
the verdict judged or cites is unchanged in substance: the same artefact by SHA-256, or, for a firmware
image that changed, every image path the verdict cites unchanged in the new image and no change, in the
firmware diff, to what the requirement's check reads (workbench.renewal.reads). Anything else: redo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.catalog.diff import compare_requirements
from workbench.catalog.fingerprint import requirement_sha256
from workbench.checks.refs import ref_fields
from workbench.errors import WorkbenchError
from workbench.i18n import _, tr
from workbench.renewal.carried import CARRIED
from workbench.renewal.judging import Judged
from workbench.renewal.notices import replacement, unextracted
from workbench.renewal.reads import FirmwareReads, reads_of, relevant_changes

DECLARATION = "declaration"  # the declaration's name among a verdict's artefact hashes
CARRY_OVER, REDO, NONE = "carry-over", "redo", "none"
CARRIES = (CARRIED, CARRY_OVER, REDO, NONE)  # every `carry` of a comparison row


@dataclass(frozen=True)
class Carry:
    carry: str  # carried | carry-over | redo | none
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"carry": self.carry, "reason": self.reason}


class ImageDiffs:
    """Firmware diffs between an old and a new image, from the cases' cached scans, each made once."""

    def __init__(self, old_case: Any, new_case: Any) -> None:
        self.old_case, self.new_case = old_case, new_case
        self._made: dict[tuple[str, str], Any] = {}

    def between(self, old_image: Any, new_image: Any) -> Any:
        key = (old_image.sha256, new_image.sha256)
        if key not in self._made:
            from workbench.analysis import firmware_scan
            from workbench.firmware.diff import diff_scans

            old_scan = firmware_scan(self.old_case, old_image)
            self._made[key] = diff_scans(old_scan, firmware_scan(self.new_case, new_image))
        return self._made[key]


def decide(old_case: Any, new_case: Any, old: Judged | None, new_requirement: Any, edition: str,
           diffs: ImageDiffs) -> Carry:
    """Whether the old case's latest inspector verdict of the requirement carries over to `new_case`."""
    recorded = old.state.recorded if old is not None else None
    if old is None or recorded is None:
        return Carry(NONE, _("no inspector verdict in the old case"))
    if new_requirement is None:
        return Carry(NONE, tr("{id} is not in the new catalogue", id=recorded.requirement_id))
    changed = requirement_changed(recorded, old.state.requirement, new_requirement, edition)
    if changed:
        return Carry(REDO, changed)
    if old.state.stale_reasons:
        stale = "; ".join(old.state.stale_reasons)
        return Carry(REDO, tr("the old verdict is stale: {reasons}", reasons=stale))
    reads = reads_of(new_requirement, old.reads)
    problems, notes = evidence_changes(old_case, new_case, new_requirement, recorded, reads, diffs)
    if problems:
        return Carry(REDO, "; ".join(problems))
    if notes:
        return Carry(CARRY_OVER, tr("same requirement text and criteria; {notes}", notes="; ".join(notes)))
    return Carry(CARRY_OVER, _("same requirement text and criteria; nothing it judged or cites changed"))


def requirement_changed(recorded: Any, old_requirement: Any, new_requirement: Any, edition: str) -> str:
    """Why the requirement is not the one the verdict judged ("" when it is)."""
    judged = recorded.requirement_sha256 or requirement_sha256(old_requirement)
    if judged == requirement_sha256(new_requirement):
        return ""
    fields = [c.field for c in compare_requirements(old_requirement, new_requirement)
              if not c.field.startswith("mappings")]
    if fields and requirement_sha256(old_requirement) == judged:
        return tr("requirement changed in {edition}: {fields}", edition=edition, fields=", ".join(fields))
    if recorded.catalog_edition:
        return tr("requirement changed in {edition} (the verdict judged it as {old} had it)", edition=edition,
                  old=recorded.catalog_edition)
    return tr("requirement changed in {edition} (the verdict judged it as an earlier edition had it)",
              edition=edition)


def evidence_changes(old_case: Any, new_case: Any, requirement: Any, recorded: Any, reads: FirmwareReads,
                     diffs: ImageDiffs) -> tuple[list[str], list[str]]:
    """(why the evidence changed in substance, what stayed the same), both in words."""
    feeds_matter = reads.columns.get("vulnerabilities", set()) != set()
    new_names = {a.name: a for a in new_case.artefacts()}
    new_by_sha = {sha: name for name, sha in new_case.current_hashes().items()}
    old_artefacts = {a.name: a for a in old_case.artefacts()}
    problems: list[str] = []
    notes: list[str] = []
    named: set[str] = set()  # new artefacts already said to replace an old one
    for name, sha in sorted(recorded.artefact_hashes.items()):
        artefact = old_artefacts.get(name)
        kind = DECLARATION if name == DECLARATION else (artefact.kind if artefact else "")
        if sha in new_by_sha:
            notes.append(tr("{name} unchanged (same SHA-256)", name=name))
        elif kind == "firmware" and artefact is not None and artefact.sha256 == sha:
            continue  # an image that changed: judged below, by the firmware diff
        elif kind == "vuln-feed" and not feeds_matter:
            notes.append(tr("{name} changed, but the check reads no vulnerabilities", name=name))
        elif kind == DECLARATION:
            declaration_change(old_case, new_case, reads, problems, notes)
            named.add(DECLARATION)  # the new declaration: judged here, not "added since"
        else:
            said, replacements = changed_artefact(name, artefact, new_case)
            problems.append(said)
            named |= replacements
    replacing = image_problems(old_case, new_case, recorded, reads, diffs, problems, notes)
    judged_now = new_case.judged_hashes(requirement.evidence, requirement.id)
    seen = set(recorded.artefact_hashes.values()) | replacing
    for name, sha in sorted(judged_now.items()):
        feed = new_names[name].kind == "vuln-feed" if name in new_names else False
        if sha in seen or name in named or (feed and not feeds_matter):
            continue
        problems.append(tr("{name} added (the verdict did not see it)", name=name))
    return problems, notes


def declaration_change(old_case: Any, new_case: Any, reads: FirmwareReads, problems: list[str],
                       notes: list[str]) -> None:
    """The declaration changed: in substance when a field that differs is one the check reads (or
    the check's reads are unknown); a re-issue naming the new firmware version and date is not."""
    if new_case.declaration is None:
        problems.append(_("the new case has no declaration"))
        return
    before = old_case.declaration.model_dump(mode="json") if old_case.declaration is not None else {}
    after = new_case.declaration.model_dump(mode="json")
    differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    read = differ if reads.declared is None else [k for k in differ if k in reads.declared]
    if read:
        problems.append(tr("the declaration changed: {fields}", fields=", ".join(read)))
    elif differ:
        notes.append(tr("the declaration changed only in {fields}, which the check does not read",
                        fields=", ".join(differ)))
    else:
        notes.append(_("the declaration changed only in its wording, which the check does not read"))


def image_problems(old_case: Any, new_case: Any, recorded: Any, reads: FirmwareReads, diffs: ImageDiffs,
                   problems: list[str], notes: list[str]) -> set[str]:
    """Each old image not in the new case that the verdict judged, cites, or whose tables the check
    read: compared with the image replacing it (appends to problems or notes). Returns the SHA-256
    of the new images so accounted for."""
    new_hashes = set(new_case.current_hashes().values())
    replacing: set[str] = set()
    for image in old_case.artefacts(kind="firmware"):
        if image.sha256 in new_hashes:
            continue
        judged = recorded.artefact_hashes.get(image.name) == image.sha256
        if not (judged or cited_paths(recorded.evidence_refs, image) or reads.kinds):
            continue
        counterpart = replacement(image, old_case, new_case)
        if counterpart is None and not new_case.artefacts(kind="firmware"):
            problems.append(tr("{name} is not in the new case", name=image.name))
            continue
        if counterpart is None:
            problems.append(tr("{name} changed: no single image of the new case replaces it",
                               name=image.name))
            continue
        replacing.add(counterpart.sha256)
        found = image_changes(image, counterpart, recorded, reads, diffs)
        problems += found
        if not found:
            notes.append(tr("{old} → {new}: cited paths and what the check reads unchanged", old=image.name,
                            new=counterpart.name))
    return replacing


def changed_artefact(name: str, artefact: Any, new_case: Any) -> tuple[str, set[str]]:
    """Why an artefact (not an image) the verdict judged is no longer there as it was, and the new
    artefacts of its kind named as its replacement."""
    if any(a.name == name for a in new_case.artefacts()):
        return tr("{name} changed", name=name), {name}
    kind = artefact.kind if artefact is not None else ""
    others = [a.name for a in new_case.artefacts() if a.kind == kind] if kind else []
    if not others:
        return tr("{name} is not in the new case", name=name), set()
    return tr("{name} changed: replaced by {others}", name=name, others=", ".join(others)), set(others)


def cited_paths(refs: Any, image: Any) -> set[str]:
    """Image paths the verdict's evidence references cite in `image` (by its name or SHA-256)."""
    paths = set()
    for ref in map(ref_fields, refs):
        if not isinstance(ref.get("path"), str):
            continue
        where = {ref.get("artefact"), ref.get("sha256")} - {None, ""}
        if not where or where & {image.name, image.sha256}:
            paths.add(ref["path"])
    return paths


def image_changes(old_image: Any, new_image: Any, recorded: Any, reads: FirmwareReads,
                  diffs: ImageDiffs) -> list[str]:
    """Why the new image differs, for this verdict, from the old one (empty: not in substance)."""
    try:
        diff = diffs.between(old_image, new_image)
    except WorkbenchError as exc:
        return [tr("{old} and {new} could not be compared: {error}", old=old_image.name, new=new_image.name,
                   error=exc)]
    if unextracted(diff):
        names = unextracted(diff)
        if len(names) > 1:
            return [tr("{first} and {second} not extracted (nothing of it could be unpacked): what the"
                       " verdict rests on cannot be compared",
                       first=names[0], second=" and ".join(names[1:]))]
        return [tr("{name} not extracted (nothing of it could be unpacked): what the verdict rests on cannot"
                   " be compared", name=names[0])]
    files = diff.tables.get("files")
    changed_paths = set(files["path"]) if files is not None and len(files) else set()
    problems = [tr("{path} changed in {image}", path=path, image=new_image.name)
                for path in sorted(cited_paths(recorded.evidence_refs, old_image) & changed_paths)]
    touched = relevant_changes(diff.tables, reads)
    if touched:
        kinds = "; ".join(f"{kind} {_some(labels)}" for kind, labels in sorted(touched.items()))
        problems.append(tr("{new} differs from {old} in what the check reads: {changes}", new=new_image.name,
                           old=old_image.name, changes=kinds))
    return problems


def _some(labels: list[str], shown: int = 3) -> str:
    if len(labels) > shown:
        return tr("{items} and {n} more", items=", ".join(labels[:shown]), n=len(labels) - shown)
    return ", ".join(labels)
