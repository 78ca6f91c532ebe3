"""Draft an answer key (format 2) from an instructor's own verdicts on a case.

Each requirement up to the key's level with a recorded verdict becomes an answer with that verdict;
each evidence reference of a FAIL verdict that names a place in the case (a packet, a file of an
image, a declaration field) becomes one defect with that place, its summary the check's finding
whose label the reference is (else "describe this defect"). A verdict other than FAIL never has
defects (its references are not drafted). A defect the check's findings do not point at gets a note:
the instructor writes its `unflagged` (why the check misses it, where the trainee sees it) or
drops it. The instructor then edits the summaries and notes, and checks the key with
`workbench exercise key validate`.

The key's texts are English (the key's own language): a summary is the finding's English summary; when
the current language is another (an instructor working in Japanese), the finding's summary in it is added
as the defect's `translations`. The notes and the file's header comment are in the current language.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import WorkbenchError
from workbench.i18n import DEFAULT_LANGUAGE, N_, _, language, tr, use_language
from workbench.training.cite import CaseEvidence, Spot, check_findings, finding_ref, ref_text

UNDESCRIBED = "describe this defect"
HEADER = N_(
    "Drafted by `workbench exercise key new` from the verdicts recorded in {case}.\n"
    "Check each defect's summary, add notes and accepted verdicts, then run\n"
    "`workbench exercise key validate KEY`. Keep keys out of the trainees' reach."
)


@dataclass
class Draft:
    key: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what the instructor should look at

    def text(self, case_path: str) -> str:
        body = yaml.safe_dump(self.key, sort_keys=False, allow_unicode=True, width=110)
        header = tr(HEADER, case=case_path)
        return "".join(f"# {line}\n" for line in header.splitlines()) + body


def draft_key(case: Any, *, exercise: str, title: str, device: str, level: int | None = None,
              stage: str = "practice") -> Draft:
    """The key drafted from the case's latest verdicts; `device` is written as the key's device."""
    from workbench.case import source_to_load
    from workbench.catalog import load_catalog

    catalog = load_catalog(source_to_load(case.info, None))
    level = level if level is not None else min(max(int(case.info.level or 1), 1), 3)
    evidence = CaseEvidence(case)
    draft = Draft({})
    answers: dict[str, Any] = {}
    for requirement in catalog.requirements:
        record = case.verdicts.latest(requirement.id)
        if record is None or requirement.level > level:
            continue
        answer: dict[str, Any] = {"verdict": str(record.verdict)}
        if answer["verdict"] == "FAIL":  # only a FAIL answer has defects: a PASS's references are not
            answer["defects"] = _defects(case, evidence, requirement, record.evidence_refs, draft.notes)
            if not answer["defects"]:
                note = _("a FAIL verdict that cites no place in the case; add a defect with its evidence")
                draft.notes.append(f"{requirement.id}: {note}")
        answers[requirement.id] = answer
    if not answers:
        raise WorkbenchError(tr("no verdict recorded on a requirement up to level {level}: record the "
                                "instructor's verdicts first (`workbench case verdict`)", level=level),
                             path=str(case.path))
    draft.key = {"exercise": exercise, "title": title, "schema_version": 2, "device": device,
                 "catalog": str(catalog.edition), "level": level, "stage": stage, "pass_mark": 0.8,
                 "max_missed_defects": 0, "feedback": True, "answers": answers}
    return draft


def _defects(case: Any, evidence: CaseEvidence, requirement: Any, refs: tuple[Any, ...],
             notes: list[str]) -> list[dict[str, Any]]:
    with use_language(DEFAULT_LANGUAGE):  # the key's own texts are English
        summaries = _finding_summaries(case, evidence, requirement)
    translated = {} if language() == DEFAULT_LANGUAGE else _finding_summaries(case, evidence, requirement)
    cited = [evidence.read(ref) for ref in refs]
    evidence.load_flows([*summaries, *cited])
    defects: list[dict[str, Any]] = []
    seen: set[Spot] = set()
    for ref, spot in zip(refs, cited, strict=True):
        if spot is None:
            note = tr("'{ref}' names no place in the case; not a defect", ref=ref_text(ref))
            notes.append(f"{requirement.id}: {note}")
            continue
        if spot in seen:
            continue
        seen.add(spot)
        defect_id = f"{requirement.id.lower()}-{len(defects) + 1}"
        if not any(evidence.same(shown, spot) for shown in summaries):
            note = tr("the check's findings do not point at '{ref}'; say why and where the trainee sees it "
                      "in 'unflagged'", ref=ref_text(ref))
            notes.append(f"{requirement.id} {defect_id}: {note}")
        defect: dict[str, Any] = {"id": defect_id, "summary": summaries.get(spot, UNDESCRIBED),
                                  "evidence": [_place(spot)]}
        if spot in translated and translated[spot] != defect["summary"]:
            defect["translations"] = {language(): {"summary": translated[spot]}}
        defects.append(defect)
    return defects


def _place(spot: Spot) -> dict[str, Any]:
    if spot.kind == "declaration":
        return {"kind": "declaration", "field": spot.field}
    place: dict[str, Any] = {"kind": spot.kind, "artefact": spot.artefact}
    if spot.packet is not None:
        place["packet"] = spot.packet
    if spot.path is not None:
        place["path"] = spot.path
    if spot.offset is not None:
        place["offset"] = spot.offset
    return place


def _finding_summaries(case: Any, evidence: CaseEvidence, requirement: Any) -> dict[Spot, str]:
    """{the place a finding's evidence label names: the summary of the first finding naming it}."""
    summaries: dict[Spot, str] = {}
    for finding in check_findings(case, requirement):
        for ref in finding.evidence:
            spot = evidence.read(finding_ref(ref))
            if spot is not None:
                summaries.setdefault(spot, finding.summary)
    return summaries


def write_new(path: Path, text: str) -> None:
    """Write a new file; an existing one is never replaced."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise WorkbenchError("already exists; a key is never replaced (choose another --out)",
                             path=str(path)) from None
    except OSError as exc:
        raise WorkbenchError(f"cannot write the key: {exc.strerror or exc}", path=str(path)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
