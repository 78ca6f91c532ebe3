"""UPD-04: the device verifies the authenticity and integrity of an update before installing it."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, declaration_ref, describe_update, ref, update_rows
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.registry import register


@register
class UpdateAuthenticity(FirmwareCheck):
    requirement_id = "UPD-04"
    optional = frozenset({EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        rows = update_rows(ctx)
        tools, urls = rows.get("tool", []), rows.get("url", [])
        verifiers, keys = rows.get("verifier", []), rows.get("public_key", [])
        declaration = ctx.declaration
        update = getattr(declaration, "update", None) if declaration is not None else None
        signed = getattr(update, "signed", None)
        observed = {"tools": [describe_update(r) for r in tools], "urls": [describe_update(r) for r in urls],
                    "verifiers": [describe_update(r) for r in verifiers],
                    "public_keys": [describe_update(r) for r in keys]}
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": observed}
        findings: list[Finding] = []
        if signed is False:
            findings.append(Finding(
                summary="the declaration states updates are not signed",
                severity=Severity.HIGH, evidence=(declaration_ref(ctx, "update.signed"),),
                data={"declared_signed": False},
            ))
        if (tools or urls) and not (verifiers or keys):
            evidence = tuple(ref(r) for r in (tools + urls)[:8])
            summary = ("the firmware updates itself (" + ", ".join((observed["tools"] + observed["urls"])[:4])
                       + ") but contains no signature verification tool or public key")
            if signed is True:
                summary += "; the declaration says updates are signed"
            findings.append(Finding(summary=summary, severity=Severity.HIGH, evidence=evidence,
                                    data={"tools": observed["tools"], "urls": observed["urls"]}))
        if findings:
            return self.result(ctx, Verdict.FAIL, [f.summary for f in findings], findings, indicators)
        if not (tools or urls):
            reasons = ["no update tool or update URL was recognised in the firmware: the inspector "
                       "establishes how updates are applied and whether they are verified"]
        else:
            reasons = [
                "the firmware has update tools ("
                + ", ".join(observed["tools"] + observed["urls"]) + ") and signature verification ("
                + ", ".join(observed["verifiers"] + observed["public_keys"]) + ")",
                "the inspector checks verification is enforced: an update with a broken or missing "
                "signature must be refused",
            ]
        if signed is True:
            reasons.append("the declaration states updates are signed")
        elif declaration is not None and signed is None:
            reasons.append("the declaration does not state whether updates are signed")
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
