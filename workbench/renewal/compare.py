"""`compare_cases`: two cases of one device side by side, requirement by requirement.

Each case is judged with its own catalogue (the new one with `catalog` when given), every requirement
of both up to the higher of the two levels. A row holds the old and the new verdict and findings, what
was fixed and what is new (`status`, workbench.renewal.rows), whether the old inspector verdict may
carry over (`offer`, workbench.renewal.carry) and what the row shows of it (`carry`: `carried` when the
new case's verdict carries it and it still stands, `redo` when the old case superseded it since).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from workbench import __version__
from workbench.case import Case, source_to_load
from workbench.catalog import load_catalog
from workbench.errors import WorkbenchError
from workbench.renewal.carried import carried_state
from workbench.renewal.carry import CARRIES, Carry, ImageDiffs, decide
from workbench.renewal.judging import Judged, judge_case
from workbench.renewal.notices import comparison_warnings
from workbench.renewal.rows import STATUSES, findings_of, only_in, status_of


@dataclass
class CaseComparison:
    old: dict[str, Any]  # path, device, firmware_version, catalog_edition, level
    new: dict[str, Any]
    level: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # two devices, one case twice, an image not unpacked
    compared_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def summary(self) -> dict[str, dict[str, int]]:
        statuses = Counter(r["status"] for r in self.rows)
        carries = Counter(r["carry"] for r in self.rows)
        return {
            "status": {s: statuses[s] for s in STATUSES},
            "carry": {c: carries[c] for c in CARRIES},
        }

    def row(self, requirement_id: str) -> dict[str, Any]:
        for row in self.rows:
            if row["id"] == requirement_id:
                return row
        raise WorkbenchError(f"{requirement_id} is not among the compared requirements")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": 1,
            "old": self.old,
            "new": self.new,
            "level": self.level,
            "compared_at": self.compared_at,
            "workbench_version": __version__,
            "summary": self.summary(),
            "warnings": list(self.warnings),
            "requirements": self.rows,
        }


def shown_path(case: Case, given: str | os.PathLike[str] | None = None) -> str:
    """A case's folder as a report shows it: relative to the current folder when below it, else as
    given (never expanded to an absolute path)."""
    where = case.path if given is None else os.path.abspath(given)
    here = os.getcwd()
    if os.path.commonpath([here, str(where)]) == here:
        return os.path.relpath(where, here)
    return str(given) if given is not None else str(case.path)


def describe(case: Case, catalog: Any, given: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    info = case.info
    return {
        "path": shown_path(case, given),
        "device": f"{info.vendor} {info.model} {info.firmware_version}",
        "name": info.device,
        "firmware_version": info.firmware_version,
        "catalog_edition": str(catalog.edition),
        "level": info.level,
    }


def compare_cases(
    old: Case, new: Case, *, catalog: Any = None, ids: list[str] | None = None,
    given: tuple[str | None, str | None] = (None, None),
) -> CaseComparison:
    """Compare two cases (`catalog`: the edition or path to judge the new case with; `ids`: only these;
    `given`: the two folders as the user named them, for the report)."""
    old_catalog = load_catalog(source_to_load(old.info))
    new_catalog = load_catalog(source_to_load(new.info, catalog))
    level = max(old.info.level, new.info.level)
    old_reqs = {r.id: r for r in old_catalog.for_level(level)}
    new_reqs = {r.id: r for r in new_catalog.for_level(level)}
    order = list(new_reqs) + [i for i in old_reqs if i not in new_reqs]
    if ids is not None:
        unknown = [i for i in ids if i not in old_reqs and i not in new_reqs]
        if unknown:
            listed = ", ".join(unknown)
            raise WorkbenchError(f"{listed}: not a requirement of either catalogue up to level {level}")
        order = [i for i in order if i in set(ids)]
    old_judged = judge_case(old, old_catalog, [old_reqs[i] for i in order if i in old_reqs])
    new_judged = judge_case(new, new_catalog, [new_reqs[i] for i in order if i in new_reqs])
    diffs = ImageDiffs(old, new)
    comparison = CaseComparison(describe(old, old_catalog, given[0]), describe(new, new_catalog, given[1]),
                                level, warnings=comparison_warnings(old, new, diffs))
    for rid in order:
        offer = decide(old, new, old_judged.get(rid), new_reqs.get(rid), str(new_catalog.edition), diffs)
        carry = carried(old, new_judged.get(rid)) or offer
        comparison.rows.append(compare_row(rid, old_judged.get(rid), new_judged.get(rid)) | {
            "carry": carry.carry, "carry_reason": carry.reason, "offer": offer.to_dict()})
    return comparison


def carried(old: Case, new: Judged | None) -> Carry | None:
    """The new case's verdict carried over from one of the old case's records: `carried` while that
    record stands, `redo` once the old case superseded it; None when the new verdict was not carried."""
    recorded = new.state.recorded if new is not None else None
    found = carried_state(old, recorded) if recorded is not None else None
    return Carry(*found) if found else None


def compare_row(rid: str, old: Judged | None, new: Judged | None) -> dict[str, Any]:
    """The two states of one requirement side by side (the carry decision is added by the caller)."""
    before = old.state if old else None
    after = new.state if new else None
    old_findings, new_findings = findings_of(before), findings_of(after)
    newly = only_in(new_findings, old_findings)
    shown = after or before
    assert shown is not None
    return {
        "id": rid,
        "title": shown.title,
        "level": shown.level,
        "automation": shown.automation,
        "old_verdict": before.verdict if before else None,
        "new_verdict": after.verdict if after else None,
        "old_proposed": before.proposed if before else None,
        "new_proposed": after.proposed if after else None,
        "old_source": before.source if before else None,
        "new_source": after.source if after else None,
        "old_stale": list(before.stale_reasons) if before else [],
        "new_stale": list(after.stale_reasons) if after else [],
        "old_findings": old_findings,
        "new_findings": new_findings,
        "fixed_findings": only_in(old_findings, new_findings),
        "new_only_findings": newly,
        "status": status_of(before, after, len(newly)),
        "old_record": record_summary(before.recorded) if before else None,
        "new_record": record_summary(after.recorded) if after else None,
    }


def record_summary(recorded: Any) -> dict[str, Any] | None:
    """An inspector verdict as the comparison and the renewal plan name it."""
    if recorded is None:
        return None
    return {
        "id": recorded.id,
        "verdict": recorded.verdict,
        "inspector": recorded.inspector,
        "recorded_at": recorded.recorded_at.isoformat(timespec="seconds"),
        "rationale": recorded.rationale,
        "catalog_edition": recorded.catalog_edition,
        "requirement_sha256": recorded.requirement_sha256,
        "carried_from": recorded.carried_from,
    }
