"""The records of a bundle as the formats read them (workbench.export.content builds them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workbench.checks.base import EvidenceRef as EvidenceItem  # where a finding can be seen
from workbench.vocabulary import ERROR


@dataclass(frozen=True)
class FindingItem:
    summary: str
    severity: str
    evidence: tuple[EvidenceItem, ...]
    data: dict[str, Any]


@dataclass(frozen=True)
class RequirementItem:
    """One row of results.json with its outcome's findings."""

    id: str
    title: str
    level: int
    automation: str
    verdict: str  # the final verdict (workbench.vocabulary.FINAL_VERDICTS)
    source: str  # inspector | automatic | pending | error
    stale: bool
    reasons: tuple[str, ...]
    mappings: dict[str, tuple[str, ...]]
    error: str | None
    page: str  # the requirement's page in the bundle, "" when it holds none
    seconds: float
    inspector: dict[str, Any] | None
    findings: tuple[FindingItem, ...] = ()
    stale_reasons: tuple[str, ...] = ()
    evidence_used: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        """pass, fail, not_applicable, pending (undecided, inconclusive or stale) or error."""
        if self.verdict == ERROR:
            return "error"
        if self.stale or self.verdict not in ("PASS", "FAIL", "NOT_APPLICABLE"):
            return "pending"
        return self.verdict.lower()


@dataclass(frozen=True)
class ArtefactItem:
    name: str
    kind: str
    sha256: str
    size: int | None
    archived: bool  # the bundle holds it under artefacts/


@dataclass(frozen=True)
class BundleContent:
    name: str
    edition: str
    level: int
    partial: bool
    started: datetime
    finished: datetime
    case: dict[str, Any]
    requirements: tuple[RequirementItem, ...]
    levels: dict[int, str]  # level -> PASS | FAIL | INCOMPLETE (the roll-up, each including the lower)
    artefacts: dict[str, ArtefactItem] = field(default_factory=dict)
    workbench_version: str = ""
    declaration_sha256: str = ""  # of case/declaration.yaml; "" when the bundle has none

    @property
    def has_declaration(self) -> bool:
        return bool(self.declaration_sha256)
