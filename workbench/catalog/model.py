"""The catalogue's data model: what a requirement is, and what a catalogue file may contain.

Everything here is data validation; no requirement text lives in Python. The same models
produce the JSON Schema of the file format (`workbench catalog schema`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, field_validator, model_validator

from workbench.errors import WorkbenchError
from workbench.i18n import LANGUAGES, N_, check_language, gettext_in, language

SCHEMA_VERSION = 1

# Patterns double as the JSON Schema's; `messages.PATTERN_HINTS` says each one in words.
ID_PATTERN = r"^[A-Z][A-Z0-9]*(?:[-.][A-Z0-9]+)*$"
EDITION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
SLUG_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
PARAMETER_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"  # one line, no control characters
TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"  # tabs and newlines allowed
EN_303_645_PATTERN = r"^(?:\d+\.\d+|\d+)-\d+$"  # "5.1-1", "6-1"
IXIT_PATTERN = r"^IXIT (?:[1-9]|1\d|2[0-9])$"  # TS 103 701 IXIT sections 1..29
JC_STAR_PATTERN = r"^S[1-4]\.\d+-\d{2}$"  # "S1.1-01"
CCDS_PATTERN = r"^\d+(?:-\d+){1,2}$"  # "1-1-1", "2-1"
UK_PSTI_PATTERN = r"^[1-3]$"  # the three security requirements of the PSTI regulations

Language = Literal["en", "ja"]  # the languages the workbench speaks (workbench.i18n.LANGUAGES)
EvidenceName = Literal["capture", "firmware", "declaration", "inspector", "probe"]
Automation = Literal["automatic", "assisted", "manual"]
Level = Literal[1, 2, 3]

Line = Annotated[str, Field(min_length=1, max_length=160, pattern=LINE_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=8000, pattern=TEXT_PATTERN)]
Step = Annotated[str, Field(min_length=1, max_length=2000, pattern=TEXT_PATTERN)]

NistirCapability = Literal[
    "Device Identification",
    "Device Configuration",
    "Data Protection",
    "Logical Access to Interfaces",
    "Software Update",
    "Cybersecurity State Awareness",
]
NistIr8425Outcome = Literal[
    "Asset Identification",
    "Changeable Configuration",
    "Data Protection",
    "Interface Access Control",
    "Software Update",
    "Cybersecurity State Awareness",
    "Documentation",
    "Information",
]


def _unique(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"lists {value!r} twice")
        seen.add(value)
    return values


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Mappings(_Frozen):
    """Where a requirement meets the published schemes. Empty means: not known, not invented."""

    etsi_en_303_645: list[Annotated[str, Field(pattern=EN_303_645_PATTERN)]] = Field(
        default_factory=list, description='ETSI EN 303 645 provisions, e.g. "5.1-1", "6-1"'
    )
    ts_103_701_ixit: list[Annotated[str, Field(pattern=IXIT_PATTERN)]] = Field(
        default_factory=list, description='ETSI TS 103 701 IXIT sections, e.g. "IXIT 1"'
    )
    nistir_8259a: list[NistirCapability] = Field(
        default_factory=list, description="NISTIR 8259A core device cybersecurity capabilities"
    )
    nist_ir_8425: list[NistIr8425Outcome] = Field(
        default_factory=list, description="NIST IR 8425 consumer IoT product outcomes"
    )
    uk_psti: list[Annotated[str, Field(pattern=UK_PSTI_PATTERN)]] = Field(
        default_factory=list,
        description="UK PSTI security requirements: 1 passwords, 2 reporting issues, 3 update period",
    )
    jc_star: list[Annotated[str, Field(pattern=JC_STAR_PATTERN)]] = Field(
        default_factory=list, description='IPA JC-STAR items, e.g. "S1.1-02"'
    )
    ccds: list[Annotated[str, Field(pattern=CCDS_PATTERN)]] = Field(
        default_factory=list, description='CCDS requirement guideline items (2021 numbering), e.g. "1-1-1"'
    )

    @field_validator("*")
    @classmethod
    def _no_repeats(cls, values: list[str]) -> list[str]:
        return _unique(values)

    def items(self) -> list[tuple[str, list[str]]]:
        """(scheme, values) for every scheme with at least one value, in schema order."""
        return [(name, list(getattr(self, name))) for name in type(self).model_fields if getattr(self, name)]


# The fields a person reads, in the catalogue's language and in each translation.
TEXT_FIELDS = ("title", "statement", "rationale", "typical_failure", "pass_criteria", "inspection_method")

# The visible mark of a text shown in the catalogue's language because the one asked for is missing:
# keyed by the language the text IS in, translated into the language the reader asked for.
_ONLY_MARKS = {"en": N_("(English only)"), "ja": N_("(Japanese only)")}


class RequirementTranslation(_Frozen):
    """A requirement's text in one more language. Every field is required for a language the
    catalogue declares (the loader says which are missing); each has the constraints of the
    requirement's own field."""

    title: Line | None = Field(default=None, description="short title, one line")
    statement: Text | None = None
    rationale: Text | None = None
    typical_failure: Text | None = None
    pass_criteria: list[Step] | None = Field(default=None, min_length=1)
    inspection_method: list[Step] | None = Field(default=None, min_length=1)


