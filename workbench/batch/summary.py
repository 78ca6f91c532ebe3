"""The batch's judgement: one row per requirement, and the overall result per level.

A row's verdict is the final verdict (the inspector's, else the automatic check's, else
PENDING), or ERROR when its notebook failed. A level is PASS only if every requirement up to
that level is PASS or NOT_APPLICABLE and none is stale; FAIL if any current verdict is FAIL;
otherwise INCOMPLETE, with what is still pending.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DECIDED_OK = frozenset({"PASS", "NOT_APPLICABLE"})
ERROR = "ERROR"
PENDING = "PENDING"
STARS = {1: "★", 2: "★★", 3: "★★★"}

MAPPING_LABELS = {
    "etsi_en_303_645": "EN 303 645",
    "ts_103_701_ixit": "TS 103 701",
    "nistir_8259a": "NISTIR 8259A",
    "nist_ir_8425": "NIST IR 8425",
    "uk_psti": "UK PSTI",
    "jc_star": "JC-STAR",
    "ccds": "CCDS",
}


@dataclass
class CheckRow:
    id: str
    title: str
    level: int
    automation: str
    verdict: str
    verdict_source: str  # inspector | automatic | pending | error
    stale: bool = False
    proposed: str | None = None  # the check's own proposed verdict
    findings: int = 0
    reasons: list[str] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)
    mappings: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    page: str = ""
    notebook: str = ""
    seconds: float = 0.0
    inspector: dict[str, Any] | None = None  # who recorded the verdict, when, why
    warnings: list[str] = field(default_factory=list)

    @property
    def stars(self) -> str:
        return STARS.get(self.level, "?")

    @property
    def decided_ok(self) -> bool:
        return self.verdict in DECIDED_OK and not self.stale

    @property
    def mapping_text(self) -> list[str]:
        return [f"{MAPPING_LABELS.get(k, k)}: {', '.join(v)}" for k, v in self.mappings.items() if v]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def level_results(rows: list[CheckRow], max_level: int) -> dict[int, dict[str, Any]]:
    """Overall result for each level 1..max_level; a level includes every lower one."""
    results: dict[int, dict[str, Any]] = {}
    for level in range(1, max_level + 1):
        considered = [r for r in rows if r.level <= level]
        failed = [r.id for r in considered if r.verdict == "FAIL" and not r.stale]
        pending = [
            {"id": r.id, "verdict": r.verdict, "why": _why_pending(r)}
            for r in considered
            if not r.decided_ok and r.id not in failed
        ]
        if failed:
            result = "FAIL"
        elif pending:
            result = "INCOMPLETE"
        else:
            result = "PASS"
        results[level] = {
            "level": level,
            "stars": STARS.get(level, "?"),
            "result": result,
            "requirements": len(considered),
            "passed": sum(1 for r in considered if r.decided_ok),
            "failed": failed,
            "pending": pending,
        }
    return results


def evidence_to_add(rows: list[CheckRow]) -> dict[str, list[str]]:
    """Evidence kind -> requirement ids that lack it, for requirements not yet decided."""
    wanted: dict[str, list[str]] = {}
    for row in rows:
        if row.decided_ok or row.verdict == "FAIL":
            continue
        for kind in row.missing_evidence:
            wanted.setdefault(kind, []).append(row.id)
    return dict(sorted(wanted.items()))


def _why_pending(row: CheckRow) -> str:
    if row.verdict == ERROR:
        return f"notebook error: {row.error}"
    if row.stale:
        return f"inspector verdict {row.verdict} is stale: the evidence changed since; re-confirm it"
    if row.verdict == PENDING or row.verdict == "NEEDS_INSPECTOR":
        return "an inspector's verdict is needed"
    if row.missing_evidence:
        return "missing evidence: " + ", ".join(row.missing_evidence)
    return (row.reasons[0] if row.reasons else f"verdict {row.verdict}")
