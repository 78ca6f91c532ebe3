"""The roll-up: the overall result per level, and the evidence still to add.

A level includes every lower one. It is PASS only if every requirement up to it is PASS or
NOT_APPLICABLE and none is stale; FAIL if any current (not stale) verdict is FAIL; otherwise
INCOMPLETE, with what is still pending and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from workbench.case.artefacts import kind_name
from workbench.i18n import _, tr
from workbench.vocabulary import DECIDED_OK, ERROR, PENDING, Verdict

STARS = {1: "★", 2: "★★", 3: "★★★"}


class Judged(Protocol):
    """What the roll-up reads of a requirement: a RequirementState, or a batch row."""

    @property
    def id(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def verdict(self) -> str: ...
    @property
    def stale(self) -> bool: ...
    @property
    def error(self) -> str | None: ...
    @property
    def missing_evidence(self) -> list[str]: ...
    @property
    def reasons(self) -> list[str]: ...


def decided_ok(item: Judged) -> bool:
    return item.verdict in DECIDED_OK and not item.stale


def failed(item: Judged) -> bool:
    return item.verdict == Verdict.FAIL and not item.stale


def level_result(items: Sequence[Judged], level: int) -> dict[str, Any]:
    considered = [i for i in items if i.level <= level]
    failures = [i.id for i in considered if failed(i)]
    pending = [
        {"id": i.id, "verdict": i.verdict, "why": why_pending(i)}
        for i in considered
        if not decided_ok(i) and i.id not in failures
    ]
    return {
        "level": level,
        "stars": STARS.get(level, "?"),
        "result": "FAIL" if failures else "INCOMPLETE" if pending else "PASS",
        "requirements": len(considered),
        "passed": sum(1 for i in considered if decided_ok(i)),
        "failed": failures,
        "pending": pending,
    }


def level_results(items: Sequence[Judged], max_level: int) -> dict[int, dict[str, Any]]:
    """Overall result for each level 1..max_level; a level includes every lower one."""
    return {level: level_result(items, level) for level in range(1, max_level + 1)}


def evidence_to_add(items: Sequence[Judged]) -> dict[str, list[str]]:
    """Evidence kind -> requirement ids that lack it, for requirements not yet decided."""
    wanted: dict[str, list[str]] = {}
    for item in items:
        if decided_ok(item) or item.verdict == Verdict.FAIL:
            continue
        for kind in item.missing_evidence:
            wanted.setdefault(kind, []).append(item.id)
    return dict(sorted(wanted.items()))


def why_pending(item: Judged) -> str:
    if item.verdict == ERROR:
        return tr("error: {error}", error=item.error)
    if item.stale:
        return tr("inspector verdict {verdict} is stale: the evidence changed since; re-confirm it",
                  verdict=item.verdict)
    if item.verdict in (PENDING, Verdict.NEEDS_INSPECTOR):
        return _("an inspector's verdict is needed")
    if item.missing_evidence:
        return tr("missing evidence: {names}", names=", ".join(kind_name(k) for k in item.missing_evidence))
    return item.reasons[0] if item.reasons else tr("verdict {verdict}", verdict=item.verdict)
