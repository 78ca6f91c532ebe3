"""SEC-02: no private key shared by every unit (unencrypted private keys or host keys in the image)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.i18n import N_, _, tr

_COLUMNS = ("path", "offset", "kind", "format", "key_type", "key_bits", "encrypted")


_SHARED = {  # (encrypted, a host key, the key's type or size known) -> a key every unit holds
    (True, True, True): N_("encrypted SSH host key ({key}) in {path}: every unit running this image holds the"
                           " same key"),
    (True, True, False): N_("encrypted SSH host key in {path}: every unit running this image holds the same"
                            " key"),
    (True, False, True): N_("encrypted private key ({key}) in {path}: every unit running this image holds the"
                            " same key"),
    (True, False, False): N_("encrypted private key in {path}: every unit running this image holds the same"
                             " key"),
    (False, True, True): N_("unencrypted SSH host key ({key}) in {path}: every unit running this image holds"
                            " the same key"),
    (False, True, False): N_("unencrypted SSH host key in {path}: every unit running this image holds the"
                             " same key"),
    (False, False, True): N_("unencrypted private key ({key}) in {path}: every unit running this image holds"
                             " the same key"),
    (False, False, False): N_("unencrypted private key in {path}: every unit running this image holds the"
                              " same key"),
}  # fmt: skip


def _finding(row: Row, kind: str) -> Finding:
    bits = tr("{bits}-bit", bits=row["key_bits"]) if row["key_bits"] is not None else ""
    key = " ".join(p for p in (row["key_type"] or "", bits) if p)
    shape = (row["encrypted"] is True, kind == "ssh_host_key", bool(key))
    return Finding(
        summary=tr(_SHARED[shape], key=key, path=row["path"] or ""),
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
            shared = tr("{n} private key(s) in the image, the same on every unit", n=len(findings))
            reasons = [shared, *params.notes]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = [_("no unencrypted private key or host key is in the image")]
        if encrypted:
            reasons.append(
                tr("{n} encrypted private key(s) are shipped: their passphrase must not be in the image"
                   " either (see SEC-01)", n=len(encrypted))
            )  # fmt: skip
        return self.result(ctx, Verdict.PASS, reasons + params.notes, indicators=indicators)


CHECK = NoSharedPrivateKeys
