"""The yearly refresher's list: which exercises of a course touch a requirement a new catalogue edition
changed.

A keyed requirement changed when its fingerprint (workbench.catalog.fingerprint.requirement_sha256: its
text, criteria and parameters, not its mappings) differs between the key's edition and the new one; the
fields that differ are named as `workbench catalog diff` names them (workbench.catalog.diff). Titles (the
exercises', the requirements') are in the current language where the key and the catalogue have it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from workbench.catalog import load_catalog
from workbench.catalog.diff import compare_requirements
from workbench.catalog.fingerprint import requirement_sha256
from workbench.catalog.model import Catalog
from workbench.i18n import tr
from workbench.training.course import Course, CourseExercise

_UNHASHED_PREFIX = "mappings."  # a mapping to another standard changes no criterion (nor the hash)


@dataclass(frozen=True)
class ChangedRequirement:
    id: str
    title: str
    fields: tuple[str, ...]  # catalog diff's names: "statement", "parameters.min_tls_version", ...
    removed: bool = False  # the new edition no longer has it

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "fields": list(self.fields), "removed": self.removed}


@dataclass(frozen=True)
class ExerciseRefresh:
    exercise: str
    title: str
    key_edition: str
    changed: tuple[ChangedRequirement, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "title": self.title, "key_edition": self.key_edition,
                "changed": [c.to_dict() for c in self.changed]}


@dataclass(frozen=True)
class Refresher:
    edition: str
    exercises: tuple[ExerciseRefresh, ...]  # every exercise of the course, in course order

    @property
    def affected(self) -> list[ExerciseRefresh]:
        """The exercises to take again: those with at least one changed requirement."""
        return [e for e in self.exercises if e.changed]

    def to_dict(self) -> dict[str, Any]:
        return {"edition": self.edition, "exercises": [e.to_dict() for e in self.exercises],
                "affected": [e.exercise for e in self.affected]}


@cache
def _catalog(source: str | None) -> Catalog:
    return load_catalog(source)


def refresher(course: Course, edition: str) -> Refresher:
    """For each exercise, the keyed requirements that `edition` (a name or a lab catalogue's path) changed."""
    new = _catalog(edition)
    exercises = tuple(_exercise_refresh(e, new) for e in course.exercises)
    return Refresher(edition=new.edition, exercises=exercises)


def _exercise_refresh(exercise: CourseExercise, new: Catalog) -> ExerciseRefresh:
    old = _catalog(exercise.key.catalog)
    new_ids = set(new.ids)
    changed = []
    for rid in exercise.key.answers:
        before = old.get(rid)
        if rid not in new_ids:
            changed.append(ChangedRequirement(rid, before.text().title, (), removed=True))
            continue
        after = new.get(rid)
        if requirement_sha256(before) == requirement_sha256(after):
            continue
        fields = [c.field for c in compare_requirements(before, after)]
        hashed = tuple(f for f in fields if not f.startswith(_UNHASHED_PREFIX)) or tuple(fields)
        changed.append(ChangedRequirement(rid, after.text().title, hashed))
    return ExerciseRefresh(exercise.id, exercise.title_in(), old.edition, tuple(changed))


def refresher_lines(result: dict[str, Any]) -> list[str]:
    """The list (Refresher.to_dict()) as `workbench exercise refresher` prints it, in the current language."""
    affected = [e for e in result["exercises"] if e["changed"]]
    lines = [tr("Refresher for catalogue {edition}: {affected} of {total} exercises touch a changed "
                "requirement", edition=result["edition"], affected=len(affected),
                total=len(result["exercises"]))]
    for item in affected:
        lines.append("  " + tr("{exercise} (key edition {edition}): {title}", exercise=item["exercise"],
                               edition=item["key_edition"], title=item["title"]))
        for change in item["changed"]:
            if change["removed"]:
                line = tr("{id}  {title}: removed", id=change["id"], title=change["title"])
            else:
                line = f"{change['id']}  {change['title']}: {', '.join(change['fields'])}"
            lines.append(f"    ~ {line}")
    return lines
