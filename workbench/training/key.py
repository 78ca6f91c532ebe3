"""An instructor's answer key: the sample device, the verdict each requirement deserves and the
defects planted in it, each with the places in the evidence that prove it.

```yaml
exercise: acme-c100-defects
title: Find the defects planted in the Acme C100 camera
schema_version: 2
device: ../cases/defective/device.yaml   # a sample device description, or a case folder (artefacts copied)
catalog: "2026.1"
level: 2                                  # the trainee answers every requirement up to this level
stage: practice                           # basics | practice: where the exercise sits in the course
pass_mark: 0.8                            # share of the points
max_missed_defects: 0                     # a FAIL-worthy requirement judged PASS fails the exercise
max_false_alarms: 0                       # optional: a PASS-worthy requirement judged FAIL fails it too
min_defects_found: 0.5                    # optional: at least half the planted defects found by evidence
max_stray_refs: 5                         # a verdict citing more places that prove none of its defects earns
                                          # no defect points: evidence is chosen, not dumped
feedback: true                            # after recording a verdict, the trainee sees the check's proposal
translations:                             # optional: the texts a trainee reads, in another language
  ja: {title: Acme C100 IP カメラに仕込まれた欠陥を見つける}
answers:
  COM-01:
    verdict: FAIL
    accept: []                            # other verdicts also counted right
    defects:
      - id: mqtt-login
        summary: MQTT CONNECT with user name and password to the broker on port 1883
        evidence:                         # citing any of these (or a place in the same flow or file) finds it
          - {kind: capture, packet: 57}
          - {kind: firmware, path: /etc/init.d/S50mqtt, offset: 0x40}
          - {kind: declaration, field: open_ports}
        unflagged: ...                    # only for a defect no check finding points at: why the checks
                                          # miss it and which table/column the trainee reads it in
        translations: {ja: {summary: ...}}  # optional: the summary in another language
```
A defect is found when the trainee's verdict on that requirement is right and one of its evidence
references points at one of these places: the same packet or any packet of the same flow; the same
file (any offset); the same declaration field. Words in the rationale never count.

The key's texts (its title, each defect's summary) are in English; `translations: {ja: {...}}` beside
them gives them in another language the workbench speaks (workbench.i18n). `title_in(lang)` and
`summary_in(lang)` return the text in `lang`, else the English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from workbench.case.yamlio import read_yaml
from workbench.errors import WorkbenchError
from workbench.i18n import DEFAULT_LANGUAGE, check_language, language
from workbench.judgement import INSPECTOR_VERDICTS

Verdict = Literal[INSPECTOR_VERDICTS]  # type: ignore[valid-type]  # a trainee answers as an inspector records


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def languages_known(value: dict[str, Any]) -> dict[str, Any]:
    """The keys of a `translations` mapping are languages the workbench speaks, other than English."""
    for code in value:
        try:
            known = check_language(code) == code
        except WorkbenchError:
            known = False
        if not known or code == DEFAULT_LANGUAGE:
            raise ValueError(f"'{code}' is not a translation's language (ja)")
    return value


def text_in(text: str, translations: dict[str, Any], field_name: str, lang: str | None) -> str:
    """`text`, or its translation into `lang` (default: the current language) when there is one."""
    code = check_language(lang) if lang else language()
    translated = translations.get(code)
    return getattr(translated, field_name, None) or text


class TitleText(_Strict):
    title: str = Field(min_length=1)


class SummaryText(_Strict):
    summary: str = Field(min_length=1)


PLACE_FIELD = {"capture": "packet", "probe": "packet", "firmware": "path", "declaration": "field"}


class Place(_Strict):
    """Where a defect can be seen: a packet of a capture (or of the probe's capture), a file in a firmware
    image (an offset narrows it, but any reference to the same file finds it), or a declaration field."""

    kind: Literal["capture", "firmware", "probe", "declaration"]
    artefact: str | None = None  # the artefact's name in the case; None: the case's only one of that kind
    packet: int | None = Field(default=None, ge=1)
    path: str | None = Field(default=None, min_length=2, pattern=r"^/")
    offset: int | None = Field(default=None, ge=0)
    field: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_place(self) -> Place:
        needed = PLACE_FIELD[self.kind]
        if getattr(self, needed) is None:
            raise ValueError(f"a {self.kind} place needs '{needed}'")
        if self.offset is not None and self.kind != "firmware":
            raise ValueError("'offset' belongs to a firmware place")
        return self

    def label(self) -> str:
        where = {"packet": self.packet, "path": self.path, "field": self.field}
        parts = [self.artefact or self.kind, *(f"{k} {v}" if k == "packet" else str(v)
                                                for k, v in where.items() if v is not None)]
        if self.offset is not None:
            parts.append(f"offset 0x{self.offset:x}")
        return " · ".join(parts)


class Defect(_Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    summary: str = Field(min_length=1)
    evidence: tuple[Place, ...] = Field(min_length=1)
    # why the check's findings point at none of the places, and where in the analysis tables the
    # trainee sees it; without it `key validate` takes such a defect for one the evidence does not show
    unflagged: str | None = Field(default=None, min_length=10)
    translations: dict[str, SummaryText] = Field(default_factory=dict)  # {ja: {summary}}

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, value: dict[str, Any]) -> dict[str, Any]:
        return languages_known(value)

    def summary_in(self, lang: str | None = None) -> str:
        return text_in(self.summary, self.translations, "summary", lang)


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
    schema_version: Literal[2]
    device: str = Field(min_length=1)
    catalog: str | None = None
    level: Literal[1, 2, 3]
    stage: Literal["basics", "practice"] = "practice"
    feedback: bool = True
    pass_mark: float = Field(default=0.8, gt=0, le=1)
    max_missed_defects: int = Field(default=0, ge=0)
    max_false_alarms: int | None = Field(default=None, ge=0)  # clean requirements judged FAIL; None: no limit
    min_defects_found: float = Field(default=0.0, ge=0, le=1)  # share of planted defects cited by evidence
    max_stray_refs: int = Field(default=5, ge=0)  # per verdict, places proving nothing; more: no points
    answers: dict[str, ExpectedAnswer] = Field(min_length=1)
    translations: dict[str, TitleText] = Field(default_factory=dict)  # {ja: {title}}
    path: Path | None = Field(default=None, exclude=True)

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, value: dict[str, Any]) -> dict[str, Any]:
        return languages_known(value)

    def title_in(self, lang: str | None = None) -> str:
        """The exercise's title in `lang` (default: the current language), else the English one."""
        return text_in(self.title, self.translations, "title", lang)

    def device_spec(self) -> Path:
        """The sample device's description (a device.yaml or a case folder), relative to the key file."""
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
    if data.get("schema_version") == 1 or "schema_version" not in data:
        raise WorkbenchError("answer key format 1 graded by words; format 2 grades by evidence: give each "
                             "defect its 'evidence' places (packet, file path, declaration field) and set "
                             "schema_version: 2 (`workbench exercise key new CASE` drafts one)",
                             path=str(path))
    try:
        key = AnswerKey.model_validate({**data, "path": None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise WorkbenchError(f"field '{where}': {first['msg']}", path=str(path)) from None
    key = key.model_copy(update={"path": path.resolve()})
    _check_ids(key, path)
    _check_defect_ids(key, path)
    return key


def _check_defect_ids(key: AnswerKey, path: Path) -> None:
    seen: set[str] = set()
    for rid, answer in key.answers.items():
        for defect in answer.defects:
            if defect.id in seen:
                raise WorkbenchError(f"answers.{rid}: defect id '{defect.id}' used twice", path=str(path))
            seen.add(defect.id)


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
