"""Every verdict word of the workbench, defined once.

A base module like workbench.errors: it imports nothing of the workbench, so the checks (which
propose), the case (which stores what an inspector records) and the judgement (which owns the rules
that combine them, workbench.judgement) all take their words from here.

- `Verdict`: what a check proposes.
- `INSPECTOR_VERDICTS`: what an inspector may record (`NEEDS_RATIONALE`: only with a rationale).
- `PENDING` (nobody has decided) and `ERROR` (a check raised or a notebook failed): the final
  verdicts besides those; `FINAL_VERDICTS` all of them.
- `SOURCES`: where a final verdict comes from.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Verdict(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    INCONCLUSIVE = "INCONCLUSIVE"
    NEEDS_INSPECTOR = "NEEDS_INSPECTOR"


CHECK_VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict)
INSPECTOR_VERDICTS: tuple[str, ...] = tuple(v.value for v in Verdict if v is not Verdict.NEEDS_INSPECTOR)
NEEDS_RATIONALE: tuple[str, ...] = (Verdict.FAIL.value, Verdict.NOT_APPLICABLE.value)
PENDING = "PENDING"
ERROR = "ERROR"
FINAL_VERDICTS: tuple[str, ...] = (*INSPECTOR_VERDICTS, PENDING, ERROR)
# In CheckResult.decided_by: the manufacturer's ICS declares every provision of the requirement not
# applicable; the check proposes NOT_APPLICABLE and the judgement waits for an inspector to confirm.
DECIDED_BY_ICS = "ics"
DECIDED_OK = frozenset({Verdict.PASS.value, Verdict.NOT_APPLICABLE.value})  # a level may pass on these

Source = Literal["inspector", "automatic", "pending", "error"]
SOURCES: tuple[Source, ...] = ("inspector", "automatic", "pending", "error")


def text(value: object) -> str:
    """A verdict, source or automation as its plain word (enum members by their value)."""
    return str(getattr(value, "value", value))
