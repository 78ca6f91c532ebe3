"""Grade a trainee's case against an instructor's answer key.

Only verdicts the trainee recorded count (the verdict store of the case): a check's proposal is
not an answer until the trainee confirms it. Per keyed requirement: 2 points for a right verdict,
and, when it is right, 1 point per planted defect the rationale or evidence references cite.
A FAIL-worthy requirement judged PASS or NOT_APPLICABLE, or left unanswered, is a missed defect.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.case import Case
from workbench.judgement import DECIDED_OK
from workbench.training.key import AnswerKey, Defect, ExpectedAnswer

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
    cited: tuple[str, ...] = ()
    not_cited: tuple[str, ...] = ()
    note: str = ""


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
    rows = [_grade_one(case, rid, answer) for rid, answer in key.answers.items()]  # the key's order
    trainees = sorted({r.inspector for rid in key.answers if (r := case.verdicts.latest(rid))})
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


def _grade_one(case: Case, rid: str, answer: ExpectedAnswer) -> RequirementGrade:
    max_points = VERDICT_POINTS + len(answer.defects)
    record = case.verdicts.latest(rid)
    if record is None:
        return RequirementGrade(rid, answer.verdict, None, "unanswered", 0, max_points,
                                not_cited=tuple(d.id for d in answer.defects), note=answer.note)
    given = str(record.verdict)
    right = given in answer.right_verdicts
    text = _answer_text(record.rationale, record.evidence_refs)
    cited = tuple(d.id for d in answer.defects if right and _cites(text, d))
    not_cited = tuple(d.id for d in answer.defects if d.id not in cited)
    points = (VERDICT_POINTS + len(cited)) if right else 0
    return RequirementGrade(rid, answer.verdict, given, _outcome(answer, given, right), points, max_points,
                            cited, not_cited, answer.note)


def _outcome(answer: ExpectedAnswer, given: str, right: bool) -> str:
    if right:
        return "correct"
    if answer.verdict == "FAIL" and given in CLEAN:
        return "missed"
    if answer.verdict in CLEAN and given == "FAIL":
        return "false_alarm"
    return "inconclusive" if given == "INCONCLUSIVE" else "wrong"


def _answer_text(rationale: str, refs: tuple[Any, ...]) -> str:
    parts = [rationale or ""]
    parts += [r if isinstance(r, str) else json.dumps(r, sort_keys=True) for r in refs]
    return "\n".join(parts).casefold()


def _cites(text: str, defect: Defect) -> bool:
    return any(word.casefold() in text for word in defect.cite)
