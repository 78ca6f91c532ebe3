"""A requirement's final verdict: the inspector's, else the check's when fully automatic, else PENDING."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.i18n import N_, _, tr
from workbench.vocabulary import DECIDED_BY_ICS, PENDING, Source, Verdict, text

if TYPE_CHECKING:
    from workbench.case.verdicts import RecordedVerdict
    from workbench.checks.base import CheckResult

ICS_PENDING = N_("declared not applicable in the ICS; the inspector confirms")


@dataclass(frozen=True)
class FinalVerdict:
    verdict: str  # one of vocabulary.FINAL_VERDICTS
    source: Source
    stale: bool = False  # judged on evidence that has changed, gone, or been added to since
    detail: str = ""  # one line saying where the verdict comes from

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "source": self.source, "stale": self.stale}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FinalVerdict:
        return cls(str(data["verdict"]), data["source"], bool(data.get("stale", False)))


def final_verdict(
    requirement: Any,
    result: CheckResult | None,
    recorded: RecordedVerdict | None,
    current_hashes: dict[str, str],
    stale_reasons: list[str] | None = None,
) -> FinalVerdict:
    """Combine what the check proposed and what the inspector recorded.

    - An inspector's verdict always wins, and is marked stale if an artefact it judged changed, or
      for the `stale_reasons` given (workbench.judgement.staleness: changed, gone or added since).
    - Otherwise, for a requirement whose automation is "automatic", the check's verdict is final
      (stale if the result was derived from evidence no longer in the case). A check that asks
      for the inspector (NEEDS_INSPECTOR) leaves it pending. So is an assisted requirement's when
      the check's verdict rests on the evidence its `automatic_with` names (a live probe).
    - A check's NOT_APPLICABLE decided by the declaration's ICS alone is never final on its own:
      PENDING until an inspector confirms it.
    - Otherwise (assisted, manual, or no result yet) the requirement is PENDING.
    """
    if recorded is not None:
        return _inspectors(recorded, current_hashes, stale_reasons)
    if result is not None and declared_not_applicable(result):
        return FinalVerdict(PENDING, "pending", False, _(ICS_PENDING))
    automation = text(getattr(requirement, "automation", "")).lower()
    if result is not None and (automation == "automatic" or decided_with(requirement, result)):
        return _automatic(result, current_hashes)
    if result is None:
        return FinalVerdict(PENDING, "pending", False, _("no inspector verdict and no check result"))
    kind = automation or "non-automatic"
    return FinalVerdict(PENDING, "pending", False, tr("{kind} requirement: the inspector decides", kind=kind))


def declared_not_applicable(result: CheckResult) -> bool:
    """Whether the check proposes NOT_APPLICABLE because the manufacturer's ICS says so."""
    return text(result.verdict) == Verdict.NOT_APPLICABLE and DECIDED_BY_ICS in result.decided_by


def decided_with(requirement: Any, result: CheckResult) -> bool:
    """Whether the check's verdict rests on every kind of evidence that makes the requirement automatic."""
    wanted = {text(k) for k in getattr(requirement, "automatic_with", None) or ()}
    return bool(wanted) and wanted <= {text(k) for k in result.decided_by}


def _inspectors(
    recorded: RecordedVerdict, current_hashes: dict[str, str], stale_reasons: list[str] | None
) -> FinalVerdict:
    if stale_reasons is None:
        stale = [tr("{name} changed since", name=name) for name in recorded.stale_artefacts(current_hashes)]
    else:
        stale = list(stale_reasons)
    when = recorded.recorded_at.isoformat(timespec="seconds")
    if stale:
        detail = tr("recorded by {inspector} at {when}; stale: {reasons}", inspector=recorded.inspector,
                    when=when, reasons="; ".join(stale))
    else:
        detail = tr("recorded by {inspector} at {when}", inspector=recorded.inspector, when=when)
    return FinalVerdict(recorded.verdict, "inspector", bool(stale), detail)


def _automatic(result: CheckResult, current_hashes: dict[str, str]) -> FinalVerdict:
    verdict = text(result.verdict)
    if verdict == Verdict.NEEDS_INSPECTOR:
        return FinalVerdict(PENDING, "pending", False, _("the automatic check asks for the inspector"))
    present = set(current_hashes.values())
    gone = [h for h in result.evidence_used if h not in present]
    detail = _("automatic check")
    if gone:
        detail = tr("automatic check; stale: {n} input(s) no longer in the case", n=len(gone))
    return FinalVerdict(verdict, "automatic", bool(gone), detail)
