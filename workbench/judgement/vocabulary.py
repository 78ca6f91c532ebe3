"""Every verdict word of the workbench, in one place.

- What a check proposes: the `Verdict` enum of workbench.checks.base (re-exported here).
- What an inspector may record: `INSPECTOR_VERDICTS`, the verdict store's own rule
  (workbench.case.verdicts.RECORDABLE, re-exported: the case validates what it stores).
- What a requirement's final verdict can be besides those: `PENDING` (nobody has decided) and,
  in the batch and the case overview, `ERROR` (its check raised or its notebook failed).
- Where a final verdict comes from: `SOURCES`.
"""

from __future__ import annotations

from typing import Literal

from workbench.case.verdicts import RECORDABLE
from workbench.checks.base import Verdict

PENDING = "PENDING"
ERROR = "ERROR"
INSPECTOR_VERDICTS: tuple[str, ...] = RECORDABLE
CHECK_VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
FINAL_VERDICTS: tuple[str, ...] = (*INSPECTOR_VERDICTS, PENDING, ERROR)
DECIDED_OK = frozenset({Verdict.PASS.value, Verdict.NOT_APPLICABLE.value})  # a level may pass on these

Source = Literal["inspector", "automatic", "pending", "error"]
SOURCES: tuple[Source, ...] = ("inspector", "automatic", "pending", "error")

def text(value: object) -> str:
    """A verdict, source or automation as its plain word (enum members by their value)."""
    return str(getattr(value, "value", value))
