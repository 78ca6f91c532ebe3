"""The catalogue's data model: what a requirement is, and what a catalogue file may contain.

Everything here is data validation; no requirement text lives in Python. The same models
produce the JSON Schema of the file format (`workbench catalog schema`).
"""

from __future__ import annotations

import difflib
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, PrivateAttr, field_validator, model_validator

from workbench.errors import WorkbenchError

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
    live_tests: dict[
        Annotated[str, Field(pattern=PARAMETER_NAME_PATTERN)],
        dict[Annotated[str, Field(pattern=PARAMETER_NAME_PATTERN)], JsonValue],
    ] = Field(
        default_factory=dict,
        description="settings of the live probe's tests (`workbench probe`): per test, its rate limit"
        " (rate_per_s), its total time budget (budget_s) and what else it reads",
    )


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
