"""INT-01: the device verifies its software's integrity at boot (secure or verified boot).

What a root file system can show is indirect. For each indicator the catalogue lists, the check
looks for its traces in the image's layers and files:

- `signed_fit_image`: a FIT image (.itb/.fit, or a layer the engine names FIT);
- `dm_verity`: veritysetup, a veritytab, verity metadata layers;
- `uboot_verified_boot`: fit_check_sign, U-Boot's signature tooling, a public key for U-Boot;
- `ima_evm`: evmctl, IMA policies (/etc/ima/), kernel keyrings (/etc/keys/);
- `android_verified_boot`: avbtool, vbmeta partitions.

Files named in the catalogue's `verified_boot_tools` are reported too. A legacy uImage header
carries CRCs only: integrity against corruption, not authenticity. The
check always proposes NEEDS_INSPECTOR: secure boot rooted in the SoC is invisible in an image.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, describe_update, update_rows
from workbench.checks.base import CheckResult, EvidenceKind, Verdict
from workbench.i18n import N_, _, tr

_FILE_TRACES = {
    "signed_fit_image": re.compile(r"\.(itb|fit)$", re.I),
    "dm_verity": re.compile(r"(^|/)(veritysetup|veritytab|[^/]*\.verity|dm-verity[^/]*)$", re.I),
    "uboot_verified_boot": re.compile(
        r"(^|/)(fit_check_sign|fit_info|u-boot[^/]*\.dtb|dev\.crt|dev\.key)$", re.I
    ),
    "ima_evm": re.compile(r"(^|/)(evmctl)$|^/etc/ima/|^/etc/keys/", re.I),
    "android_verified_boot": re.compile(r"(^|/)(avbtool|vbmeta[^/]*)$", re.I),
}
_LAYER_TRACES = {
    "signed_fit_image": re.compile(r"\bfit\b|itb", re.I),
    "dm_verity": re.compile(r"verity", re.I),
    "android_verified_boot": re.compile(r"avb|vbmeta", re.I),
}

# The catalogue's indicators as the reasons name them (a lab's own indicator: its name, spaced).
_NAMES = {
    "signed_fit_image": N_("signed fit image"),
    "dm_verity": N_("dm verity"),
    "uboot_verified_boot": N_("uboot verified boot"),
    "ima_evm": N_("ima evm"),
    "android_verified_boot": N_("android verified boot"),
    "verified_boot_tools": N_("verified boot tools"),
}


def _name(indicator: str) -> str:
    return _(_NAMES[indicator]) if indicator in _NAMES else indicator.replace("_", " ")


def _at(row: Row) -> str:
    return f"0x{row['offset'] or 0:x}"


def traces_of(ctx: Any, wanted: list[str], tools: list[str], layers: list[Row]) -> dict[str, list[str]]:
    """indicator -> the layers and files that show it, and the verified-boot tools present."""
    files = [row["path"] or "" for row in ctx.firmware_rows("files", ("path",))]
    traces: dict[str, list[str]] = {name: [] for name in wanted}
    traces["verified_boot_tools"] = [p for p in files if PurePosixPath(p).name.lower() in set(tools)][:20]
    for name in wanted:
        layer_re, file_re = _LAYER_TRACES.get(name), _FILE_TRACES.get(name)
        if layer_re is not None:
            traces[name] += [
                tr("{format} layer at {offset}", format=row["format"] or "", offset=_at(row))
                for row in layers
                if layer_re.search(row["format"] or "")
            ]
        if file_re is not None:
            traces[name] += [p for p in files if file_re.search(p)][:20]
    return traces


class BootIntegrity(FirmwareCheck):
    requirement_id = "INT-01"
    optional = frozenset({EvidenceKind.INSPECTOR})
    parameters = ("indicators", "verified_boot_tools")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        wanted = params.lowered("indicators")  # the families looked for
        layers = list(ctx.firmware_rows("layers", ("offset", "format")))
        traces = traces_of(ctx, wanted, params.lowered("verified_boot_tools"), layers)
        uimage = [
            tr("uImage at {offset}", offset=_at(row))
            for row in layers
            if "uimage" in (row["format"] or "").lower()
        ]
        rows = update_rows(ctx)
        verifiers = [describe_update(r) for r in rows.get("verifier", []) + rows.get("public_key", [])]
        indicators = {
            "observed": {
                "indicators": traces,
                "image_layers": [
                    tr("{format} at {offset}", format=row["format"], offset=_at(row))
                    for row in layers
                    if row["format"]
                ],
                "crc_only_headers": uimage,
                "update_verifiers": verifiers,
            }
        }
        present = {name: found for name, found in traces.items() if found}
        if present:
            lead = tr(
                "signs of boot-time verification: {traces}",
                traces="; ".join(
                    f"{_name(name)} ({', '.join(found[:3])})" for name, found in present.items()
                ),
            )
        else:
            lead = tr(
                "no trace of {indicators} in the image; "
                "secure boot rooted in the SoC's boot ROM is invisible in a root file system",
                indicators=", ".join(_name(n) for n in wanted),
            )
        reasons = [lead]
        if uimage:
            reasons.append(
                _("legacy uImage headers carry CRCs: integrity against corruption, not authenticity")
            )
        if verifiers:
            reasons.append(
                tr("update verification (not boot verification): {verifiers}", verifiers=", ".join(verifiers))
            )
        reasons.append(
            _(
                "the inspector checks the vendor's secure-boot documentation and, where possible, "
                "that a modified image is refused at boot"
            )
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, indicators=indicators)


CHECK = BootIntegrity
