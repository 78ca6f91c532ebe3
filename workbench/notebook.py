"""The few calls a notebook makes: open a requirement's check (or the whole case), record, publish.

Imports stay light (the batch starts a kernel per notebook): no scapy, lief or matplotlib here.
Analyses are read from the case's cache through the EvidenceContext; nothing is re-analysed per
notebook.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.checks.base import CheckResult, Verdict
from workbench.checks.context import EvidenceContext
from workbench.errors import WorkbenchError

if TYPE_CHECKING:
    import pandas as pd

    from workbench.case import Artefact, Case
    from workbench.catalog import Catalog, Requirement
    from workbench.checks.base import Check

MIME_TYPE = "application/vnd.workbench.check+json"
INSPECTOR_VERDICTS = ("PASS", "FAIL", "NOT_APPLICABLE", "INCONCLUSIVE")
OVERVIEW_NOTEBOOK = "00-case-overview.ipynb"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# --- where the notebooks are -------------------------------------------------------------------
def notebooks_dir() -> Path:
    """The folder of requirement notebooks (WORKBENCH_NOTEBOOKS overrides the repository's)."""
    override = os.environ.get("WORKBENCH_NOTEBOOKS")
    return Path(override) if override else Path(__file__).resolve().parents[1] / "notebooks"


def notebook_path(requirement_id: str) -> Path:
    if not _SAFE_ID.match(requirement_id):
        raise WorkbenchError(f"not a requirement id: {requirement_id!r}")
    return notebooks_dir() / f"{requirement_id}.ipynb"


# --- opening -----------------------------------------------------------------------------------
def _open_case_and_catalog(case_dir: str | Path, catalog: str | Path | None) -> tuple[Case, Catalog]:
    from workbench.case import Case, source_to_load
    from workbench.catalog import load_catalog

    if not str(case_dir).strip():
        raise WorkbenchError("case_dir is empty: pass the case folder, e.g. -p case_dir cases/cam1")
    case = Case.open(case_dir)
    return case, load_catalog(source_to_load(case.info, catalog))


def open_check(
    case_dir: str | Path, requirement_id: str, catalog: str | Path | None = "", interactive: bool = True
) -> CheckSession:
    """Everything a requirement notebook shows, for one case and one requirement."""
    case, cat = _open_case_and_catalog(case_dir, catalog)
    requirement = cat.get(requirement_id)
    ctx = SharedContext(case=case, requirement=requirement)
    return CheckSession(case=case, requirement=requirement, ctx=ctx, interactive=interactive)


def open_case(
    case_dir: str | Path, catalog: str | Path | None = "", interactive: bool = True
) -> CaseOverview:
    """Everything the case overview notebook shows."""
    case, cat = _open_case_and_catalog(case_dir, catalog)
    return CaseOverview(case=case, catalog=cat, interactive=interactive)


# --- evidence, loaded once -------------------------------------------------------------------------
@dataclass
class SharedContext(EvidenceContext):
    """An EvidenceContext that loads each artefact's cached analysis once, however many times the
    check and the notebook's cells ask, and can share it with the contexts of other requirements."""

    # EvidenceContext keeps the loaded analyses in `_analyses`; this class only passes the dicts
    # of a whole overview to each requirement's context.


# --- staleness ------------------------------------------------------------------------------------
def judged_hashes(case: Case, requirement: Requirement, result: CheckResult | None) -> dict[str, str]:
    """Name -> SHA-256 of what a verdict on `requirement` rests on, as the case is now: recorded
    with the verdict.

    The case's artefacts of the evidence kinds the requirement names, its attachments, the
    declaration if named, and any other artefact the check's result was derived from.
    """
    hashes = dict(case.judged_hashes(requirement.evidence, requirement.id))
    used = set(result.evidence_used) if result is not None else set()
    hashes.update({n: h for n, h in case.current_hashes().items() if h in used})
    return hashes


def stale_reasons(
    case: Case, requirement: Requirement, result: CheckResult | None, recorded: Any
) -> list[str]:
    """Why a recorded verdict no longer matches the evidence (empty: it still does).

    The rule of workbench.case.staleness, the same `workbench case status` applies; `result` is
    not needed by it and is accepted for the callers' convenience.
    """
    from workbench.case.staleness import stale_reasons as case_stale_reasons

    return case_stale_reasons(case, requirement, recorded)


def final_with_staleness(
    case: Case, requirement: Requirement, result: CheckResult | None, recorded: Any
) -> Any:
    """workbench.case.final_verdict on the evidence as it is now, with an inspector's verdict
    stale by the rule of workbench.case.staleness (evidence changed, gone, or added since)."""
    from workbench.case import final_verdict
    from workbench.case.staleness import hashes_now
    from workbench.case.staleness import stale_reasons as case_stale_reasons

    now = hashes_now(case)
    reasons = case_stale_reasons(case, requirement, recorded, now)
    return final_verdict(requirement, result, recorded, now, reasons)


# --- one requirement ---------------------------------------------------------------------------
@dataclass
class CheckSession:
    case: Case
    requirement: Requirement
    ctx: EvidenceContext
    interactive: bool = True

    @cached_property
    def check(self) -> Check | None:
        from workbench.checks import get_check

        try:
            return get_check(self.requirement.id)
        except WorkbenchError:
            return None

    @cached_property
    def result(self) -> CheckResult:
        """The check's result, computed once per session from the cached analyses."""
        if self.check is None:
            return CheckResult(
                requirement_id=self.requirement.id,
                verdict=Verdict.INCONCLUSIVE,
                reasons=(f"no check is registered for {self.requirement.id} in this installation",),
            )
        return self.check.run(self.ctx)

    @property
    def current_hashes(self) -> dict[str, str]:
        return dict(self.case.current_hashes())

    @property
    def recorded(self) -> Any | None:
        """The latest inspector verdict in the case's store (read afresh on every access)."""
        return self.case.verdicts.latest(self.requirement.id)

    @property
    def final(self) -> Any:
        """The final verdict (inspector's, else automatic, else PENDING), with staleness."""
        return final_with_staleness(self.case, self.requirement, self.result, self.recorded)

    # evidence ------------------------------------------------------------------------------
    def table(self, kind: str, name: str) -> pd.DataFrame:
        """A table of the capture or firmware engine over every artefact of that kind."""
        if kind not in ("capture", "firmware"):
            raise WorkbenchError(f"no tables for evidence kind {kind!r}: use 'capture' or 'firmware'")
        return self.ctx.capture_table(name) if kind == "capture" else self.ctx.firmware_table(name)

    def has(self, kind: str) -> bool:
        return self.ctx.has(kind)

    def attachments(self) -> list[Artefact]:
        """Attachments added for this requirement (or for the whole case)."""
        chosen = []
        for artefact in self.case.artefacts(kind="attachment"):
            target = getattr(artefact, "requirement", None)
            if target in (None, "", self.requirement.id):
                chosen.append(artefact)
        return chosen

    def evidence_refs(self) -> list[str]:
        """Labels of the evidence the findings point at, each once, in order."""
        labels: dict[str, None] = {}
        for finding in self.result.findings:
            for ref in finding.evidence:
                labels.setdefault(ref.label(), None)
        return list(labels)

    def judged_hashes(self) -> dict[str, str]:
        """Name -> SHA-256 of what an inspector's verdict on this requirement rests on, now."""
        return judged_hashes(self.case, self.requirement, self.result)

    def stale_reasons(self) -> list[str]:
        """Why the recorded verdict no longer matches the evidence (empty: it still does)."""
        return stale_reasons(self.case, self.requirement, self.result, self.recorded)

    def is_stale(self) -> bool:
        return bool(self.stale_reasons())

    # recording and publishing -------------------------------------------------------------
    def record(
        self, verdict: str, rationale: str, inspector: str, evidence_refs: list[str] | None = None
    ) -> Any:
        """Append an inspector verdict to the case's store (never only into notebook state)."""
        if verdict not in INSPECTOR_VERDICTS:
            raise WorkbenchError(f"verdict must be one of {', '.join(INSPECTOR_VERDICTS)}, not {verdict!r}")
        if not rationale.strip():
            raise WorkbenchError("write a rationale: what you examined and why it supports the verdict")
        if not inspector.strip():
            raise WorkbenchError("give the inspector's name")
        return self.case.verdicts.record(
            self.requirement.id,
            verdict,
            rationale.strip(),
            inspector.strip(),
            evidence_refs=[r.strip() for r in (evidence_refs or []) if r.strip()],
            artefact_hashes=self.judged_hashes(),
            automatic_verdict=self.result.verdict,
        )

    def outcome(self) -> dict[str, Any]:
        """The payload the batch reads (CONTRACTS.md, "Notebooks and the batch")."""
        final = self.final
        return {
            "requirement_id": self.requirement.id,
            "result": _jsonable(self.result.to_dict()),
            "final": {
                "verdict": str(_value(final.verdict)),
                "source": str(_value(final.source)),
                "stale": bool(final.stale),
            },
        }

    def publish(self) -> dict[str, Any]:
        """Emit the outcome as one display output: the batch's MIME bundle plus readable views."""
        from workbench.ui.publish import outcome_html, outcome_text

        payload = self.outcome()
        from IPython.display import display

        display(
            {MIME_TYPE: payload, "text/html": outcome_html(payload), "text/plain": outcome_text(payload)},
            raw=True,
        )
        return payload


# --- the whole case ----------------------------------------------------------------------------
@dataclass
class RequirementStatus:
    requirement: Requirement
    applicable: bool
    result: CheckResult | None
    final_verdict: str
    source: str
    stale: bool
    error: str = ""


@dataclass
class CaseOverview:
    case: Case
    catalog: Catalog
    interactive: bool = True
    _tables: dict[Any, Any] = field(default_factory=dict, repr=False)
    _analyses: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def level(self) -> int:
        return int(self.case.info.level)

    @cached_property
    def statuses(self) -> list[RequirementStatus]:
        """Every requirement of the catalogue with its check result and final verdict."""
        return [self._status(r) for r in sorted(self.catalog.requirements, key=lambda r: (r.level, r.id))]

    def _status(self, requirement: Requirement) -> RequirementStatus:
        from workbench.checks import get_check

        applicable = requirement.level <= self.level
        recorded = self.case.verdicts.latest(requirement.id)
        try:
            ctx = SharedContext(
                case=self.case, requirement=requirement, _tables=self._tables, _analyses=self._analyses
            )
            result: CheckResult | None = get_check(requirement.id).run(ctx)
        except Exception as exc:  # one broken check must not hide the others
            final = final_with_staleness(self.case, requirement, None, recorded)
            return RequirementStatus(
                requirement,
                applicable,
                None,
                "ERROR",
                str(_value(final.source)),
                bool(final.stale),
                error=f"{type(exc).__name__}: {exc}",
            )
        final = final_with_staleness(self.case, requirement, result, recorded)
        return RequirementStatus(
            requirement,
            applicable,
            result,
            str(_value(final.verdict)),
            str(_value(final.source)),
            bool(final.stale),
        )

    def missing_kinds(self) -> dict[str, list[str]]:
        """Evidence kind -> applicable requirement ids whose check lacks it."""
        missing: dict[str, list[str]] = {}
        for status in self.statuses:
            if status.applicable and status.result is not None:
                for kind in status.result.missing_evidence:
                    missing.setdefault(str(_value(kind)), []).append(status.requirement.id)
        return missing

    def pending(self) -> list[str]:
        return [s.requirement.id for s in self.statuses if s.applicable and s.source == "pending"]


def _value(item: Any) -> Any:
    return getattr(item, "value", item)


def _jsonable(value: Any) -> Any:
    """Plain JSON types only (enums as their values, tuples as lists, numpy scalars unwrapped)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return _jsonable(value.value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
