"""A requirement's final verdict: the inspector's, else the check's when fully automatic, else PENDING."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from workbench.case.verdicts import RecordedVerdict
    from workbench.checks.base import CheckResult

PENDING = "PENDING"
Source = Literal["inspector", "automatic", "pending"]


@dataclass(frozen=True)
class FinalVerdict:
    verdict: str  # PASS, FAIL, NOT_APPLICABLE, INCONCLUSIVE or PENDING
    source: Source
    stale: bool = False  # judged on artefacts that have changed or gone since
    detail: str = ""  # one line saying where the verdict comes from

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "source": self.source, "stale": self.stale}


def _text(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def final_verdict(
    requirement: Any,
    result: CheckResult | None,
    recorded: RecordedVerdict | None,
    current_hashes: dict[str, str],
    stale_reasons: list[str] | None = None,
) -> FinalVerdict:
    """Combine what the check proposed and what the inspector recorded.

    - An inspector's verdict always wins, and is marked stale if an artefact it judged changed, or
      for the `stale_reasons` given (workbench.case.staleness: changed, gone or added since).
    - Otherwise, for a requirement whose automation is "automatic", the check's verdict is final
      (stale if the result was derived from evidence no longer in the case). A check that asks
      for the inspector (NEEDS_INSPECTOR) leaves it pending.
    - Otherwise (assisted, manual, or no result yet) the requirement is PENDING.
    """
    if recorded is not None:
        if stale_reasons is None:
            stale = [f"{name} changed since" for name in recorded.stale_artefacts(current_hashes)]
        else:
            stale = list(stale_reasons)
        detail = f"recorded by {recorded.inspector} at {recorded.recorded_at.isoformat(timespec='seconds')}"
        if stale:
            detail += f"; stale: {'; '.join(stale)}"
        return FinalVerdict(recorded.verdict, "inspector", bool(stale), detail)
    automation = _text(getattr(requirement, "automation", "")).lower()
    if automation == "automatic" and result is not None:
        verdict = _text(result.verdict)
        if verdict != "NEEDS_INSPECTOR":
            present = set(current_hashes.values())
            gone = [h for h in result.evidence_used if h not in present]
            detail = "automatic check"
            if gone:
                detail += f"; stale: {len(gone)} input(s) no longer in the case"
            return FinalVerdict(verdict, "automatic", bool(gone), detail)
        return FinalVerdict(PENDING, "pending", False, "the automatic check asks for the inspector")
    if result is None:
        return FinalVerdict(PENDING, "pending", False, "no inspector verdict and no check result")
    kind = automation or "non-automatic"
    return FinalVerdict(PENDING, "pending", False, f"{kind} requirement: the inspector decides")
