"""UPD-04: the device verifies the authenticity and integrity of an update before installing it.

Update tools and URLs come from the engine's `update` table and from the files named in the
catalogue's `update_tools` (UPD-01). Verification is shown by the engine's `verifier` and
`public_key` rows, or by an update script that runs one of the catalogue's `verifier_tools`
(usign, gpgv, openssl...). A script that only runs `integrity_only_tools` (sha256sum, md5sum...)
checks corruption, not authenticity: that is no verification.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    declaration_ref,
    default_note,
    describe_update,
    files_named,
    parameter_list,
    ref,
    script_mentions,
    update_rows,
)
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.page import UPDATE_VIEW, Page, table_cell
from workbench.checks.upd_01 import DEFAULT_UPDATE_TOOLS

DEFAULT_VERIFIERS = ("openssl", "gpgv", "gpg", "usign", "signify", "minisign", "rauc", "swupdate")
DEFAULT_INTEGRITY_ONLY = ("md5sum", "sha1sum", "sha256sum", "cksum", "crc32")


class UpdateAuthenticity(FirmwareCheck):
    requirement_id = "UPD-04"
    optional = frozenset({EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        verifier_names, verifiers_default = parameter_list(ctx, "verifier_tools", DEFAULT_VERIFIERS)
        integrity_names, integrity_default = parameter_list(
            ctx, "integrity_only_tools", DEFAULT_INTEGRITY_ONLY
        )
        update_names = ctx.parameters.get("update_tools") or DEFAULT_UPDATE_TOOLS  # UPD-01's list if set
        rows = update_rows(ctx)
        known = {(t["artefact"], t["path"]) for t in rows.get("tool", [])}
        tools = rows.get("tool", []) + [
            r for r in files_named(ctx, update_names) if (r["artefact"], r["path"]) not in known
        ]
        urls = rows.get("url", [])
        scripts = tools + urls
        used_verifiers = script_mentions(ctx, scripts, verifier_names)
        used_integrity = script_mentions(ctx, scripts, integrity_names)
        verifiers, keys = rows.get("verifier", []), rows.get("public_key", [])
        declaration = ctx.declaration
        signed = getattr(getattr(declaration, "update", None), "signed", None) if declaration else None
        observed = {
            "tools": sorted({describe_update(r) for r in tools}),
            "urls": [describe_update(r) for r in urls],
            "verifiers": [describe_update(r) for r in verifiers],
            "public_keys": [describe_update(r) for r in keys],
            "verifiers_run_by_update_scripts": {
                k: [f"{w['path']}:{w['line']}" for w in v] for k, v in used_verifiers.items()
            },
            "integrity_only_checks": {
                k: [f"{w['path']}:{w['line']}" for w in v] for k, v in used_integrity.items()
            },
        }
        indicators = {"declared": {"update": declared(declaration, "update")}, "observed": observed}
        notes = default_note(
            [
                n
                for n, d in (
                    ("verifier_tools", verifiers_default),
                    ("integrity_only_tools", integrity_default),
                )
                if d
            ]
        )
        verified = bool(verifiers or keys or used_verifiers)
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
        if scripts and not verified:
            evidence = tuple(ref(r) for r in scripts[:8])
            summary = (
                "the firmware updates itself ("
                + ", ".join((observed["tools"] + observed["urls"])[:4])
                + ") but contains no signature verification tool or public key"
            )
            if used_integrity:
                summary += f"; {', '.join(sorted(used_integrity))} checks integrity, not authenticity"
            if signed is True:
                summary += "; the declaration says updates are signed"
            findings.append(
                Finding(
                    summary=summary,
                    severity=Severity.HIGH,
                    evidence=evidence,
                    data={"tools": observed["tools"], "urls": observed["urls"]},
                )
            )
        if findings:
            return self.result(ctx, Verdict.FAIL, [f.summary for f in findings] + notes, findings, indicators)
        if not scripts:
            reasons = [
                "no update tool or update URL was recognised in the firmware: the inspector "
                "establishes how updates are applied and whether they are verified"
            ]
        else:
            shown = observed["verifiers"] + observed["public_keys"] + sorted(used_verifiers)
            reasons = [
                "the firmware has update tools ("
                + ", ".join(observed["tools"] + observed["urls"])
                + ") and signature verification ("
                + ", ".join(shown)
                + ")",
                "the inspector checks verification is enforced: an update with a broken or missing "
                "signature must be refused",
            ]
        if signed is True:
            reasons.append("the declaration states updates are signed")
        elif declaration is not None and signed is None:
            reasons.append("the declaration does not state whether updates are signed")
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + notes, indicators=indicators)


CHECK = UpdateAuthenticity

# The notebook page of UPD-04: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="An update tool alone lets anyone who can reach it install their own software. Look for "
    "what verifies an update before it is installed: a signature verifier, a public key.",
    steps=[
        (
            "All update machinery in the image; a `tool` without any `verifier` or `public_key` "
            "is the typical failure.",
            table_cell("update", "firmware", "update", UPDATE_VIEW, "Update machinery in the image"),
        ),
        (
            "Public keys in the image (a key used to verify updates is usually one of these):",
            table_cell(
                "public_keys",
                "firmware",
                "keys",
                ["path", "offset", "kind", "key_type", "key_bits"],
                "Public keys in the image",
                where={"kind": "public_key"},
            ),
        ),
    ],
    declared=["update"],
    procedure=True,
)
