"""An instructor's answer key: the sample device, the verdict each requirement deserves and the
defects planted in it, each with the words that show a trainee found it.

```yaml
exercise: acme-c100-defects
title: Find the defects planted in the Acme C100 camera
schema_version: 1
device: ../cases/defective/device.yaml   # the sample device, as `workbench demo` describes one
catalog: "2026.1"
level: 2                                  # the trainee answers every requirement up to this level
pass_mark: 0.8                            # share of the points
max_missed_defects: 0                     # a FAIL-worthy requirement judged PASS fails the exercise
answers:
  COM-01:
    verdict: FAIL
    accept: []                            # other verdicts also counted right
    defects:
      - id: mqtt-login
        summary: MQTT CONNECT with user name and password to the broker on port 1883
        cite: ["mqtt", "1883"]            # any of these in the rationale or evidence = cited
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from workbench.case.yamlio import read_yaml
from workbench.errors import WorkbenchError
from workbench.judgement import INSPECTOR_VERDICTS

Verdict = Literal[INSPECTOR_VERDICTS]  # type: ignore[valid-type]  # a trainee answers as an inspector records


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Defect(_Strict):
    id: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    cite: tuple[str, ...] = Field(min_length=1)  # case-insensitive words, any one is enough

    @field_validator("cite")
    @classmethod
    def _no_blank_words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        if any(not w.strip() for w in words):
            raise ValueError("a cited word must not be blank")
        return tuple(w.strip() for w in words)


class ExpectedAnswer(_Strict):
    verdict: Verdict
    accept: tuple[Verdict, ...] = ()
    defects: tuple[Defect, ...] = ()
    note: str = ""  # what the instructor wants the trainee to learn here

    @property
    def right_verdicts(self) -> tuple[str, ...]:
        return (self.verdict, *self.accept)


class AnswerKey(_Strict):
    exercise: str = Field(min_length=1)
    title: str = Field(min_length=1)
    schema_version: Literal[1] = 1
    device: str = Field(min_length=1)
    catalog: str | None = None
    level: Literal[1, 2, 3]
    pass_mark: float = Field(default=0.8, gt=0, le=1)
    max_missed_defects: int = Field(default=0, ge=0)
    answers: dict[str, ExpectedAnswer] = Field(min_length=1)
    path: Path | None = Field(default=None, exclude=True)

    def device_spec(self) -> Path:
        """The sample device's description, relative to the key file."""
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.device).resolve()


def load_key(path: str | Path) -> AnswerKey:
    """Read and validate a key; every problem is one line naming the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise WorkbenchError("no such answer key", path=str(path))
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise WorkbenchError("an answer key is a mapping (exercise, title, device, level, answers)",
                             path=str(path))
    try:
        key = AnswerKey.model_validate({**data, "path": None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WorkbenchError(f"field '{where}': {first['msg']}", path=str(path)) from None
    key = key.model_copy(update={"path": path.resolve()})
    _check_ids(key, path)
    return key


def _check_ids(key: AnswerKey, path: Path) -> None:
    from workbench.catalog import load_catalog

    catalog = load_catalog(key.catalog)
    known = {r.id: r for r in catalog.requirements}
    for rid in key.answers:
        if rid not in known:
            raise WorkbenchError(f"answers: no requirement '{rid}' in catalogue {catalog.edition}",
                                 path=str(path))
        if known[rid].level > key.level:
            raise WorkbenchError(f"answers: {rid} is a level-{known[rid].level} requirement, above the "
                                 f"exercise's level {key.level}", path=str(path))
