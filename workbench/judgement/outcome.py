"""A requirement's outcome as a file: what the batch judged, handed to the notebook that shows it.

    {"requirement_id", "result": CheckResult.to_dict() | null, "final": {"verdict", "source",
     "stale"}, "stale_reasons": [...], "error": str | null}

The batch computes each outcome once (workbench.judgement.state.assess) and writes it; the
notebook, given the file's path (`outcome_path`), renders it instead of running the check again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import WorkbenchError
from workbench.fsutil import atomic_write_json
from workbench.judgement.final import FinalVerdict

if TYPE_CHECKING:
    from workbench.checks.base import CheckResult
    from workbench.judgement.state import RequirementState


@dataclass(frozen=True)
class Outcome:
    requirement_id: str
    result: CheckResult | None
    final: FinalVerdict
    error: str | None = None


def write_outcome(path: Path, state: RequirementState) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, state.outcome())
    return path


def read_outcome(path: str | Path, requirement_id: str) -> Outcome:
    """The outcome in `path`, which must be `requirement_id`'s (a WorkbenchError otherwise)."""
    from workbench.checks.base import CheckResult

    try:
        data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
        if data["requirement_id"] != requirement_id:
            raise WorkbenchError(f"the outcome is {data['requirement_id']}'s", path=str(path))
        result = CheckResult.from_dict(data["result"]) if data.get("result") else None
        final = FinalVerdict.from_dict(data["final"])
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise WorkbenchError(f"cannot read the batch's outcome: {exc}", path=str(path)) from None
    return Outcome(requirement_id, result, final, data.get("error"))
