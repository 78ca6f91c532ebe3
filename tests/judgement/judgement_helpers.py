"""Real cases for the judgement tests: captures from the shared corpus, verdicts recorded in the store."""

from __future__ import annotations

from pathlib import Path

from corpus_captures import CORPUS

from workbench.case import Case, CaseInfo
from workbench.checks.context import EvidenceContext
from workbench.judgement import RequirementState, assess, hashes_now

PCAP = CORPUS / "zeek__http_basic-auth-with-colon.pcap"  # HTTP basic auth in clear: COM-01 fails
SECOND_PCAP = CORPUS / "zeek__dns53.pcap"


def new_case(path: Path, level: int = 3) -> Case:
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=level,
                    inspectors=["alice"])
    return Case.create(path, info)


def declare(case: Case, tmp: Path, text: str = "support_period: {end: 2030-12-31}\n") -> None:
    declaration = tmp / "declaration.yaml"
    declaration.write_text(text)
    case.declare(declaration)


def states(case: Case, catalog, ids: list[str] | None = None) -> dict[str, RequirementState]:
    """Every requirement (or `ids`) of the catalogue, its real check run and judged."""
    hashes = hashes_now(case)
    chosen = [catalog.get(i) for i in ids] if ids else catalog.requirements
    return {r.id: assess(EvidenceContext(case, r), hashes) for r in chosen}
