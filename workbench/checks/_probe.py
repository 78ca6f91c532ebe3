"""Helpers of the checks that judge from the live probe (`workbench probe`).

The probe's rows (`ctx.probe_rows`) carry `artefact`/`artefact_sha256` (the results file) and
`capture`/`capture_sha256` (the probe's own capture, which each row's `packets` number into). A
finding from the probe points at both: the packets of the exchange, with the tool's command line,
and the results file. What a test could not do is said in one sentence (`not_done`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from workbench.checks.base import MAX_EVIDENCE_REFS, Check, CheckResult, EvidenceKind, EvidenceRef
from workbench.enginetext import detail_text
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun, TestStatus
from workbench.vocabulary import Verdict

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext

Row = dict[str, Any]
MAX_REFS = MAX_EVIDENCE_REFS
_DETAIL = 200  # characters of a test's detail quoted in a reason


def test_state(ctx: EvidenceContext, name: str) -> TestRun | None:
    """The newest probe run's test `name`, or None (no probe, or the run has no such test)."""
    probe = ctx.probe()
    return probe[1].test(name) if probe else None


def missing(check: Check, ctx: EvidenceContext, kind: EvidenceKind) -> CheckResult:
    """INCONCLUSIVE, as `Check.run` says it, for a check that judges from `kind` or from a live probe
    and has neither (`kind` is the evidence to add)."""
    reason = tr("missing evidence: {kind}; add it to the case, or probe the device (`workbench probe`),"
                " to evaluate this requirement", kind=str(kind))  # fmt: skip
    return dataclasses.replace(check.result(ctx, Verdict.INCONCLUSIVE, [reason]), missing_evidence=(kind,))


def completed(test: TestRun | None) -> bool:
    return test is not None and test.status is TestStatus.COMPLETED


def clip(value: Any, limit: int = _DETAIL) -> str:
    """A value from the device or the results file as one printable line, at most `limit` characters."""
    line = "".join(c if c.isprintable() else " " for c in str(value if value is not None else ""))
    line = " ".join(line.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def not_done(test: TestRun | None, name: str) -> str | None:
    """Why the probe's test `name` did not test everything it had to (None when it completed)."""
    what = name.replace("_", " ")
    if test is None:
        return tr("the probe run has no {what} test", what=what)
    if test.status is TestStatus.COMPLETED:
        return None
    if test.detail.strip():  # the probe's own words, stored in English: rendered in the current language
        return tr(_NOT_DONE_DETAIL[test.status], what=what, detail=clip(detail_text(test.detail)))
    return tr(_NOT_DONE[test.status], what=what)


_NOT_DONE = {
    TestStatus.PARTIAL: N_("the probe's {what} test could do only part of its work"),
    TestStatus.ERROR: N_("the probe's {what} test could not run"),
    TestStatus.TIMED_OUT: N_("the probe's {what} test stopped at its time budget"),
    TestStatus.SKIPPED: N_("the probe skipped its {what} test"),
}
_NOT_DONE_DETAIL = {
    TestStatus.PARTIAL: N_("the probe's {what} test could do only part of its work ({detail})"),
    TestStatus.ERROR: N_("the probe's {what} test could not run ({detail})"),
    TestStatus.TIMED_OUT: N_("the probe's {what} test stopped at its time budget ({detail})"),
    TestStatus.SKIPPED: N_("the probe skipped its {what} test ({detail})"),
}


def tool_note(test: TestRun | None) -> str:
    """The tool and its command line, as a reference's note says it."""
    return clip(test.label(), 400) if test is not None else "workbench probe"


def packets(row: Row) -> list[int]:
    return sorted({p for p in row.get("packets") or () if isinstance(p, int) and p > 0})


def probe_ref(row: Row, test: TestRun | None = None, packet: int | None = None) -> EvidenceRef:
    """The probe's capture at `packet` (else the row's first packet), noted with the tool's command
    line; the results file when the capture is not in the case."""
    first = packet if packet else next(iter(packets(row)), None)
    if not row.get("capture"):
        return results_ref(row, tool_note(test))
    return EvidenceRef(
        artefact=row["capture"], sha256=row.get("capture_sha256") or "", packet=first, note=tool_note(test)
    )


def results_ref(row: Row, note: str | None = None) -> EvidenceRef:
    """The probe's results file (`note` by default: "probe results")."""
    return EvidenceRef(
        artefact=row.get("artefact") or "probe", sha256=row.get("artefact_sha256") or "",
        note=_("probe results") if note is None else note,
    )


def probe_refs(rows: Iterable[Row], test: TestRun | None, limit: int = MAX_REFS) -> tuple[EvidenceRef, ...]:
    """Every packet of the rows (at most `limit`) on the probe's capture, then the results file."""
    rows = list(rows)
    if not rows:
        return ()
    numbers = sorted({p for r in rows for p in packets(r)})[:limit]
    refs = [probe_ref(rows[0], test, n) for n in numbers] if rows[0].get("capture") else []
    return (*refs, results_ref(rows[0]))


def port_label(row: Row) -> str:
    """'tcp/23', from a probe row (`port ?` when the results held no usable port)."""
    transport = clip(row.get("transport") or "tcp", 8).lower()
    return f"{transport}/{row['port']}" if row.get("port") is not None else f"{transport}/port ?"


def service_label(row: Row) -> str:
    """'telnet tcp/23'."""
    protocol = clip(row.get("protocol") or row.get("service") or "", 40)
    return f"{protocol} {port_label(row)}".strip()
