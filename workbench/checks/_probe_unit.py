"""Helpers of the checks that judge from the probe's tests on the unit (catalogue 2026.4).

Through the manufacturer's test access (test-access.yaml) the probe runs `password_change`, `update` and
`device_session` on the unit itself; every command it ran there is a `session` row. A check takes these
tests as evidence only when its catalogue names `probe` evidence for the requirement: with an older
edition it does what it did before and says the probe's rows on the unit were not read. The update test's
own helpers are in `_probe_update`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from workbench.checks._firmware import FirmwareCheck
from workbench.checks._probe import (
    MAX_REFS,
    Row,
    clip,
    not_done,
    packets,
    results_ref,
    test_state,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, EvidenceRef, Finding
from workbench.i18n import _, tr
from workbench.vocabulary import Verdict

if TYPE_CHECKING:
    from workbench.checks.context import EvidenceContext
    from workbench.probe.results import TestRun

_COMMAND = 160  # characters of a unit command quoted in a note


def takes_unit_tests(ctx: EvidenceContext) -> bool:
    """The case holds a probe run and its catalogue takes probe evidence for this requirement."""
    return ctx.has(EvidenceKind.PROBE) and _names_probe(ctx)


def older_catalogue(ctx: EvidenceContext) -> list[str]:
    """One reason when the case holds a probe run its catalogue does not take for this requirement."""
    if not ctx.has(EvidenceKind.PROBE) or _names_probe(ctx):
        return []
    return [
        tr("The catalogue this case is judged with takes no probe evidence for {id} (edition 2026.4 does):"
           " the probe's tests on the unit were not read.", id=ctx.requirement.id)
    ]


def _names_probe(ctx: EvidenceContext) -> bool:
    return "probe" in {str(kind).lower() for kind in ctx.requirement.evidence or ()}


def unit_gap(ctx: EvidenceContext, name: str) -> tuple[TestRun | None, str | None]:
    """The probe's test `name` and why it did not complete (None when it did)."""
    test = test_state(ctx, name)
    return test, not_done(test, name)


def undecided(gap: str) -> str:
    return tr("The probe's test on the unit did not decide: {gap}.", gap=gap)


def access_part(ctx: EvidenceContext, part: str) -> Any:
    """A part of the test access the run used (`plan.access`, secrets masked), None when absent."""
    probe = ctx.probe()
    access = probe[1].plan.get("access") if probe else None
    return access.get(part) if isinstance(access, dict) else None


def session_rows(ctx: EvidenceContext, *purposes: str) -> list[Row]:
    """The commands the probe ran on the unit for `purposes` (clock, listeners, file_modes, logs, ...)."""
    return [r for r in ctx.probe_rows("session") if (r["purpose"] or "") in purposes]


def command_ref(row: Row) -> EvidenceRef:
    """A command run on the unit: its first packet on the probe's capture (else the results file)."""
    note = tr("on the unit: {command}", command=clip(row.get("command"), _COMMAND))
    first = next(iter(packets(row)), None)
    if not row.get("capture") or first is None:
        return results_ref(row, note)
    sha256 = row.get("capture_sha256") or ""
    return EvidenceRef(artefact=row["capture"], sha256=sha256, packet=first, note=note)


def command_refs(ctx: EvidenceContext, *purposes: str) -> tuple[EvidenceRef, ...]:
    """The commands run on the unit for `purposes` (at most MAX_REFS)."""
    return tuple(command_ref(r) for r in session_rows(ctx, *purposes)[:MAX_REFS])


def session_refs(ctx: EvidenceContext, *purposes: str) -> tuple[EvidenceRef, ...]:
    """The commands run on the unit for `purposes` (at most MAX_REFS), then the results file."""
    rows = session_rows(ctx, *purposes)
    return (*command_refs(ctx, *purposes), results_ref(rows[0])) if rows else ()


