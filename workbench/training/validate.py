"""Check an answer key against a case of its device: every defect provable from the evidence.

Each place must be there: its artefact (by name, or the case's only one of its kind), the packet in
that capture (the packet count of the case's cached capture analysis), the regular file in that
image's file list (the cached firmware scan's `files` table, not a folder, link or device; an offset
inside the file), the declaration field set. Every FAIL answer needs a defect; only a FAIL answer has
defects. A defect must be shown by the check: one of its places is where the check's own findings
point (the same packet or flow, file or field, as `cite` matches a trainee's reference), unless the
defect says in `unflagged` why the checks miss it and where the trainee sees it (then an information
line quotes it). A FAIL answer whose check proposes PASS or NOT_APPLICABLE and points at none of its
defects is an error unless every defect has `unflagged`. Errors are one line each (`ID defect-id:
...`); information lines also name a flagged defect's places the findings do not point at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.errors import WorkbenchError
from workbench.i18n import N_, _, tr
from workbench.training.cite import (
    PACKET_KINDS,
    CaseEvidence,
    Spot,
    check_proposal,
    finding_ref,
    normal_path,
    place_kind,
)
from workbench.training.flows import count_packets
from workbench.training.key import AnswerKey, ExpectedAnswer, Place

# the problems of a place's artefact, per kind of place (one message per kind: words are never glued)
NOT_OF_KIND = {"capture": N_("{artefact} is not a capture"),
               "probe": N_("{artefact} is not a live probe capture"),
               "firmware": N_("{artefact} is not a firmware image")}
NONE_OF_KIND = {"capture": N_("the case has no capture"), "probe": N_("the case has no live probe capture"),
                "firmware": N_("the case has no firmware image")}
MANY_OF_KIND = {
    "capture": N_("the case has {count} captures ({names}): name one as 'artefact'"),
    "probe": N_("the case has {count} live probe captures ({names}): name one as 'artefact'"),
    "firmware": N_("the case has {count} firmware images ({names}): name one as 'artefact'"),
}
# the `files` table's types of entries that are not regular files (a regular file's type is its content's)
NOT_FILES = {
    "directory": N_("{path} is a folder in {artefact}, not a file: name a file"),
    "symlink": N_("{path} is a link in {artefact}, not a file: name a file"),
    "char_device": N_("{path} is a device in {artefact}, not a file: name a file"),
    "block_device": N_("{path} is a device in {artefact}, not a file: name a file"),
    "fifo": N_("{path} is a FIFO in {artefact}, not a file: name a file"),
    "socket": N_("{path} is a socket in {artefact}, not a file: name a file"),
}
LENIENT_PROPOSALS = ("PASS", "NOT_APPLICABLE")  # a FAIL against these: the check must flag a defect


@dataclass
class Validation:
    errors: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    places: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_key(key: AnswerKey, case: Any) -> Validation:
    """The errors and information lines of `key` checked against `case`, in the current language."""
    from workbench.catalog import load_catalog

    report = Validation()
    facts = _Facts(case)
    requirements = {r.id: r for r in load_catalog(key.catalog).requirements}
    for rid, answer in key.answers.items():
        if answer.verdict == "FAIL" and not answer.defects:
            problem = _("a FAIL answer names no defect (give it one with its evidence)")
            report.errors.append(f"{rid}: {problem}")
        if answer.verdict != "FAIL" and answer.defects:
            ids = ", ".join(d.id for d in answer.defects)
            problem = tr("a {verdict} answer names defects ({ids}): only a FAIL answer has defects (the "
                         "right verdict could never find them)", verdict=answer.verdict, ids=ids)
            report.errors.append(f"{rid}: {problem}")
        placed: dict[str, list[tuple[Place, Spot]]] = {}
        for defect in answer.defects:
            for place in defect.evidence:
                report.places += 1
                problem = facts.problem(place)
                if problem:
                    report.errors.append(f"{rid} {defect.id}: {problem}")
                    continue
                spot = facts.evidence.resolve(place)
                if spot is not None:
                    placed.setdefault(defect.id, []).append((place, spot))
        if answer.verdict == "FAIL" and answer.defects:
            _check_flagged(report, facts.evidence, requirements[rid], answer, placed)
    return report


def _check_flagged(report: Validation, evidence: CaseEvidence, requirement: Any, answer: ExpectedAnswer,
                   placed: dict[str, list[tuple[Place, Spot]]]) -> None:
    """The defects the check's findings do not point at (errors without `unflagged`), the places of
    flagged defects they do not point at (information), and a FAIL against a lenient proposal."""
    rid = requirement.id
    proposed, findings = check_proposal(evidence.case, requirement)
    pointed = (evidence.read(finding_ref(ref)) for finding in findings for ref in finding.evidence)
    shown = [spot for spot in pointed if spot is not None]
    evidence.load_flows([*shown, *(spot for pairs in placed.values() for _, spot in pairs)])
    any_flagged = False
    for defect in answer.defects:
        pairs = placed.get(defect.id)
        if not pairs:
            continue  # no place in the evidence: already an error
        hit = [place for place, spot in pairs if any(evidence.same(s, spot) for s in shown)]
        any_flagged = any_flagged or bool(hit)
        where = f"{rid} {defect.id}"
        if hit and defect.unflagged:
            report.info.append(f"{where}: " + tr("unflagged is set but the check points at {place}",
                                                 place=hit[0].label()))
        elif hit:
            report.info += [f"{where}: " + tr("the check's findings do not point at {place}: the trainee "
                                              "must find it in the tables", place=place.label())
                            for place, _spot in pairs if place not in hit]
        elif defect.unflagged:
            report.info.append(f"{where}: " + tr("not flagged by the check: {why}", why=defect.unflagged))
        else:
            labels = ", ".join(place.label() for place, _spot in pairs)
            problem = tr("the check's findings point at none of its places ({places}): the evidence does "
                         "not show it; if the check misses it, say why and where the trainee sees it in "
                         "'unflagged'",
                         places=labels)
            report.errors.append(f"{where}: {problem}")
    if proposed in LENIENT_PROPOSALS and not any_flagged and not all(d.unflagged for d in answer.defects):
        problem = tr("FAIL, but the check proposes {proposed} and flags none of its defects: give each "
                     "defect 'unflagged' (why the check misses it, where the trainee sees it)",
                     proposed=proposed)
        report.errors.append(f"{rid}: {problem}")


class _Facts:
    """What the case holds, read once per artefact from its cached analyses."""

    def __init__(self, case: Any) -> None:
        self.case = case
        self.evidence = CaseEvidence(case)
        self.packets: dict[str, int | str] = {}
        self.files: dict[str, dict[str, tuple[int, str]] | str] = {}

    def problem(self, place: Place) -> str | None:
        if place.kind == "declaration":
            return _declaration_problem(self.case, place.field or "")
        artefact, problem = self._artefact(place)
        if artefact is None:
            return problem
        if place.kind in PACKET_KINDS:
            count = self._packets(artefact, place.kind)
            if isinstance(count, str):
                return count
            if place.packet is not None and place.packet > count:
                return tr("packet {packet} is past the capture's {count} packets ({artefact})",
                          packet=place.packet, count=count, artefact=artefact.name)
            return None
        files = self._files(artefact)
        if isinstance(files, str):
            return files
        path = normal_path(place.path or "/")
        if path not in files:
            return tr("{path} is not in {artefact}'s files", path=path, artefact=artefact.name)
        size, kind = files[path]
        if kind in NOT_FILES:
            return tr(NOT_FILES[kind], path=path, artefact=artefact.name)
        if place.offset is not None and place.offset >= size:
            return tr("offset {offset} is past the end of {path} ({size} bytes)",
                      offset=hex(place.offset), path=path, size=size)
        return None

    def _artefact(self, place: Place) -> tuple[Any | None, str | None]:
        if place.artefact:
            artefact = self.evidence.artefacts.get(place.artefact)
            if artefact is None:
                return None, tr("no artefact '{artefact}' in the case", artefact=place.artefact)
            if place_kind(artefact) != place.kind:
                return None, tr(NOT_OF_KIND[place.kind], artefact=place.artefact)
            return artefact, None
        found = self.evidence.of_kind(place.kind)
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, _(NONE_OF_KIND[place.kind])
        names = ", ".join(sorted(a.name for a in found))
        return None, tr(MANY_OF_KIND[place.kind], count=len(found), names=names)

    def _packets(self, artefact: Any, kind: str) -> int | str:
        if artefact.name not in self.packets:
            self.packets[artefact.name] = _packet_count(self.case, artefact, kind)
        return self.packets[artefact.name]

    def _files(self, artefact: Any) -> dict[str, tuple[int, str]] | str:
        if artefact.name not in self.files:
            self.files[artefact.name] = _image_files(self.case, artefact)
        return self.files[artefact.name]


def _packet_count(case: Any, artefact: Any, kind: str) -> int | str:
    """The capture's packet count from its cached analysis (the probe's capture is not analysed:
    counted with the reader); a message when it cannot be read."""
    from workbench.analysis import capture_analysis

    try:
        count = capture_analysis(case, artefact).summary.get("packets") if kind == "capture" else None
    except WorkbenchError as exc:
        return tr("{artefact} cannot be read as a capture ({problem})", artefact=artefact.name,
                  problem=exc.message)
    if count is None:
        count = count_packets(artefact.path)
    return count if isinstance(count, int) else tr("{artefact} cannot be read as a capture",
                                                   artefact=artefact.name)


def _image_files(case: Any, artefact: Any) -> dict[str, tuple[int, str]] | str:
    """{image path: (size, type)} from the image's cached scan; a message when it cannot be scanned."""
    from workbench.analysis import firmware_scan

    try:
        table = firmware_scan(case, artefact).table("files", ["path", "size", "type"])
    except WorkbenchError as exc:
        return tr("{artefact} cannot be scanned as a firmware image ({problem})", artefact=artefact.name,
                  problem=exc.message)
    sizes = table["size"].fillna(0).astype("int64").tolist()
    kinds = [str(kind) for kind in table["type"].tolist()]
    rows = zip(table["path"].tolist(), sizes, kinds, strict=True)
    return {normal_path(str(p)): (int(s), kind) for p, s, kind in rows if p}


def _declaration_problem(case: Any, name: str) -> str | None:
    declaration = case.declaration
    if declaration is None:
        return _("the case has no declaration")
    value: Any = declaration.model_dump(mode="json")
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return tr("the declaration has no field '{field}'", field=name)
        value = value[part]
    if value in (None, "", [], {}):
        return tr("the declaration's field '{field}' is not set", field=name)
    return None
