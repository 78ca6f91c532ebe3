"""One module per requirement; each registers a Check subclass under its requirement id."""

from workbench.checks.base import (
    Check,
    CheckResult,
    EvidenceKind,
    EvidenceRef,
    Finding,
    Severity,
    Verdict,
)
from workbench.checks.registry import all_checks, get_check, register

__all__ = [
    "Check",
    "CheckResult",
    "EvidenceKind",
    "EvidenceRef",
    "Finding",
    "Severity",
    "Verdict",
    "all_checks",
    "get_check",
    "register",
]
