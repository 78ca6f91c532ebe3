"""The instructor's view of a cohort: every trainee's exercise cases graded against the course's keys.

Per trainee per exercise the score (not attempted: no case, or no verdict on any keyed requirement),
progress in course order, the requirements most often missed (a FAIL judged clean or left unanswered, or
a planted defect not found) and qualification per ★ level: every exercise up to that level passed and
the mean score over them at least the course's qualification mark. A trainee who took an exercise
more than once is graded on the best attempt. Its texts (titles, shortfalls, warnings) are in the
current language (`write_report(..., lang)`); cohort.json says which (`language`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_json, atomic_write_text
from workbench.i18n import language, tr, use_language
from workbench.training.cohort_discover import FoundCase, find_exercise_cases
from workbench.training.course import Course, CourseExercise
from workbench.training.grade import Grade, grade_case

COHORT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Attempt:
    """A trainee's best graded case of one exercise (None: not attempted)."""

    exercise: CourseExercise
    grade: Grade | None
    case: str | None
    cases: int  # how many cases of this exercise the trainee has

    @property
    def attempted(self) -> bool:
        return self.grade is not None and any(r.given is not None for r in self.grade.requirements)

    @property
    def score(self) -> float:
        return self.grade.score if self.attempted and self.grade else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.attempted and self.grade and self.grade.passed)

    def to_dict(self) -> dict[str, Any]:
        grade = self.grade if self.attempted else None
        return {
            "exercise": self.exercise.id,
            "attempted": self.attempted,
            "score": round(grade.score, 4) if grade else None,
            "points": grade.points if grade else None,
            "max_points": grade.max_points if grade else None,
            "passed": self.passed,
            "missed_defects": grade.missed_defects if grade else None,
            "false_alarms": grade.false_alarms if grade else None,
            "defects_found": grade.defects_found if grade else None,
            "defects_planted": grade.defects_planted if grade else None,
            "shortfalls": grade.shortfalls() if grade else [],
            "case": self.case,
            "cases": self.cases,
            "requirements": [
                {"id": r.requirement_id, "expected": r.expected, "given": r.given, "outcome": r.outcome,
                 "points": r.points, "max_points": r.max_points, "defects_not_found": list(r.not_cited)}
                for r in (grade.requirements if grade else ())
            ],
        }


def _grade(found: FoundCase, exercise: CourseExercise, warnings: list[str]) -> Grade | None:
    try:
        return grade_case(found.case, exercise.key)
    except (WorkbenchError, OSError, ValueError) as exc:  # one trainee's broken case never stops the report
        warnings.append(f"{found.relative}: " + tr("not graded: {problem}", problem=exc))
        return None


def _rank(attempt: Attempt) -> tuple[bool, bool, float]:
    return attempt.attempted, attempt.passed, attempt.score


def grade_cohort(root: Path, course: Course) -> tuple[dict[str, list[Attempt]], list[str]]:
    """Per trainee (by name, sorted), one Attempt per course exercise in course order; and the warnings."""
    found, warnings = find_exercise_cases(root)
    best: dict[tuple[str, str], Attempt] = {}
    counts: Counter[tuple[str, str]] = Counter()
    for item in found:
        exercise = course.exercise(item.exercise)
        if exercise is None:
            warnings.append(f"{item.relative}: " + tr("exercise '{exercise}' is not in course {course}",
                                                      exercise=item.exercise, course=course.course))
            continue
        slot = (item.trainee, exercise.id)
        counts[slot] += 1
        attempt = Attempt(exercise, _grade(item, exercise, warnings), item.relative, 0)
        if slot not in best or _rank(attempt) > _rank(best[slot]):
            best[slot] = attempt
    trainees = sorted({name for name, _exercise in best}, key=lambda n: (n.casefold(), n))
    table = {
        name: [_with_count(best.get((name, e.id)), e, counts[(name, e.id)]) for e in course.exercises]
        for name in trainees
    }
    return table, warnings


def _with_count(attempt: Attempt | None, exercise: CourseExercise, cases: int) -> Attempt:
    if attempt is None:
        return Attempt(exercise, None, None, 0)
    return Attempt(exercise, attempt.grade, attempt.case, cases)


def progress(attempts: list[Attempt]) -> dict[str, Any]:
    """How far along the course a trainee is: passed and attempted counts, the next exercise to pass."""
    next_up = next((a.exercise.id for a in attempts if not a.passed), None)
    return {
        "passed": sum(a.passed for a in attempts),
        "attempted": sum(a.attempted for a in attempts),
        "total": len(attempts),
        "next": next_up,
        "scores": [round(a.score, 4) if a.attempted else None for a in attempts],
    }


