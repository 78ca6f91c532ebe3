"""Grade a trainee's case against an instructor's answer key, by evidence.

Only verdicts the trainee recorded count (records by the trainee the case names; another
inspector's never): a check's proposal is not an answer until the trainee confirms it. With
feedback, the trainee's *first* verdict on a requirement is graded (later ones were given after
seeing the check's proposal and count only as revisions); without feedback, the latest.

Per keyed requirement: 2 points for a right verdict, and, when it is right, 1 point per planted
defect found: one of the verdict's evidence references points at one of the defect's places
(`workbench.training.cite`), unless the verdict cites more than the key's `max_stray_refs` places
that prove none of the requirement's defects (evidence is chosen, not dumped). The rationale's
words never count. A FAIL-worthy requirement judged PASS or NOT_APPLICABLE, or left unanswered,
is a missed defect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workbench.case import Case
from workbench.i18n import _, tr
from workbench.judgement import DECIDED_OK
from workbench.training.cite import CaseEvidence, cited_defects
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
    stray_refs: int = 0  # cited places that prove none of this requirement's defects
    revisions: int = 0  # the trainee's later verdicts on it, not graded (given after feedback)


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
    false_alarms: int = 0  # requirements the key deems clean, judged FAIL
    max_false_alarms: int | None = None
    defects_found: int = 0
    defects_planted: int = 0
    min_defects_found: float = 0.0

    @property
    def found_share(self) -> float:
        return self.defects_found / self.defects_planted if self.defects_planted else 1.0

    @property
    def score(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0

    @property
    def passed(self) -> bool:
        return (self.score >= self.pass_mark and self.missed_defects <= self.max_missed_defects
                and (self.max_false_alarms is None or self.false_alarms <= self.max_false_alarms)
                and self.found_share >= self.min_defects_found)

    def shortfalls(self) -> list[str]:
        """Why the exercise is not passed, one phrase each (empty when passed), in the current language."""
        reasons = []
        if self.score < self.pass_mark:
            reasons.append(tr("score {score:.0%} under the pass mark {mark:.0%}", score=self.score,
                              mark=self.pass_mark))
        if self.missed_defects > self.max_missed_defects:
            reasons.append(tr("{missed} FAIL-worthy requirement(s) judged clean or left unanswered "
                              "(at most {allowed})", missed=self.missed_defects,
                              allowed=self.max_missed_defects))
        if self.max_false_alarms is not None and self.false_alarms > self.max_false_alarms:
            reasons.append(tr("{alarms} false alarm(s): clean requirement(s) judged FAIL (at most {allowed})",
                              alarms=self.false_alarms, allowed=self.max_false_alarms))
        if self.found_share < self.min_defects_found:
            reasons.append(tr("{found} of {planted} planted defects proven by evidence "
                              "(at least {share:.0%})", found=self.defects_found,
                              planted=self.defects_planted, share=self.min_defects_found))
        return reasons

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "score": round(self.score, 4), "passed": self.passed,
                "shortfalls": self.shortfalls()}


def graded_records(case: Case, key: AnswerKey, rid: str) -> tuple[Any | None, int]:
    """The record graded for `rid` and how many of the trainee's other records on it are not."""
    exercise = case.info.exercise
    mine = [r for r in case.verdicts.history(rid) if exercise is None or r.inspector == exercise.trainee]
    if not mine:
        return None, 0
    return (mine[0] if key.feedback else mine[-1]), len(mine) - 1


def grade_case(case: Case, key: AnswerKey) -> Grade:
    """The grade of `case`; its texts (the title, shortfalls) in the current language."""
    graded = {rid: graded_records(case, key, rid) for rid in key.answers}
    records = {rid: record for rid, (record, _revisions) in graded.items()}
    evidence = CaseEvidence(case)
    evidence.load_flows(_spots(evidence, key, records))  # each capture read once for every packet
    rows = [_grade_one(evidence, key, rid, answer, graded[rid]) for rid, answer in key.answers.items()]
    named = case.info.exercise.trainee if case.info.exercise else None
    trainees = [named] if named else sorted({r.inspector for r in records.values() if r is not None})
    return Grade(
        exercise=key.exercise,
        title=key.title_in(),
        trainee=", ".join(trainees) or _("(no verdict recorded)"),
        case=str(case.path),
        points=sum(r.points for r in rows),
        max_points=sum(r.max_points for r in rows),
        missed_defects=sum(1 for r in rows if r.outcome == "missed"
                           or (r.outcome == "unanswered" and r.expected == "FAIL")),
        pass_mark=key.pass_mark,
        max_missed_defects=key.max_missed_defects,
        requirements=tuple(rows),
        false_alarms=sum(1 for r in rows if r.outcome == "false_alarm"),
        max_false_alarms=key.max_false_alarms,
        defects_found=sum(len(r.cited) for r in rows),
        defects_planted=sum(len(a.defects) for a in key.answers.values()),
        min_defects_found=key.min_defects_found,
    )


def _spots(evidence: CaseEvidence, key: AnswerKey, records: dict[str, Any]) -> list[Any]:
    spots = [evidence.resolve(place) for answer in key.answers.values()
             for defect in answer.defects for place in defect.evidence]
    spots += [evidence.read(ref) for record in records.values() if record is not None
              for ref in record.evidence_refs]
    return spots


def _grade_one(evidence: CaseEvidence, key: AnswerKey, rid: str, answer: ExpectedAnswer,
               graded: tuple[Any | None, int]) -> RequirementGrade:
    record, revisions = graded
    max_points = VERDICT_POINTS + len(answer.defects)
    ids = tuple(d.id for d in answer.defects)
    if record is None:
        return RequirementGrade(rid, answer.verdict, None, "unanswered", 0, max_points,
                                not_cited=ids, note=answer.note)
    given = str(record.verdict)
    right = given in answer.right_verdicts
    found, stray = cited_defects(evidence, answer.defects, record.evidence_refs)
    if not right or stray > key.max_stray_refs:
        found = {}
    points = (VERDICT_POINTS + len(found)) if right else 0
    return RequirementGrade(rid, answer.verdict, given, _outcome(answer, given, right), points, max_points,
                            cited=tuple(i for i in ids if i in found),
                            not_cited=tuple(i for i in ids if i not in found), note=answer.note, found=found,
                            stray_refs=stray, revisions=revisions)


def _outcome(answer: ExpectedAnswer, given: str, right: bool) -> str:
    if right:
        return "correct"
    if answer.verdict == "FAIL" and given in CLEAN:
        return "missed"
    if answer.verdict in CLEAN and given == "FAIL":
        return "false_alarm"
    return "inconclusive" if given == "INCONCLUSIVE" else "wrong"
