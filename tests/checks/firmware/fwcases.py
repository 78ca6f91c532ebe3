"""Assertions shared by the firmware checks' tests (the images and cases are conftest.py's fixtures)."""

from __future__ import annotations

from workbench.checks import Verdict
from workbench.checks.base import CheckResult, Finding


def evidence_paths(result: CheckResult) -> set[str]:
    return {e.path for f in result.findings for e in f.evidence if e.path}


def finding_for(result: CheckResult, word: str) -> Finding:
    hits = [f for f in result.findings if word in f.summary]
    assert hits, f"no finding mentions {word!r}: {[f.summary for f in result.findings]}"
    return hits[0]


def assert_fails_with_evidence(result: CheckResult, paths: set[str]) -> None:
    """FAIL, with findings pointing at (at least) `paths` in the image, each with the image's hash."""
    assert result.verdict is Verdict.FAIL, result.reasons
    assert paths <= evidence_paths(result)
    assert all(e.sha256 for f in result.findings for e in f.evidence)
