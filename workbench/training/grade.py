"""Grade a trainee's case against an instructor's answer key, by evidence.

Only verdicts the trainee recorded count (the verdict store of the case): a check's proposal is
not an answer until the trainee confirms it. Per keyed requirement: 2 points for a right verdict,
and, when it is right, 1 point per planted defect found: one of the verdict's evidence references
points at one of the defect's places (`workbench.training.cite`). The rationale's words never
count. A FAIL-worthy requirement judged PASS or NOT_APPLICABLE, or left unanswered, is a missed
defect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.case import Case
from workbench.judgement import DECIDED_OK
from workbench.training.cite import CaseEvidence, found_defects
from workbench.training.key import AnswerKey, ExpectedAnswer

VERDICT_POINTS = 2
CLEAN = DECIDED_OK  # a verdict that lets a level pass: judging a defect so is missing it


@dataclass(frozen=True)
class RequirementGrade:
    requirement_id: str
    expected: str
    given: str | None
    outcome: str  # correct | missed | false_alarm | inconclusive | wrong | unanswered
    points: int
    max_points: int
    cited: tuple[str, ...] = ()  # the defects found (the keys of `found`, in the key's order)
    not_cited: tuple[str, ...] = ()  # the others
    note: str = ""
    found: dict[str, str] = field(default_factory=dict)  # defect id -> the trainee's ref that found it


@dataclass(frozen=True)
class Grade:
    exercise: str
    title: str
    trainee: str
    case: str
    points: int
    max_points: int
    missed_defects: int
    pass_mark: float
    max_missed_defects: int
    requirements: tuple[RequirementGrade, ...] = field(default_factory=tuple)

    @property
    def score(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0

    @property
    def passed(self) -> bool:
        return self.score >= self.pass_mark and self.missed_defects <= self.max_missed_defects

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": round(self.score, 4), "passed": self.passed}


def grade_case(case: Case, key: AnswerKey) -> Grade:
    records = {rid: case.verdicts.latest(rid) for rid in key.answers}
    evidence = CaseEvidence(case)
    evidence.load_flows(_spots(evidence, key, records))  # each capture read once for every packet
    rows = [_grade_one(evidence, rid, answer, records[rid]) for rid, answer in key.answers.items()]
    trainees = sorted({r.inspector for r in records.values() if r is not None})
    return Grade(
        exercise=key.exercise,
        title=key.title,
        trainee=", ".join(trainees) or "(no verdict recorded)",
        case=str(case.path),
        points=sum(r.points for r in rows),
        max_points=sum(r.max_points for r in rows),
        missed_defects=sum(1 for r in rows if r.outcome == "missed"
                           or (r.outcome == "unanswered" and r.expected == "FAIL")),
        pass_mark=key.pass_mark,
        max_missed_defects=key.max_missed_defects,
        requirements=tuple(rows),
    )


def _spots(evidence: CaseEvidence, key: AnswerKey, records: dict[str, Any]) -> list[Any]:
    spots = [evidence.resolve(place) for answer in key.answers.values()
             for defect in answer.defects for place in defect.evidence]
    spots += [evidence.read(ref) for record in records.values() if record is not None
              for ref in record.evidence_refs]
    return spots


def _grade_one(evidence: CaseEvidence, rid: str, answer: ExpectedAnswer, record: Any) -> RequirementGrade:
    max_points = VERDICT_POINTS + len(answer.defects)
    ids = tuple(d.id for d in answer.defects)
    if record is None:
        return RequirementGrade(rid, answer.verdict, None, "unanswered", 0, max_points,
                                not_cited=ids, note=answer.note)
    given = str(record.verdict)
    right = given in answer.right_verdicts
    found = found_defects(evidence, answer.defects, record.evidence_refs) if right else {}
    points = (VERDICT_POINTS + len(found)) if right else 0
    return RequirementGrade(rid, answer.verdict, given, _outcome(answer, given, right), points, max_points,
                            cited=tuple(i for i in ids if i in found),
                            not_cited=tuple(i for i in ids if i not in found), note=answer.note, found=found)


def _outcome(answer: ExpectedAnswer, given: str, right: bool) -> str:
    if right:
        return "correct"
    if answer.verdict == "FAIL" and given in CLEAN:
        return "missed"
    if answer.verdict in CLEAN and given == "FAIL":
        return "false_alarm"
    return "inconclusive" if given == "INCONCLUSIVE" else "wrong"
