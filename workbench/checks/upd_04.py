"""UPD-04: the device verifies the authenticity and integrity of an update before installing it.

Update tools and URLs come from the engine's `update` table and from the files named in the
catalogue's `update_tools` (UPD-01). Verification is shown by the engine's `verifier` and
`public_key` rows, or by an update script that runs one of the catalogue's `verifier_tools`
(usign, gpgv, openssl...). A script that only runs `integrity_only_tools` (sha256sum, md5sum...)
checks corruption, not authenticity: that is no verification.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    Row,
    declaration_ref,
    describe_update,
    files_named,
    ref,
    script_mentions,
    update_rows,
)
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.parameters import Parameters


@dataclass
class UpdateMachinery:
    """The update tools and URLs in the image and what verifies what they fetch."""

    scripts: list[Row]
    observed: dict[str, Any]
    verified: bool
    integrity_only: list[str]


def _where(found: dict[str, list[Row]]) -> dict[str, list[str]]:
    return {name: [f"{w['path']}:{w['line']}" for w in where] for name, where in found.items()}


def update_machinery(ctx: Any, params: Parameters) -> UpdateMachinery:
    rows = update_rows(ctx)
    known = {(t["artefact"], t["path"]) for t in rows.get("tool", [])}
    extra = files_named(ctx, params.lowered("update_tools"))
    tools = rows.get("tool", []) + [r for r in extra if (r["artefact"], r["path"]) not in known]
    urls = rows.get("url", [])
    scripts = tools + urls
    used_verifiers = script_mentions(ctx, scripts, params.lowered("verifier_tools"))
    used_integrity = script_mentions(ctx, scripts, params.lowered("integrity_only_tools"))
    verifiers, keys = rows.get("verifier", []), rows.get("public_key", [])
    observed = {
        "tools": sorted({describe_update(r) for r in tools}),
        "urls": [describe_update(r) for r in urls],
        "verifiers": [describe_update(r) for r in verifiers],
        "public_keys": [describe_update(r) for r in keys],
        "verifiers_run_by_update_scripts": _where(used_verifiers),
        "integrity_only_checks": _where(used_integrity),
    }
    verified = bool(verifiers or keys or used_verifiers)
    return UpdateMachinery(scripts, observed, verified, sorted(used_integrity))


def _unverified(found: UpdateMachinery, signed: bool | None) -> Finding:
    observed = found.observed
    summary = (
        "the firmware updates itself ("
        + ", ".join((observed["tools"] + observed["urls"])[:4])
        + ") but contains no signature verification tool or public key"
    )
    if found.integrity_only:
        summary += f"; {', '.join(found.integrity_only)} checks integrity, not authenticity"
    if signed is True:
        summary += "; the declaration says updates are signed"
    return Finding(
        summary=summary,
        severity=Severity.HIGH,
        evidence=tuple(ref(r) for r in found.scripts[:8]),
        data={"tools": observed["tools"], "urls": observed["urls"]},
    )


class UpdateAuthenticity(FirmwareCheck):
    requirement_id = "UPD-04"
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("verifier_tools", "integrity_only_tools", "update_tools")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        found = update_machinery(ctx, params)
        declaration = ctx.declaration
        signed = getattr(getattr(declaration, "update", None), "signed", None) if declaration else None
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": found.observed}
        findings: list[Finding] = []
        if signed is False:
            findings.append(
                Finding(
                    summary="the declaration states updates are not signed",
                    severity=Severity.HIGH,
                    evidence=(declaration_ref(ctx, "update.signed"),),
                    data={"declared_signed": False},
                )
            )
        if found.scripts and not found.verified:
            findings.append(_unverified(found, signed))
        if findings:
            reasons = [f.summary for f in findings] + params.notes
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        reasons = self._open_questions(found)
        if signed is True:
            reasons.append("the declaration states updates are signed")
        elif declaration is not None and signed is None:
            reasons.append("the declaration does not state whether updates are signed")
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)

    @staticmethod
    def _open_questions(found: UpdateMachinery) -> list[str]:
        observed = found.observed
        if not found.scripts:
            return [
                "no update tool or update URL was recognised in the firmware: the inspector "
                "establishes how updates are applied and whether they are verified"
            ]
        shown = (
            observed["verifiers"]
            + observed["public_keys"]
            + sorted(observed["verifiers_run_by_update_scripts"])
        )
        return [
            "the firmware has update tools ("
            + ", ".join(observed["tools"] + observed["urls"])
            + ") and signature verification ("
            + ", ".join(shown)
            + ")",
            "the inspector checks verification is enforced: an update with a broken or missing "
            "signature must be refused",
        ]


CHECK = UpdateAuthenticity