class EditionTranslation(_Frozen):
    """The edition header's text in one more language."""

    title: Line | None = Field(default=None, description="the edition's title in this language")


@dataclass(frozen=True)
class RequirementText:
    """A requirement's text in one language (`Requirement.text(lang)`).

    `language` is the language the text is in; `fallback` is True when the language asked for
    (`requested`) is not available and the catalogue's own language is shown: show `mark`.
    """

    title: str
    statement: str
    rationale: str
    typical_failure: str
    pass_criteria: tuple[str, ...]
    inspection_method: tuple[str, ...]
    language: str
    fallback: bool = False
    requested: str = ""

    @property
    def mark(self) -> str:
        """'' for a text in the language asked for; else e.g. "(English only)" / "（英語のみ）",
        in the language asked for."""
        if not self.fallback:
            return ""
        return gettext_in(self.requested or self.language, _ONLY_MARKS.get(self.language, "(English only)"))


class Requirement(_Frozen):
    """One requirement of a catalogue: what is required, why, how it is judged, where it maps."""

    id: Annotated[str, Field(min_length=3, max_length=32, pattern=ID_PATTERN)] = Field(
        description='stable identifier, e.g. "AUTH-01"; names notebooks and verdict folders'
    )
    title: Line = Field(description="short title, one line")
    statement: Text = Field(description="what the device (or its maker) must do")
    level: Level = Field(description="1 = ★, 2 = ★★, 3 = ★★★; a level includes all lower ones")
    category: Annotated[str, Field(max_length=40, pattern=SLUG_PATTERN)] = Field(
        description='topic, lower-case words joined by "-", e.g. "authentication"'
    )
    rationale: Text = Field(description="the threats the requirement answers")
    typical_failure: Text = Field(description="what a typical failing device looks like, for a trainee")
    pass_criteria: list[Step] = Field(min_length=1, description="concrete, testable conditions to pass")
    inspection_method: list[Step] = Field(min_length=1, description="the inspector's procedure, step by step")
    evidence: list[EvidenceName] = Field(min_length=1, description="evidence kinds the judgement draws on")
    automation: Automation = Field(description="automatic, assisted (indicators + inspector) or manual")
    mappings: Mappings = Field(default_factory=Mappings)
    parameters: dict[Annotated[str, Field(pattern=PARAMETER_NAME_PATTERN)], JsonValue] = Field(
        default_factory=dict, description="thresholds and lists the check reads (never Python constants)"
    )
    automatic_with: list[Literal["probe"]] = Field(
        default_factory=list,
        description="evidence that makes an assisted requirement automatic: when the check's verdict rests"
        " on it (e.g. a live probe of the device), that verdict is final unless an inspector records one",
    )
    translations: dict[Language, RequirementTranslation] = Field(
        default_factory=dict,
        description="the text fields in the other languages the catalogue declares (header `languages`),"
        " e.g. {ja: {title, statement, rationale, typical_failure, pass_criteria, inspection_method}};"
        " not part of the requirement's fingerprint: a new translation never makes a verdict stale",
    )
    _language: str = PrivateAttr(default="en")

    @field_validator("level", mode="before")
    @classmethod
    def _level_is_a_whole_number(cls, value: Any) -> Any:
        if type(value) is not int or value not in (1, 2, 3):
            raise ValueError(f"must be 1, 2 or 3 (got {value!r})")
        return value

    @field_validator("evidence")
    @classmethod
    def _no_repeated_evidence(cls, values: list[str]) -> list[str]:
        return _unique(values)

    @property
    def stars(self) -> str:
        return "★" * self.level

    @property
    def language(self) -> str:
        """The language of the requirement's own fields (its catalogue's header `language`)."""
        return self._language

    @property
    def languages(self) -> list[str]:
        """The languages the requirement's text is available in, its own first."""
        return [self._language, *(lang for lang in self.translations if lang != self._language)]

    def text(self, lang: str | None = None) -> RequirementText:
        """The text fields in `lang` (default: the current language, workbench.i18n.language()).

        When `lang` is not available the catalogue's own language is returned with fallback=True
        (a field missing from a translation, possible only outside a loaded catalogue, likewise).
        """
        wanted = _wanted(lang)
        own = {name: getattr(self, name) for name in TEXT_FIELDS}
        translation = self.translations.get(wanted) if wanted != self._language else None  # type: ignore[call-overload]
        if translation is None:
            return _text(own, self._language, fallback=wanted != self._language, requested=wanted)
        given = {name: getattr(translation, name) for name in TEXT_FIELDS}
        if any(value is None for value in given.values()):
            return _text(own, self._language, fallback=True, requested=wanted)
        return _text(given, wanted, fallback=False, requested=wanted)


