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

KIND_WORDS = {"capture": "capture", "probe": "live probe capture", "firmware": "firmware image"}
# the `files` table's types of entries that are not regular files (a regular file's type is its content's)
NOT_FILES = {"directory": "a folder", "symlink": "a link", "char_device": "a device",
             "block_device": "a device", "fifo": "a FIFO", "socket": "a socket"}
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
    """The errors and information lines of `key` checked against `case`."""
    from workbench.catalog import load_catalog

    report = Validation()
    facts = _Facts(case)
    requirements = {r.id: r for r in load_catalog(key.catalog).requirements}
    for rid, answer in key.answers.items():
        if answer.verdict == "FAIL" and not answer.defects:
            report.errors.append(f"{rid}: a FAIL answer names no defect (give it one with its evidence)")
        if answer.verdict != "FAIL" and answer.defects:
            ids = ", ".join(d.id for d in answer.defects)
            report.errors.append(f"{rid}: a {answer.verdict} answer names defects ({ids}): only a FAIL "
                                 "answer has defects (the right verdict could never find them)")
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
            report.info.append(f"{where}: unflagged is set but the check points at {hit[0].label()}")
        elif hit:
            report.info += [f"{where}: the check's findings do not point at {place.label()}: the trainee "
                            "must find it in the tables" for place, _ in pairs if place not in hit]
        elif defect.unflagged:
            report.info.append(f"{where}: not flagged by the check: {defect.unflagged}")
        else:
            labels = ", ".join(place.label() for place, _ in pairs)
            report.errors.append(f"{where}: the check's findings point at none of its places ({labels}): "
                                 "the evidence does not show it; if the check misses it, say why and "
                                 "where the trainee sees it in 'unflagged'")
    if proposed in LENIENT_PROPOSALS and not any_flagged and not all(d.unflagged for d in answer.defects):
        report.errors.append(f"{rid}: FAIL, but the check proposes {proposed} and flags none of its "
                             "defects: give each defect 'unflagged' (why the check misses it, where the "
                             "trainee sees it)")


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
                return f"packet {place.packet} is past the capture's {count} packets ({artefact.name})"
            return None
        files = self._files(artefact)
        if isinstance(files, str):
            return files
        path = normal_path(place.path or "/")
        if path not in files:
            return f"{path} is not in {artefact.name}'s files"
        size, kind = files[path]
        if kind in NOT_FILES:
            return f"{path} is {NOT_FILES[kind]} in {artefact.name}, not a file: name a file"
        if place.offset is not None and place.offset >= size:
            return f"offset 0x{place.offset:x} is past the end of {path} ({size} bytes)"
        return None

    def _artefact(self, place: Place) -> tuple[Any | None, str | None]:
        if place.artefact:
            artefact = self.evidence.artefacts.get(place.artefact)
            if artefact is None:
                return None, f"no artefact '{place.artefact}' in the case"
            if place_kind(artefact) != place.kind:
                return None, f"{place.artefact} is not a {KIND_WORDS[place.kind]}"
            return artefact, None
        found = self.evidence.of_kind(place.kind)
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, f"the case has no {KIND_WORDS[place.kind]}"
        names = ", ".join(sorted(a.name for a in found))
        return None, f"the case has {len(found)} {KIND_WORDS[place.kind]}s ({names}): name one as 'artefact'"

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
        return f"{artefact.name} cannot be read as a capture ({exc.message})"
    if count is None:
        count = count_packets(artefact.path)
    return count if isinstance(count, int) else f"{artefact.name} cannot be read as a capture"


def _image_files(case: Any, artefact: Any) -> dict[str, tuple[int, str]] | str:
    """{image path: (size, type)} from the image's cached scan; a message when it cannot be scanned."""
    from workbench.analysis import firmware_scan

    try:
        table = firmware_scan(case, artefact).table("files", ["path", "size", "type"])
    except WorkbenchError as exc:
        return f"{artefact.name} cannot be scanned as a firmware image ({exc.message})"
    sizes = table["size"].fillna(0).astype("int64").tolist()
    kinds = [str(kind) for kind in table["type"].tolist()]
    rows = zip(table["path"].tolist(), sizes, kinds, strict=True)
    return {normal_path(str(p)): (int(s), kind) for p, s, kind in rows if p}


def _declaration_problem(case: Any, name: str) -> str | None:
    declaration = case.declaration
    if declaration is None:
        return "the case has no declaration"
    value: Any = declaration.model_dump(mode="json")
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return f"the declaration has no field '{name}'"
        value = value[part]
    if value in (None, "", [], {}):
        return f"the declaration's field '{name}' is not set"
    return None