def unfinished(ctx: EvidenceContext, *purposes: str) -> list[str]:
    """The unit's commands for `purposes` that did not finish (no exit status), each in a few words."""
    rows = [r for r in session_rows(ctx, *purposes) if r["exit_status"] is None]
    return [
        tr("`{command}` did not finish ({error})",
           command=clip(r["command"], 80), error=clip(r["error"], 120))
        if r["error"] else tr("`{command}` did not finish", command=clip(r["command"], 80))
        for r in rows
    ]


def finite(value: Any) -> float | None:
    """A number from the results, or None when it is missing or not finite."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def listed(items: list[str], most: int = 10) -> str:
    """`a, b, c` (each once, at most `most`, then how many more)."""
    items = list(dict.fromkeys(items))
    shown = ", ".join(items[:most])
    if len(items) <= most:
        return shown
    return tr("{items} and {n} more", items=shown, n=len(items) - most)


# --- today's result and the unit's judgement on it ------------------------------------------------
def missing_image(check: Check, ctx: EvidenceContext) -> CheckResult:
    """INCONCLUSIVE as `Check.run` says it for a check that needs a firmware image the case lacks."""
    reason = tr("missing evidence: {names}; add it to the case to evaluate this requirement",
                names="firmware")
    result = check.result(ctx, Verdict.INCONCLUSIVE, [reason])
    return dataclasses.replace(result, missing_evidence=(EvidenceKind.FIRMWARE,))


def firmware_today(check: FirmwareCheck, ctx: EvidenceContext) -> CheckResult:
    """What a firmware check says without the unit: its image's result, or INCONCLUSIVE without one."""
    if ctx.has(EvidenceKind.FIRMWARE):
        return FirmwareCheck.evaluate(check, ctx)
    return missing_image(check, ctx)


def amended(
    ctx: EvidenceContext,
    today: CheckResult,
    *,
    verdict: Verdict | None = None,
    reasons: list[str] | tuple[str, ...] = (),
    findings: list[Finding] | tuple[Finding, ...] | None = None,
    indicators: dict[str, Any] | None = None,
    decided: bool = False,
    settled: tuple[str, ...] = (),
) -> CheckResult:
    """Today's result with what the unit showed: its reasons first, `findings` (when given) instead of
    today's, `verdict` (when given) instead of today's. `decided`: the verdict rests on the probe; then
    today's reasons drop the steps the unit `settled` (the inspector's procedure), and a result that only
    lacked the image keeps one line of it."""
    before = today.reasons
    if decided:
        done = {*settled, *(_(s) for s in settled)}  # as given, and in the language the reasons are in
        before = tuple(r for r in before if r not in done)
    if decided and today.verdict is Verdict.INCONCLUSIVE and EvidenceKind.FIRMWARE in today.missing_evidence:
        before = (_("No firmware image in the case: the unit alone decided."),)
    return dataclasses.replace(
        today,
        verdict=verdict or today.verdict,
        reasons=tuple(dict.fromkeys((*reasons, *before))),
        findings=today.findings if findings is None else tuple(findings),
        indicators={**today.indicators, **({"unit": indicators} if indicators else {})},
        decided_by=(str(EvidenceKind.PROBE),) if decided else today.decided_by,
    )


def unit_start(
    check: FirmwareCheck, ctx: EvidenceContext, test: str
) -> tuple[CheckResult, CheckResult | None]:
    """Today's result, and what to return at once when the unit cannot judge: the catalogue takes no probe
    evidence for the requirement, or the probe's test `test` did not complete."""
    today = firmware_today(check, ctx)
    if not takes_unit_tests(ctx):
        return today, amended(ctx, today, reasons=older_catalogue(ctx))
    _, gap = unit_gap(ctx, test)
    return today, amended(ctx, today, reasons=[undecided(gap)]) if gap else None


def decide(
    ctx: EvidenceContext,
    today: CheckResult,
    verdict: Verdict,
    reasons: list[str],
    findings: list[Finding],
    settled: tuple[str, ...] = (),
    indicators: dict[str, Any] | None = None,
) -> CheckResult:
    """The unit's verdict, decided by the probe (see `amended`)."""
    return amended(ctx, today, verdict=verdict, reasons=reasons, findings=findings, indicators=indicators,
                   decided=True, settled=settled)  # fmt: skip
