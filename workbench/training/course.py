"""A course: the exercises of the qualified-inspector programme in the order trainees take them.

```yaml
course: qualified-inspector
title: Qualified IoT inspector
schema_version: 1
qualification: {mark: 0.8}        # mean score over a level's exercises needed to qualify at that level
translations: {ja: {title: 認定検査員}}   # optional: the title in another language (workbench.i18n)
exercises:                        # course order: basics first
  - key: acme-c100-clean.key.yaml  # relative to this file
  - key: lockly-l1.key.yaml
```
Each exercise's level and stage are its key's (workbench.training.key): the course never restates them;
its title (and its translations) too.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.case.yamlio import read_yaml
from workbench.errors import WorkbenchError
from workbench.training.key import AnswerKey, TitleText, languages_known, load_key, text_in

STAGE_ORDER = ("basics", "practice")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Qualification(_Strict):
    mark: float = Field(gt=0, le=1)  # mean score over every exercise up to a level


class ExerciseEntry(_Strict):
    key: str = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _relative(cls, value: str) -> str:
        if PurePosixPath(value).is_absolute() or Path(value).is_absolute():
            raise ValueError("a key file is named relative to the course file")
        return value


class CourseFile(_Strict):
    course: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    schema_version: Literal[1]
    qualification: Qualification
    exercises: tuple[ExerciseEntry, ...] = Field(min_length=1)
    translations: dict[str, TitleText] = Field(default_factory=dict)  # {ja: {title}}

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, value: dict[str, TitleText]) -> dict[str, TitleText]:
        return languages_known(value)


class CourseExercise(_Strict):
    """One exercise of the course: where its key is, and the key (its id, title, level and stage)."""

    key_path: Path
    key: AnswerKey

    @property
    def id(self) -> str:
        return self.key.exercise

    @property
    def title(self) -> str:
        return self.key.title

    def title_in(self, lang: str | None = None) -> str:
        return self.key.title_in(lang)

    @property
    def level(self) -> int:
        return self.key.level

    @property
    def stage(self) -> str:
        return self.key.stage


class Course(_Strict):
    course: str
    title: str
    qualification_mark: float
    exercises: tuple[CourseExercise, ...]
    path: Path
    translations: dict[str, TitleText] = {}

    def title_in(self, lang: str | None = None) -> str:
        """The course's title in `lang` (default: the current language), else the English one."""
        return text_in(self.title, self.translations, "title", lang)

    @property
    def levels(self) -> list[int]:
        """The ★ levels the course's exercises reach, lowest first."""
        return sorted({e.level for e in self.exercises})

    def exercise(self, exercise_id: str) -> CourseExercise | None:
        return next((e for e in self.exercises if e.id == exercise_id), None)

    def up_to(self, level: int) -> list[CourseExercise]:
        """The exercises a trainee must pass to qualify at `level` (course order)."""
        return [e for e in self.exercises if e.level <= level]


def load_course(path: str | Path) -> Course:
    """Read a course and every key it names; every problem is one line naming the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError("no such course file", path=str(path))
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise WorkbenchError("a course is a mapping (course, title, schema_version, qualification, "
                             "exercises)", path=str(path))
    try:
        parsed = CourseFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WorkbenchError(f"field '{where}': {first['msg']}", path=str(path)) from None
    exercises = tuple(_load_exercise(path, n, entry) for n, entry in enumerate(parsed.exercises))
    _check_unique(path, exercises)
    _check_order(path, exercises)
    return Course(course=parsed.course, title=parsed.title, qualification_mark=parsed.qualification.mark,
                  exercises=exercises, path=path.resolve(), translations=parsed.translations)


def _load_exercise(course_path: Path, index: int, entry: ExerciseEntry) -> CourseExercise:
    key_path = (course_path.parent / entry.key).resolve()
    try:
        key = load_key(key_path)
    except WorkbenchError as exc:
        raise WorkbenchError(f"field 'exercises.{index}.key': {exc}", path=str(course_path)) from None
    return CourseExercise(key_path=key_path, key=key)


def _check_unique(path: Path, exercises: tuple[CourseExercise, ...]) -> None:
    seen: set[str] = set()
    for index, exercise in enumerate(exercises):
        if exercise.id in seen:
            raise WorkbenchError(f"field 'exercises.{index}.key': exercise '{exercise.id}' is in the course "
                                 "twice", path=str(path))
        seen.add(exercise.id)


def _check_order(path: Path, exercises: tuple[CourseExercise, ...]) -> None:
    """Basics first: a basics exercise after a practice one is out of the course's order."""
    stages = [STAGE_ORDER.index(e.stage) for e in exercises]
    for index in range(1, len(stages)):
        if stages[index] < stages[index - 1]:
            raise WorkbenchError(f"field 'exercises.{index}.key': the basics exercise "
                                 f"'{exercises[index].id}' comes after a practice one; the course goes "
                                 "from basics to practice", path=str(path))
