"""ETSI EN 303 645's provisions and TS 103 701's IXIT sections, as data (workbench/catalog/ts_103_701.yaml).

The declaration's ICS and IXIT are checked against it, `workbench case declare --convert` takes the
flat fields' sections from it, and the TS 103 701 report page its words. Nothing of the standards'
content lives in Python.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workbench.case.yamlio import describe_validation, read_yaml
from workbench.errors import CaseError

DATA_FILE = Path(__file__).resolve().parent.parent / "catalog" / "ts_103_701.yaml"  # beside the catalogue
PROVISION_SYNTAX = re.compile(r"(?:5\.(?:1[0-3]|[1-9])|6)-[1-9][0-9]?")  # "5.1-1" .. "5.13-1", "6-1"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provision(_Data):
    id: str = Field(pattern=PROVISION_SYNTAX.pattern)
    kind: Literal["M", "R"]
    title: str

    @property
    def clause(self) -> str:
        return self.id.split("-", 1)[0]


class FieldSection(_Data):
    section: int = Field(ge=1, le=29)
    title: str
    provisions: tuple[str, ...] = ()


class CaseText(_Data):
    name: str
    purpose: str
    units: dict[str, str] = Field(default_factory=dict)
    verdict: str


class Reference(_Data):
    standard: str
    version: str
    assessment: str
    assessment_version: str
    clauses: dict[str, str]
    provisions: tuple[Provision, ...]
    ixit_sections: dict[int, str]
    declaration_fields: dict[str, FieldSection]
    ics_to_confirm: str
    test_cases: dict[Literal["conceptual", "functional"], CaseText]
    results: dict[Literal["conforms", "does_not_conform", "not_applicable", "not_assessed"], str]

    @property
    def provision_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.provisions)

    def provision(self, provision_id: str) -> Provision | None:
        return next((p for p in self.provisions if p.id == provision_id), None)

    def order(self, provision_id: str) -> int:
        """Where a provision stands in the standard (unknown ones last)."""
        ids = self.provision_ids
        return ids.index(provision_id) if provision_id in ids else len(ids)

    def clause_title(self, provision_id: str) -> str:
        return self.clauses.get(provision_id.split("-", 1)[0], "")


@cache
def reference() -> Reference:
    """The bundled data (read once); CaseError naming the file if it is broken."""
    data = read_yaml(DATA_FILE, name=str(DATA_FILE))
    try:
        ref = Reference.model_validate(data)
    except ValidationError as exc:
        raise CaseError(describe_validation(exc), path=str(DATA_FILE)) from None
    unknown = {p for f in ref.declaration_fields.values() for p in f.provisions} - set(ref.provision_ids)
    if unknown or set(ref.ixit_sections) != set(range(1, 30)):
        raise CaseError("provisions or IXIT sections do not match the standard's", path=str(DATA_FILE))
    return ref


def provision_problem(value: object) -> str | None:
    """Why `value` is not an EN 303 645 provision id (None when it is one)."""
    if not isinstance(value, str):
        return f"a provision id is text like '5.1-1', not {type(value).__name__}"
    if not PROVISION_SYNTAX.fullmatch(value):
        shown = repr(value[:40]) + ("..." if len(value) > 40 else "")
        return f"{shown} is not an EN 303 645 provision id (like '5.1-1' or '6-2')"
    ref = reference()
    if value not in ref.provision_ids:
        return f"{value!r} is not a provision of {ref.standard} v{ref.version}"
    return None