def _wanted(lang: str | None) -> str:
    """`lang` as a language code ("ja_JP" -> "ja"); None or "": the current language."""
    if not lang:
        return language()
    return check_language(lang) if str(lang).strip().lower()[:2] in LANGUAGES else str(lang)


def _text(fields: dict[str, Any], lang: str, *, fallback: bool, requested: str) -> RequirementText:
    return RequirementText(
        title=fields["title"],
        statement=fields["statement"],
        rationale=fields["rationale"],
        typical_failure=fields["typical_failure"],
        pass_criteria=tuple(fields["pass_criteria"]),
        inspection_method=tuple(fields["inspection_method"]),
        language=lang,
        fallback=fallback,
        requested=requested,
    )


class EditionHeader(_Frozen):
    """The header every catalogue carries once: which edition this is."""

    edition: Annotated[str, Field(min_length=1, max_length=40, pattern=EDITION_PATTERN)] = Field(
        description='edition name, e.g. "2026.1" (quote it in YAML)'
    )
    title: Line
    published: date = Field(description="publication date, YYYY-MM-DD")
    supersedes: Annotated[str, Field(max_length=40, pattern=EDITION_PATTERN)] | None = Field(
        default=None, description="the edition this one replaces"
    )
    schema_version: Literal[1] = Field(description="version of this file format")
    language: Language = Field(
        default="en", description='the language of the requirements\' text fields: "en" (default) or "ja"'
    )
    declared_languages: list[Language] | None = Field(
        default=None,
        alias="languages",
        min_length=1,
        description="every language the catalogue provides, its own `language` included (default: only"
        " that one); each other one needs a translation of every requirement, e.g. [en, ja]",
    )
    translations: dict[Language, EditionTranslation] = Field(
        default_factory=dict,
        description="the edition's title in the other declared languages, e.g. {ja: {title}}",
    )
    live_tests: dict[
        Annotated[str, Field(pattern=PARAMETER_NAME_PATTERN)],
        dict[Annotated[str, Field(pattern=PARAMETER_NAME_PATTERN)], JsonValue],
    ] = Field(
        default_factory=dict,
        description="settings of the live probe's tests (`workbench probe`): per test, its rate limit"
        " (rate_per_s), its total time budget (budget_s) and what else it reads",
    )

    @field_validator("declared_languages")
    @classmethod
    def _no_repeated_languages(cls, values: list[str] | None) -> list[str] | None:
        return _unique(values) if values is not None else None

    @model_validator(mode="after")
    def _own_language_declared(self) -> EditionHeader:
        if self.declared_languages is not None and self.language not in self.declared_languages:
            raise ValueError(
                f"field 'languages': must include the catalogue's own language {self.language!r}"
                f" (got {', '.join(self.declared_languages)})"
            )
        return self

    @property
    def languages(self) -> list[str]:
        """The languages the catalogue provides, its own `language` first."""
        declared = self.declared_languages or [self.language]
        return [self.language, *(lang for lang in declared if lang != self.language)]

    def title_in(self, lang: str | None = None) -> str:
        """The edition's title in `lang` (default: the current language); its own title when that
        language is not available."""
        wanted = _wanted(lang)
        translation = self.translations.get(wanted) if wanted != self.language else None  # type: ignore[call-overload]
        return translation.title if translation is not None and translation.title else self.title


