"""One module per requirement (its check and its notebook page), listed in workbench.checks.registry."""

from workbench.checks.base import (
    Check,
    CheckResult,
    EvidenceKind,
    EvidenceRef,
    Finding,
    Severity,
    Verdict,
)
from workbench.checks.registry import Unit, all_checks, all_units, get_check, unit

__all__ = [
    "Check",
    "CheckResult",
    "EvidenceKind",
    "EvidenceRef",
    "Finding",
    "Severity",
    "Verdict",
    "Unit",
    "all_checks",
    "all_units",
    "get_check",
    "unit",
]
