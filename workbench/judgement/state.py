"""One requirement's state: what its check proposed, what an inspector recorded, the final verdict.

`judge` is the one place a final verdict is reached, for `workbench case status`, the notebooks,
the case overview, the batch and training alike; `assess` runs the requirement's check first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from workbench.i18n import tr
from workbench.judgement.final import FinalVerdict, final_verdict
from workbench.judgement.staleness import hashes_now, stale_reasons
from workbench.vocabulary import ERROR, Source, Verdict, text

if TYPE_CHECKING:
    from workbench.case import Case, RecordedVerdict
    from workbench.catalog import Catalog
    from workbench.checks.base import Check, CheckResult
    from workbench.checks.context import EvidenceContext

_LATEST: Any = object()  # judge(): read the latest recorded verdict from the case's store


@dataclass(frozen=True)
class RequirementState:
    requirement: Any  # the catalogue's Requirement
    result: CheckResult | None  # what the check proposed (None: not run, or it raised)
    recorded: RecordedVerdict | None  # the latest inspector verdict in the case's store
    final: FinalVerdict
    stale_reasons: tuple[str, ...] = ()  # why the recorded verdict no longer matches the evidence
    error: str | None = None  # the check raised: the requirement is ERROR

    @property
    def id(self) -> str:
        return str(self.requirement.id)

    @property
    def title(self) -> str:
        return str(self.requirement.title)

    @property
    def level(self) -> int:
        return int(self.requirement.level)

    @property
    def automation(self) -> str:
        return text(self.requirement.automation)

    @property
    def proposed(self) -> str | None:
        return text(self.result.verdict) if self.result is not None else None

    @property
    def verdict(self) -> str:
        return ERROR if self.error else text(self.final.verdict)

    @property
    def source(self) -> Source:
        return "error" if self.error else self.final.source

    @property
    def stale(self) -> bool:
        return bool(self.final.stale) and not self.error

    @property
    def reasons(self) -> list[str]:
        return list(self.result.reasons) if self.result is not None else []

    @property
    def missing_evidence(self) -> list[str]:
        return [text(k) for k in self.result.missing_evidence] if self.result is not None else []

    @property
    def awaits_check(self) -> bool:
        """Nothing recorded and no check run yet, for a requirement the check decides alone."""
        return self.recorded is None and self.result is None and self.automation == "automatic"

    def outcome(self) -> dict[str, Any]:
        """Plain JSON: the check's result, the final verdict, an error (the notebook renders this)."""
        return {
            "requirement_id": self.id,
            "result": jsonable(self.result.to_dict()) if self.result is not None else None,
            "final": {"verdict": self.verdict, "source": self.source, "stale": self.stale},
            "stale_reasons": list(self.stale_reasons),
            "error": self.error,
        }


def judge(
    case: Case,
    requirement: Any,
    result: CheckResult | None,
    *,
    hashes: dict[str, str] | None = None,
    recorded: RecordedVerdict | None = _LATEST,
    error: str | None = None,
    catalog: Catalog | None = None,
) -> RequirementState:
    """The state of `requirement` given its check's `result` (None: none, or `error` says why).

    `hashes`: the case's hashes now (staleness.hashes_now), computed when not given; `recorded`:
    the latest inspector verdict, read from the case's store when not given; `catalog`: the
    catalogue `requirement` comes from (a verdict judged against another text of it is stale).
    """
    if recorded is _LATEST:
        recorded = case.verdicts.latest(requirement.id)
    now = hashes_now(case) if hashes is None else hashes
    reasons = stale_reasons(case, requirement, recorded, now, catalog=catalog)
    final = final_verdict(requirement, result, recorded, now, reasons)
    return RequirementState(requirement, result, recorded, final, tuple(reasons), error)


def check_for(requirement_id: str) -> Check | None:
    """The registered check of `requirement_id`, or None when the installation has none."""
    from workbench.checks.registry import UNITS, get_check

    return get_check(requirement_id) if requirement_id in UNITS else None


def no_check_result(requirement_id: str) -> CheckResult:
    from workbench.checks.base import CheckResult

    return CheckResult(
        requirement_id=requirement_id,
        verdict=Verdict.INCONCLUSIVE,
        reasons=(tr("no check is registered for {id} in this installation", id=requirement_id),),
    )


def run_check(ctx: EvidenceContext) -> CheckResult:
    """The result of the check of `ctx.requirement` (INCONCLUSIVE when none is registered)."""
    check = check_for(ctx.requirement.id)
    return no_check_result(ctx.requirement.id) if check is None else check.run(ctx)


def assess(
    ctx: EvidenceContext, hashes: dict[str, str] | None = None, *, catalog: Catalog | None = None
) -> RequirementState:
    """Run the requirement's check on `ctx` and judge (with `catalog`, the one `ctx.requirement`
    comes from); a check that raises makes the state ERROR."""
    try:
        result = run_check(ctx)
    except Exception as exc:  # a broken check is its requirement's ERROR, never the end of the others
        error = f"{type(exc).__name__}: {exc}"
        return judge(ctx.case, ctx.requirement, None, hashes=hashes, error=error, catalog=catalog)
    return judge(ctx.case, ctx.requirement, result, hashes=hashes, catalog=catalog)


def jsonable(value: Any) -> Any:
    """Plain JSON types only (enums as their values, tuples as lists, numpy scalars unwrapped)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return jsonable(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
