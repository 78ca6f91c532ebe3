"""INT-01: the device verifies its software's integrity (secure/verified boot)."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    as_int,
    default_note,
    describe_update,
    parameter_list,
    table,
    text,
    update_rows,
)
from workbench.checks.base import CheckResult, EvidenceKind, Verdict
from workbench.checks.registry import register

DEFAULT_BOOT_TOOLS = (
    "veritysetup", "avbtool", "fit_check_sign", "evmctl", "tpm2_pcrread", "tpm2_quote", "mokutil",
    "fsverity", "dm-verity", "verity", "secure_boot", "sbverify",
)
_SIGNED_LAYERS = re.compile(r"fit|signed|signature|verity|avb|dtb|fdt", re.I)
_IMA_PATHS = ("/etc/ima/", "/etc/keys/", "/lib/firmware/signing")


@register
class BootIntegrity(FirmwareCheck):
    requirement_id = "INT-01"
    optional = frozenset({EvidenceKind.INSPECTOR})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        tools, defaulted = parameter_list(ctx, "verified_boot_tools", DEFAULT_BOOT_TOOLS)
        names = set(tools)
        layers = table(ctx, "layers", ("offset", "format", "size", "extracted", "path"))
        formats = [
            f"{text(r['format'])} at 0x{as_int(r['offset']) or 0:x}" for r in layers if text(r["format"])
        ]
        signed_layers = [
            f"{text(r['format'])} at 0x{as_int(r['offset']) or 0:x}"
            for r in layers if _SIGNED_LAYERS.search(text(r["format"]))
        ]
        found_tools = sorted({
            text(r["path"]) for r in table(ctx, "files", ("path",))
            if PurePosixPath(text(r["path"])).name.lower() in names
            or any(text(r["path"]).startswith(p) for p in _IMA_PATHS)
        })
        rows = update_rows(ctx)
        verifiers = [describe_update(r) for r in rows.get("verifier", []) + rows.get("public_key", [])]
        indicators = {"observed": {"image_layers": formats, "signed_or_verity_layers": signed_layers,
                                   "verified_boot_tools": found_tools, "update_verifiers": verifiers}}
        if signed_layers or found_tools:
            lead = "the image shows signs of boot-time verification: " + ", ".join(
                signed_layers + found_tools
            )
        else:
            lead = ("no signed boot image, verity metadata or verified-boot tool was recognised; "
                    "secure boot may still be done by the boot ROM and is invisible in a root file system")
        reasons = [lead]
        if verifiers:
            reasons.append("update verification (not boot verification): " + ", ".join(verifiers))
        reasons.append("the inspector checks the vendor's secure-boot documentation and, where possible, "
                       "that a modified image is refused at boot")
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + default_note(
            ["verified_boot_tools"] if defaulted else []), indicators=indicators)