def qualification(attempts: list[Attempt], course: Course) -> list[dict[str, Any]]:
    """Per ★ level of the course: every exercise up to it passed, and their mean score >= the mark."""
    levels = []
    for level in course.levels:
        within = [a for a in attempts if a.exercise.level <= level]
        mean = sum(a.score for a in within) / len(within)
        not_passed = [a.exercise.id for a in within if not a.passed]
        levels.append({
            "level": level,
            "qualified": not not_passed and mean >= course.qualification_mark,
            "mean_score": round(mean, 4),
            "exercises": len(within),
            "passed": len(within) - len(not_passed),
            "not_passed": not_passed,
        })
    return levels


def missed_requirements(table: dict[str, list[Attempt]]) -> list[dict[str, Any]]:
    """Requirements most often missed over every attempted exercise: how many trainees' attempts missed
    a FAIL (judged clean or unanswered), left a planted defect not found, or judged a clean requirement
    FAIL (a false alarm: what the clean exercises teach); most missed first."""
    missed: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "count": 0, "verdicts_missed": 0, "false_alarms": 0, "defects_not_found": 0, "exercises": set()})
    for attempts in table.values():
        for attempt in attempts:
            if not attempt.attempted or attempt.grade is None:
                continue
            for row in attempt.grade.requirements:
                wrong = row.outcome == "missed" or (row.outcome == "unanswered" and row.expected == "FAIL")
                not_found = len(row.not_cited)
                alarm = row.outcome == "false_alarm"
                if not (wrong or not_found or alarm):
                    continue
                entry = missed[row.requirement_id]
                entry["count"] += 1
                entry["verdicts_missed"] += int(wrong)
                entry["false_alarms"] += int(alarm)
                entry["defects_not_found"] += not_found
                entry["exercises"].add(attempt.exercise.id)
    rows = [{"id": rid, **entry, "exercises": sorted(entry["exercises"])} for rid, entry in missed.items()]
    return sorted(rows, key=lambda r: (-r["count"], -r["defects_not_found"], r["id"]))


def requirement_titles(course: Course) -> dict[str, str]:
    """Each keyed requirement's title, as its exercise's catalogue edition has it (in the current language
    where the edition has it, else its own language)."""
    from workbench.catalog import load_catalog

    titles: dict[str, str] = {}
    for edition in dict.fromkeys(e.key.catalog for e in course.exercises):
        catalog = load_catalog(edition)
        titles.update({r.id: r.text().title for r in catalog.requirements if r.id not in titles})
    return titles


def build_cohort(root: Path, course: Course, catalog: str | None = None) -> dict[str, Any]:
    """The cohort's report as data (cohort.json), with the refresher's list for edition `catalog` when
    given; the page is rendered from the same."""
    from workbench.training.refresher import refresher

    table, warnings = grade_cohort(root, course)
    titles = requirement_titles(course)
    trainees = [
        {"name": name, "exercises": [a.to_dict() for a in attempts], "progress": progress(attempts),
         "qualification": qualification(attempts, course)}
        for name, attempts in table.items()
    ]
    return {
        "schema_version": COHORT_SCHEMA_VERSION,
        "language": language(),
        "course": _course_dict(course),
        "trainees": trainees,
        "most_missed": [{**r, "title": titles.get(r["id"], "")} for r in missed_requirements(table)],
        "qualified": {str(level): [t["name"] for t in trainees
                                   if next(q for q in t["qualification"] if q["level"] == level)["qualified"]]
                      for level in course.levels},
        "refresher": refresher(course, catalog).to_dict() if catalog else None,
        "warnings": warnings,
    }


def _course_dict(course: Course) -> dict[str, Any]:
    return {
        "id": course.course,
        "title": course.title_in(),
        "qualification_mark": course.qualification_mark,
        "levels": course.levels,
        "exercises": [{"id": e.id, "title": e.title_in(), "level": e.level, "stage": e.stage,
                       "pass_mark": e.key.pass_mark, "catalog": e.key.catalog,
                       "requirements": len(e.key.answers)} for e in course.exercises],
    }


def write_report(root: Path, course: Course, out: Path, catalog: str | None = None,
                 lang: str | None = None) -> dict[str, Any]:
    """Write out/cohort.json and out/cohort.html (replacing them, never through a link), their texts in
    `lang` (default: the current language); the data."""
    from workbench.training.cohort_page import render_cohort

    with use_language(lang or language()):
        data = build_cohort(root, course, catalog)
        page = render_cohort(data)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / "cohort.json", data)
    atomic_write_text(out / "cohort.html", page)
    return data
