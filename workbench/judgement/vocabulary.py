"""The verdict words as the judgement uses them: defined once in workbench.vocabulary (a base module
the checks and the case import too), re-exported here beside the rules that combine them."""

from __future__ import annotations

from workbench.vocabulary import (
    CHECK_VERDICTS,
    DECIDED_OK,
    ERROR,
    FINAL_VERDICTS,
    INSPECTOR_VERDICTS,
    PENDING,
    SOURCES,
    Source,
    Verdict,
)

__all__ = [
    "CHECK_VERDICTS", "DECIDED_OK", "ERROR", "FINAL_VERDICTS", "INSPECTOR_VERDICTS", "PENDING", "SOURCES",
    "Source", "Verdict", "text",
]  # fmt: skip


def text(value: object) -> str:
    """A verdict, source or automation as its plain word (enum members by their value)."""
    return str(getattr(value, "value", value))
