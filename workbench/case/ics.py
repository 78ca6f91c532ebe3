"""The declaration's two ETSI TS 103 701 parts: the ICS and the IXIT.

- ICS: per EN 303 645 provision, `supported` or `not_applicable` (then with a justification).
- IXIT: numbered implementation facts, `IXIT <section>-<n>`, each in one of the 29 IXIT sections,
  naming the provisions it informs and (`fields`) the flat declaration fields it describes.
A flat field's `ixit_ref` names an IXIT entry when the declaration has an `ixit` part.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from workbench.case.etsi import provision_problem, reference

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

IXIT_ID = re.compile(r"IXIT ([1-9]|1[0-9]|2[0-9])-([1-9][0-9]{0,2})")  # "IXIT 7-1": section 7, entry 1
SUPPORTED, NOT_APPLICABLE = "supported", "not_applicable"
TO_CONFIRM = "to confirm"  # how an ICS entry's notes say the manufacturer has not confirmed it yet


def _provision(value: Any) -> Any:
    problem = provision_problem(value)
    if problem:
        raise ValueError(problem)
    return value


ProvisionId = Annotated[str, BeforeValidator(_provision)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IcsEntry(_Strict):
    status: Literal["supported", "not_applicable"]
    justification: Text | None = None  # required when not applicable; welcome when supported
    notes: Text | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        """Accept "Not applicable", "not-applicable", "N/A" for not_applicable."""
        if not isinstance(value, str):
            return value
        word = value.strip().lower().replace(" ", "_").replace("-", "_")
        return NOT_APPLICABLE if word == "n/a" else word

    @model_validator(mode="after")
    def _justified(self) -> IcsEntry:
        if self.status == NOT_APPLICABLE and not self.justification:
            raise ValueError("a provision declared not applicable needs a justification")
        return self

    @property
    def not_applicable(self) -> bool:
        return self.status == NOT_APPLICABLE

    @property
    def to_confirm(self) -> bool:
        return bool(self.notes) and self.notes.lower().startswith(TO_CONFIRM)


class IxitEntry(_Strict):
    id: str = Field(pattern=IXIT_ID.pattern)
    section: int = Field(ge=1, le=29)
    title: Name
    text: LongText
    provisions: list[ProvisionId] = Field(default_factory=list)
    fields: list[str] = Field(default_factory=list)  # flat declaration fields this entry describes
    notes: Text | None = None

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        known = reference().declaration_fields
        for name in value:
            if name not in known:
                listed = ", ".join(known)
                raise ValueError(f"{name[:40]!r} is not a declaration field described by IXIT ({listed})")
        return value

    @model_validator(mode="after")
    def _in_its_section(self) -> IxitEntry:
        match = IXIT_ID.fullmatch(self.id)
        if match and int(match.group(1)) != self.section:
            raise ValueError(f"{self.id!r} is numbered in section {match.group(1)}, not {self.section}")
        return self

    @property
    def section_title(self) -> str:
        return reference().section_title(self.section)  # in the current language


def check_ics_keys(value: Any) -> Any:
    """The ICS is a mapping whose every key is a provision of EN 303 645."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"the ICS maps provision ids to entries, not a {type(value).__name__}")
    for key in value:
        problem = provision_problem(key)
        if problem:
            raise ValueError(problem)
    return value


def check_unique_ids(entries: list[IxitEntry]) -> list[IxitEntry]:
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"{entry.id!r} is the id of more than one entry")
        seen.add(entry.id)
    return entries


def next_ixit_id(section: int, taken: set[str]) -> str:
    """The first free `IXIT <section>-<n>`."""
    n = 1
    while f"IXIT {section}-{n}" in taken:
        n += 1
    return f"IXIT {section}-{n}"
