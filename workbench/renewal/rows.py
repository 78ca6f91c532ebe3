"""One requirement's row of a comparison: the two verdicts, their findings, and what changed."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from workbench.judgement import RequirementState
from workbench.vocabulary import DECIDED_OK, Verdict, text

FAIL = Verdict.FAIL.value
STATUSES = (
    "fixed",
    "new-defect",
    "still-failing",
    "changed",
    "unchanged",
    "added-requirement",
    "removed-requirement",
)


def findings_of(state: RequirementState | None) -> list[dict[str, Any]]:
    """The check's findings: summary, severity and evidence (artefact, sha256, packet, path, offset)."""
    if state is None or state.result is None:
        return []
    return [
        {
            "summary": f.summary,
            "severity": text(f.severity),
            "evidence": [dict(vars(ref)) for ref in f.evidence],
            "subject": f.data.get("subject") if isinstance(f.data.get("subject"), str) else None,
        }
        for f in state.result.findings
    ]


def finding_key(finding: dict[str, Any]) -> tuple[str, str]:
    """What makes two findings the same across versions: what they say, not where (the image differs)."""
    return (" ".join(str(finding["summary"]).split()), str(finding["severity"]))


NUMBER = re.compile(r"\d+(?:\.\d+)?")


def finding_shape(finding: dict[str, Any]) -> tuple[str, str]:
    """The finding with its numbers left out: the same finding measured again (a timing, a process id
    of a live probe) has the same shape."""
    summary, severity = finding_key(finding)
    return NUMBER.sub("#", summary), severity


def finding_subject(finding: dict[str, Any]) -> tuple[str, str]:
    """What the finding is about, as its check names it (`data["subject"]`, e.g. "port tcp/21"): the
    same defect however it was seen (capture, probe, firmware); a finding without one matches nothing."""
    return (str(finding.get("subject") or id(finding)), str(finding["severity"]))


def only_in(these: list[dict[str, Any]], those: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings of `these` that `those` does not have (as many times as they occur): matched word
    for word first, then by shape (a measurement that differs is not a new finding), then by the
    subject its check names (the same port seen by other evidence is not a new finding)."""
    left, other = these, those
    for key in (finding_key, finding_shape):
        left, other = _unmatched(left, other, key), _unmatched(other, left, key)
    return _unmatched(left, other, finding_subject)


def _unmatched(these: list[dict[str, Any]], those: list[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    left = Counter(key(f) for f in those)
    found = []
    for finding in these:
        if left[key(finding)]:
            left[key(finding)] -= 1
        else:
            found.append(finding)
    return found


def status_of(old: RequirementState | None, new: RequirementState | None, newly_found: int) -> str:
    """The row's status (STATUSES) from the two final verdicts and the count of findings only the new has."""
    if old is None:
        return "added-requirement"
    if new is None:
        return "removed-requirement"
    before, after = old.verdict, new.verdict
    if before == FAIL and after in DECIDED_OK:
        return "fixed"
    if after == FAIL and (before != FAIL or newly_found):
        return "new-defect"
    if after == FAIL:
        return "still-failing"
    return "unchanged" if before == after else "changed"
