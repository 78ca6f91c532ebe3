"""Which requirements `workbench reproduce` must account for, whatever the bundle chose to include.

Every requirement of the catalogue the reproduction uses up to the bundle's level, plus any that
results.json lists or outcomes/ holds. The level is results.json's (the higher when the manifest
says another; the case's when neither is valid), and results.json's `partial: true` (a run with
`--only`) says that requirements it has no row of were not inspected by the vendor. Everything is
read from a verified bundle, and is still hostile: a field of the wrong shape is a problem of the
bundle (a difference), never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from workbench.case.artefacts import valid_requirement_id
from workbench.errors import WorkbenchError
from workbench.sealed.names import OUTCOMES_DIR, RESULTS

LEVELS = (1, 2, 3)


@dataclass
class Scope:
    level: int
    partial: bool
    ids: list[str]  # every requirement to account for, in the catalogue's order, others after
    rows: dict[str, dict[str, Any]]  # results.json's rows by id
    outcome_ids: set[str]
    results_readable: bool
    problems: list[str] = field(default_factory=list)  # the bundle contradicts itself: a difference
    warnings: list[str] = field(default_factory=list)

    def row(self, rid: str) -> dict[str, Any] | None:
        return self.rows.get(rid)

    def has_outcome(self, rid: str) -> bool:
        return rid in self.outcome_ids

    def not_inspected(self, rid: str) -> bool:
        """Left out by a partial run: no row, no outcome (a row without its outcome is missing one)."""
        return self.partial and rid not in self.rows and rid not in self.outcome_ids

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "partial": self.partial,
                "not_inspected": [rid for rid in self.ids if self.not_inspected(rid)]}


def bundle_scope(members: Any, manifest: dict[str, Any], case_level: int, catalog: Any) -> Scope:
    """The requirements to reproduce from the verified bundle `members` (VerifiedMembers)."""
    problems: list[str] = []
    results = _results(members, problems)
    rows = _rows(results, problems) if results is not None else {}
    level = _level(results or {}, manifest, case_level, problems)
    partial = _partial(results, problems)
    outcome_ids, warnings = _outcome_ids(members.view.outcome_ids())
    required = [r.id for r in catalog.for_level(level)]
    order = {r.id: n for n, r in enumerate(catalog.requirements)}
    ids = sorted({*required, *rows, *outcome_ids}, key=lambda rid: (order.get(rid, len(order)), rid))
    return Scope(level, partial, ids, rows, outcome_ids, results is not None, problems, warnings)


def _results(members: Any, problems: list[str]) -> dict[str, Any] | None:
    if not members.has(RESULTS):
        problems.append(f"the bundle holds no {RESULTS}: its level, its selection and its rows are unknown")
        return None
    try:
        data = json.loads(members.read(RESULTS))
    except (WorkbenchError, ValueError) as exc:
        problems.append(f"the bundle's {RESULTS} is unreadable: {exc}")
        return None
    if not isinstance(data, dict):
        problems.append(f"the bundle's {RESULTS} is not a JSON object")
        return None
    return data


def _rows(results: dict[str, Any], problems: list[str]) -> dict[str, dict[str, Any]]:
    listed = results.get("checks")
    if not isinstance(listed, list):
        problems.append(f"{RESULTS} holds no list of checks")
        return {}
    rows: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(listed):
        rid = row.get("id") if isinstance(row, dict) else None
        if not (isinstance(rid, str) and valid_requirement_id(rid)):
            problems.append(f"{RESULTS}: check {n + 1} is not a row of a requirement")
        elif rid in rows:
            problems.append(f"{RESULTS} lists {rid} twice")
        else:
            rows[rid] = row
    return rows


def _level(results: dict[str, Any], manifest: dict[str, Any], case_level: int, problems: list[str]) -> int:
    """results.json's level; the higher of the two when the manifest records another; else the case's."""
    stated = {RESULTS: results.get("level"), "the manifest": manifest.get("level")}
    valid = {where: v for where, v in stated.items() if type(v) is int and v in LEVELS}
    if RESULTS not in valid:
        problems.append(f"{RESULTS} records no valid level ({_shown(stated[RESULTS])})")
    if len(set(valid.values())) > 1:
        problems.append(f"{RESULTS} says level {valid[RESULTS]}, the manifest level {valid['the manifest']}: "
                        f"level {max(valid.values())} is reproduced")
    return max(valid.values(), default=case_level if case_level in LEVELS else max(LEVELS))


def _partial(results: dict[str, Any] | None, problems: list[str]) -> bool:
    if results is None:
        return False
    partial = results.get("partial")
    if not isinstance(partial, bool):
        problems.append(f"{RESULTS} does not say whether the run was partial ({_shown(partial)}): "
                        "taken as a complete run")
        return False
    return partial


def _outcome_ids(names: list[str]) -> tuple[set[str], list[str]]:
    ids, warnings = set(), []
    for rid in names:
        if valid_requirement_id(rid):
            ids.add(rid)
        else:
            warnings.append(f"{OUTCOMES_DIR}/{_shown(rid)}.json is no requirement's outcome: ignored")
    return ids, warnings


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:59] + "…"
