"""UPD-01: the device's software can be updated.

The firmware's update tools and addresses beside the mechanism the manufacturer declares. With test
access (catalogue 2026.4) the probe installs the genuine update through the path the manufacturer names
and reads the version before and after: a changed version shows the mechanism works on a unit (PASS when
the declaration names the mechanism); the genuine update refused shows it does not (FAIL).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    declaration_ref,
    describe_update,
    files_named,
    update_rows,
)
from workbench.checks._probe import Row, clip
from workbench.checks._probe_unit import (
    amended,
    decide,
    firmware_today,
    older_catalogue,
    takes_unit_tests,
    undecided,
    unit_gap,
    update_attempts,
    update_refs,
    versions,
)
from workbench.checks._procedural import declared, says_none
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.probe.results import TestRun

APPLY = "the inspector applies an update by the declared mechanism and checks the version changes"
NOT_JUDGED = (
    "Not judged here: software components that cannot be updated, which the declaration must name with"
    " the reason; an inspector's verdict overrides."
)


class SoftwareUpdatable(FirmwareCheck):
    requirement_id = "UPD-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("update_tools",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today = firmware_today(self, ctx)
        if not takes_unit_tests(ctx):
            return amended(ctx, today, reasons=older_catalogue(ctx))
        test, gap = unit_gap(ctx, "update")
        attempts = update_attempts(ctx)
        genuine = attempts.get("genuine")
        if genuine is not None and genuine["accepted"] is False:
            finding = _refused(ctx, genuine, test)
            lead = f"decided on the unit: {finding.summary}"
            return decide(ctx, today, Verdict.FAIL, [lead], [finding, *today.findings], (APPLY,))
        # the unit's version before the test's first install: a tampered image the unit installed first may
        # have brought the genuine file's version already
        first = attempts.get("tampered") or genuine
        why = (gap if genuine is None else None) or _cannot_tell(genuine, first)
        if why:
            return amended(ctx, today, reasons=[undecided(why)])
        before, after = versions(first)[0], versions(genuine)[1]
        lead = (
            f"On the unit, the genuine update was installed through the declared path: {before} -> {after}."
        )
        mechanism = getattr(getattr(ctx.declaration, "update", None), "mechanism", None)
        if today.verdict is Verdict.FAIL or not mechanism or says_none(mechanism):
            return amended(ctx, today, reasons=[lead, _undeclared(mechanism)])
        data = {"version_before": before, "version_after": after, "mechanism": clip(mechanism, 200)}
        shown = Finding(
            "the unit installed the genuine update", Severity.INFO, update_refs(ctx, genuine, test), data
        )
        reasons = [
            f"decided on the unit: {lead[0].lower()}{lead[1:]}",
            f"The declaration names the mechanism: {clip(mechanism, 200)}.",
            NOT_JUDGED,
        ]
        return decide(ctx, today, Verdict.PASS, reasons, [shown], (APPLY,))

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        rows = update_rows(ctx)
        params = self.params(ctx)
        names = params.lowered("update_tools")
        declaration = ctx.declaration
        update = getattr(declaration, "update", None) if declaration is not None else None
        observed = {
            kind: [describe_update(r) for r in rows.get(kind, [])]
            for kind in ("tool", "url", "verifier", "public_key")
        }
        observed["tool"] = sorted(set(observed["tool"]) | {r["path"] for r in files_named(ctx, names)})
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": observed}
        mechanism = getattr(update, "mechanism", None)
        if says_none(mechanism):
            finding = Finding(
                summary="the declaration states the device has no update mechanism",
                severity=Severity.HIGH,
                evidence=(declaration_ref(ctx, "update.mechanism"),),
                data={"declared": mechanism},
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
        tools = observed["tool"]
        reasons = [
            f"update tools in the firmware: {', '.join(tools)}"
            if tools
            else "no update tool was recognised in the firmware",
        ]
        if observed["url"]:
            reasons.append(f"update URLs: {', '.join(observed['url'])}")
        if declaration is None:
            reasons.append("the case has no declaration: the update mechanism is not stated")
        elif mechanism:
            reasons.append(f"the declaration states the mechanism: {mechanism}")
            if not tools:
                reasons.append(
                    "the declared mechanism has no recognised tool in the image: find the "
                    "program that applies updates"
                )
        else:
            reasons.append("the declaration does not state the update mechanism")
        reasons.append(APPLY)
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


def _undeclared(mechanism: str | None) -> str:
    if not mechanism:
        return (
            "Not decided: the declaration (IXIT 7) must name the update mechanism, and the case's does not."
        )
    return f"Not decided: the declaration states {clip(mechanism, 80)!r} as the update mechanism."


def _cannot_tell(genuine: Row | None, first: Row | None) -> str | None:
    """Why an installed genuine update does not show the mechanism works (None when it does); `first` is
    the update test's first attempt, whose version before is the unit's at the start."""
    if genuine is None or first is None or genuine["accepted"] is None:
        return "the genuine update was not tried to the end"
    before, after = versions(first)[0], versions(genuine)[1]
    if not before or not after:
        return "the unit's version could not be read before and after the update"
    if before == after:
        return (f"the unit reported version {before} before and after (the genuine file may be the version"
                " installed already)")  # fmt: skip
    return None


def _refused(ctx: EvidenceContext, row: Row, test: TestRun | None) -> Finding:
    output = clip(row["output"], 300)
    summary = (f"the unit refused the genuine update through the declared path (exit status"
               f" {row['exit_status']}{': ' + output if output else ''})")  # fmt: skip
    data = {"command": clip(row["command"], 200), "exit_status": row["exit_status"], "output": output,
            "file": clip(row["file"], 200), "version_before": versions(row)[0]}  # fmt: skip
    return Finding(summary, Severity.HIGH, update_refs(ctx, row, test), data)


CHECK = SoftwareUpdatable
