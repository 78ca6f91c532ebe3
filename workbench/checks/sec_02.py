"""SEC-02: no private key shared by every unit (unencrypted private keys or host keys in the image)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    cap,
    default_note,
    flag,
    parameter_list,
    ref,
    table,
    text,
)
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.page import Page, table_cell

_COLUMNS = ("path", "offset", "kind", "format", "key_type", "key_bits", "subject", "encrypted")
DEFAULT_KEY_KINDS = ("private_key", "ssh_host_key")


class NoSharedPrivateKeys(FirmwareCheck):
    requirement_id = "SEC-02"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        kinds, defaulted = parameter_list(ctx, "key_kinds", DEFAULT_KEY_KINDS)
        private = set(kinds)
        encrypted_fails = ctx.parameters.get("fail_on_encrypted", False) is True
        findings: list[Finding] = []
        encrypted: list[str] = []
        counts: dict[str, int] = {}
        for row in table(ctx, "keys", _COLUMNS):
            kind = text(row["kind"]).lower()
            counts[kind or "unknown"] = counts.get(kind or "unknown", 0) + 1
            if kind not in private:
                continue
            what = "SSH host key" if kind == "ssh_host_key" else "private key"
            key = " ".join(
                p
                for p in (
                    text(row["key_type"]),
                    f"{text(row['key_bits'])}-bit" if text(row["key_bits"]) else "",
                )
                if p
            )
            is_encrypted = flag(row["encrypted"]) is True
            if is_encrypted:
                encrypted.append(text(row["path"]))
                if not encrypted_fails:
                    continue
            state = "encrypted" if is_encrypted else "unencrypted"
            detail = f" ({key})" if key else ""
            findings.append(
                Finding(
                    summary=f"{state} {what}{detail} in {text(row['path'])}: "
                    "every unit running this image holds the same key",
                    severity=Severity.HIGH,
                    evidence=(ref(row),),
                    data={
                        "kind": kind,
                        "key_type": text(row["key_type"]),
                        "key_bits": row["key_bits"],
                        "format": text(row["format"]),
                    },
                )
            )
        indicators = {"observed": {"keys_by_kind": counts, "encrypted_private_keys": encrypted}}
        notes = default_note(["key_kinds"] if defaulted else [])
        if findings:
            reasons = [f"{len(findings)} private key(s) in the image, the same on every unit", *notes]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = ["no unencrypted private key or host key is in the image"]
        if encrypted:
            reasons.append(
                f"{len(encrypted)} encrypted private key(s) are shipped: their passphrase must not be in "
                "the image either (see SEC-01)"
            )
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)


CHECK = NoSharedPrivateKeys

# The notebook page of SEC-02: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="A private key in the firmware image is shared by every unit: whoever extracts it can "
    "impersonate any of them or decrypt their traffic.",
    steps=[
        (
            "Keys and certificates in the image; an unencrypted `private_key` or `ssh_host_key` is "
            "the failure.",
            table_cell(
                "keys",
                "firmware",
                "keys",
                [
                    "path",
                    "offset",
                    "kind",
                    "format",
                    "key_type",
                    "key_bits",
                    "encrypted",
                    "subject",
                    "self_signed",
                ],
                "Keys and certificates in the image",
            ),
        ),
        ("Keys by kind:", 'ui.plots.value_counts(keys, "kind", "Keys and certificates by kind")'),
    ],
)
