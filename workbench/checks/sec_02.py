"""SEC-02: no private key shared by every unit (unencrypted private keys or host keys in the image)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, cap, flag, ref, table, text
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.registry import register

_COLUMNS = ("path", "offset", "kind", "format", "key_type", "key_bits", "subject", "encrypted")
_PRIVATE = {"private_key", "ssh_host_key"}


@register
class NoSharedPrivateKeys(FirmwareCheck):
    requirement_id = "SEC-02"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        findings: list[Finding] = []
        encrypted: list[str] = []
        counts: dict[str, int] = {}
        for row in table(ctx, "keys", _COLUMNS):
            kind = text(row["kind"]).lower()
            counts[kind or "unknown"] = counts.get(kind or "unknown", 0) + 1
            if kind not in _PRIVATE:
                continue
            what = "SSH host key" if kind == "ssh_host_key" else "private key"
            key = " ".join(p for p in (text(row["key_type"]), f"{text(row['key_bits'])}-bit"
                                       if text(row["key_bits"]) else "") if p)
            if flag(row["encrypted"]) is True:
                encrypted.append(text(row["path"]))
                continue
            findings.append(Finding(
                summary=f"unencrypted {what}{f' ({key})' if key else ''} in {text(row['path'])}: "
                        "every unit running this image holds the same key",
                severity=Severity.HIGH, evidence=(ref(row),),
                data={"kind": kind, "key_type": text(row["key_type"]), "key_bits": row["key_bits"],
                      "format": text(row["format"])},
            ))
        indicators = {"observed": {"keys_by_kind": counts, "encrypted_private_keys": encrypted}}
        if findings:
            reasons = [f"{len(findings)} unencrypted private key(s) in the image"]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = ["no unencrypted private key or host key is in the image"]
        if encrypted:
            reasons.append(
                f"{len(encrypted)} encrypted private key(s) are shipped: their passphrase must not be in "
                "the image either (see SEC-01)"
            )
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)
