"""The states a batch judged, as one file: what the case overview shows when the batch runs it.

    {"level": int, "selected": [id, ...] | null, "requirements": [{"id", "title", "level",
     "automation", "verdict", "verdict_source", "stale", "proposed", "error", "missing_evidence",
     "reasons", ...}, ...]}

The batch writes its rows (ERROR where a check raised, a worker died or a notebook failed) once
every requirement notebook has run; `selected` names the requirements of an `--only` run (null:
every requirement up to `level`). The overview notebook, given the file's path (`states_path`),
shows these rows instead of judging the case again, so that its page and index.html agree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_json


@dataclass(frozen=True)
class JudgedRequirement:
    """One requirement as the batch judged it (what the per-level roll-up and the overview read)."""

    id: str
    title: str
    level: int
    automation: str
    verdict: str
    source: str  # inspector | automatic | pending | error
    stale: bool
    proposed: str | None
    error: str | None
    missing_evidence: list[str]
    reasons: list[str]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> JudgedRequirement:
        return cls(
            id=str(row["id"]), title=str(row["title"]), level=int(row["level"]),
            automation=str(row["automation"]), verdict=str(row["verdict"]), source=str(row["verdict_source"]),
            stale=bool(row["stale"]), proposed=row.get("proposed"), error=row.get("error"),
            missing_evidence=list(row.get("missing_evidence") or ()), reasons=list(row.get("reasons") or ()),
        )


@dataclass(frozen=True)
class JudgedStates:
    level: int  # the batch's level: its rows are the requirements up to it (or those selected)
    selected: list[str] | None  # the ids of an --only run; None: every requirement up to `level`
    requirements: list[JudgedRequirement]


def write_states(path: Path, level: int, selected: list[str] | None, rows: Iterable[dict[str, Any]]) -> Path:
    """Write the batch's rows (dicts with at least JudgedRequirement's keys, as results.json has them)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, {"level": level, "selected": selected, "requirements": list(rows)})
    return path


def read_states(path: str | Path) -> JudgedStates:
    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        selected = data["selected"]
        return JudgedStates(
            level=int(data["level"]),
            selected=[str(rid) for rid in selected] if selected is not None else None,
            requirements=[JudgedRequirement.from_row(row) for row in data["requirements"]],
        )
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise WorkbenchError(f"cannot read the batch's judged states: {exc}", path=str(path)) from None
