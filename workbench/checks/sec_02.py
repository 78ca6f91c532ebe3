"""SEC-02: no private key shared by every unit (unencrypted private keys or host keys in the image)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict

_COLUMNS = ("path", "offset", "kind", "format", "key_type", "key_bits", "encrypted")


def _finding(row: Row, kind: str) -> Finding:
    what = "SSH host key" if kind == "ssh_host_key" else "private key"
    bits = f"{row['key_bits']}-bit" if row["key_bits"] is not None else ""
    key = " ".join(p for p in (row["key_type"] or "", bits) if p)
    state = "encrypted" if row["encrypted"] is True else "unencrypted"
    detail = f" ({key})" if key else ""
    return Finding(
        summary=f"{state} {what}{detail} in {row['path'] or ''}: "
        "every unit running this image holds the same key",
        severity=Severity.HIGH,
        evidence=(ref(row),),
        data={"kind": kind, "key_type": row["key_type"] or "", "key_bits": row["key_bits"],
              "format": row["format"] or ""},
    )  # fmt: skip


class NoSharedPrivateKeys(FirmwareCheck):
    requirement_id = "SEC-02"
    parameters = ("key_kinds", "fail_on_encrypted")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        private = set(params.lowered("key_kinds"))
        encrypted_fails = params.get("fail_on_encrypted") is True
        findings: list[Finding] = []
        encrypted: list[str] = []
        counts: dict[str, int] = {}
        for row in ctx.firmware_rows("keys", _COLUMNS):
            kind = (row["kind"] or "").lower()
            counts[kind or "unknown"] = counts.get(kind or "unknown", 0) + 1
            if kind not in private:
                continue
            if row["encrypted"] is True:
                encrypted.append(row["path"] or "")
                if not encrypted_fails:
                    continue
            findings.append(_finding(row, kind))
        indicators = {"observed": {"keys_by_kind": counts, "encrypted_private_keys": encrypted}}
        if findings:
            reasons = [f"{len(findings)} private key(s) in the image, the same on every unit", *params.notes]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = ["no unencrypted private key or host key is in the image"]
        if encrypted:
            reasons.append(
                f"{len(encrypted)} encrypted private key(s) are shipped: their passphrase must not be in "
                "the image either (see SEC-01)"
            )
        return self.result(ctx, Verdict.PASS, reasons + params.notes, indicators=indicators)


CHECK = NoSharedPrivateKeys
