"""Check an answer key against a case of its device: every defect provable from the evidence.

Each place must be there: its artefact (by name, or the case's only one of its kind), the packet in
that capture (the packet count of the case's cached capture analysis), the file in that image's
file list (the cached firmware scan's `files` table; an offset inside the file), the declaration
field set. Every FAIL answer needs a defect. Errors are one line each (`ID defect-id: ...`).
Information lines name the places the check's own findings do not point at (not the same packet,
flow, file or field): the trainee must find those in the tables; they are not errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.errors import WorkbenchError
from workbench.training.cite import (
    PACKET_KINDS,
    CaseEvidence,
    Spot,
    check_findings,
    finding_ref,
    normal_path,
    place_kind,
)
from workbench.training.flows import count_packets
from workbench.training.key import AnswerKey, Place

KIND_WORDS = {"capture": "capture", "probe": "live probe capture", "firmware": "firmware image"}


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
        good: list[tuple[str, Place, Spot]] = []
        for defect in answer.defects:
            for place in defect.evidence:
                report.places += 1
                problem = facts.problem(place)
                if problem:
                    report.errors.append(f"{rid} {defect.id}: {problem}")
                    continue
                spot = facts.evidence.resolve(place)
                if spot is not None:
                    good.append((defect.id, place, spot))
        if good:
            report.info += _unpointed(facts.evidence, case, requirements[rid], good)
    return report


def _unpointed(evidence: CaseEvidence, case: Any, requirement: Any,
               places: list[tuple[str, Place, Spot]]) -> list[str]:
    """Information lines: the places none of the check's findings point at."""
    pointed = [evidence.read(finding_ref(ref)) for finding in check_findings(case, requirement)
               for ref in finding.evidence]
    shown = [spot for spot in pointed if spot is not None]
    evidence.load_flows([*shown, *(spot for _, _, spot in places)])
    return [f"{requirement.id} {defect_id}: the check's findings do not point at {place.label()}: "
            "the trainee must find it in the tables"
            for defect_id, place, spot in places if not any(evidence.same(s, spot) for s in shown)]


class _Facts:
    """What the case holds, read once per artefact from its cached analyses."""

    def __init__(self, case: Any) -> None:
        self.case = case
        self.evidence = CaseEvidence(case)
        self.packets: dict[str, int | str] = {}
        self.files: dict[str, dict[str, int] | str] = {}

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
        if place.offset is not None and place.offset >= files[path]:
            return f"offset 0x{place.offset:x} is past the end of {path} ({files[path]} bytes)"
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

    def _files(self, artefact: Any) -> dict[str, int] | str:
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


def _image_files(case: Any, artefact: Any) -> dict[str, int] | str:
    """{image path: size} from the image's cached scan; a message when it cannot be scanned."""
    from workbench.analysis import firmware_scan

    try:
        table = firmware_scan(case, artefact).table("files", ["path", "size"])
    except WorkbenchError as exc:
        return f"{artefact.name} cannot be scanned as a firmware image ({exc.message})"
    sizes = table["size"].fillna(0).astype("int64").tolist()
    return {normal_path(str(p)): int(s) for p, s in zip(table["path"].tolist(), sizes, strict=True) if p}


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