class CatalogFile(EditionHeader):
    """A catalogue file with its edition header (a whole catalogue, or the header file of a folder)."""

    model_config = ConfigDict(title="CatalogFile")
    requirements: list[Requirement] = Field(default_factory=list)


class RequirementsFile(_Frozen):
    """A further file of a catalogue folder: requirements only, the header lives in another file."""

    requirements: list[Requirement] = Field(min_length=1)


class Catalog(EditionHeader):
    """A loaded catalogue: the header and every requirement, in catalogue order."""

    requirements: list[Requirement] = Field(min_length=1)
    _source: str = PrivateAttr(default="")
    _sha256: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _ids_unique(self) -> Catalog:
        _unique([r.id for r in self.requirements])
        problems = language_problems(self, self.requirements)
        if problems:
            where, field, problem = problems[0]
            raise ValueError(": ".join(p for p in (where, f"field '{field}'", problem) if p))
        for requirement in self.requirements:
            requirement._language = self.language
        return self

    @property
    def source(self) -> str:
        """Where the catalogue was read from (a file or folder path)."""
        return self._source

    @property
    def sha256(self) -> str:
        """Digest of the catalogue's files, to pin exactly which text a judgement used."""
        return self._sha256

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.requirements]

    def get(self, requirement_id: str) -> Requirement:
        for requirement in self.requirements:
            if requirement.id == requirement_id:
                return requirement
        close = difflib.get_close_matches(str(requirement_id).upper(), self.ids, n=1, cutoff=0.8)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise WorkbenchError(f"no requirement {requirement_id!r} in catalogue {self.edition}{hint}")

    def __contains__(self, requirement_id: object) -> bool:
        return requirement_id in self.ids

    def for_level(self, level: int) -> list[Requirement]:
        """Requirements that apply at `level` (a level includes all lower ones)."""
        if isinstance(level, bool) or level not in (1, 2, 3):
            raise WorkbenchError(f"level must be 1, 2 or 3 (got {level!r})")
        return [r for r in self.requirements if r.level <= level]


def _stray(lang: str, own: str, declared: list[str], whose: str) -> str | None:
    """Why a translation into `lang` is refused, or None."""
    if lang == own:
        return f"is the catalogue's own language {own!r}: {whose} own fields are that text"
    if lang not in declared:
        return (
            f"language {lang!r} is not declared in the header's languages ({', '.join(declared)});"
            " declare it there or remove the translation"
        )
    return None


def language_problems(header: EditionHeader, requirements: list[Requirement]) -> list[tuple[str, str, str]]:
    """What the declared languages lack or the translations add: (where, field, problem) per problem.

    `where` is "" for the header, else "requirement ID". Every language the header declares besides
    its own needs the edition's title and every text field of every requirement; a translation into
    a language not declared, or into the catalogue's own, is refused.
    """
    own, declared = header.language, header.languages
    missing = f"is missing (the catalogue declares languages {', '.join(declared)})"
    problems: list[tuple[str, str, str]] = []
    owners: list[tuple[str, Any, tuple[str, ...], str]] = [("", header, ("title",), "the header's")]
    owners += [(f"requirement {r.id}", r, TEXT_FIELDS, "the requirement's") for r in requirements]
    for where, owner, fields, whose in owners:
        for lang in owner.translations:
            refused = _stray(lang, own, declared, whose)
            if refused:
                problems.append((where, f"translations.{lang}", refused))
        for lang in declared:
            if lang == own:
                continue
            translation = owner.translations.get(lang)
            if translation is None:
                # the header's only field is named; a requirement's whole translation is missing
                problems.append((where, f"translations.{lang}" + ("" if where else ".title"), missing))
                continue
            problems += [
                (where, f"translations.{lang}.{name}", missing)
                for name in fields
                if getattr(translation, name) is None
            ]
    return problems
