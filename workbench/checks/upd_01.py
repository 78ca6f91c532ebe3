"""UPD-01: the device's software can be updated."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    declaration_ref,
    describe_update,
    files_named,
    update_rows,
)
from workbench.checks._procedural import declared, says_none
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict


class SoftwareUpdatable(FirmwareCheck):
    requirement_id = "UPD-01"
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("update_tools",)

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
        reasons.append(
            "the inspector applies an update by the declared mechanism and checks the version changes"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


CHECK = SoftwareUpdatable
