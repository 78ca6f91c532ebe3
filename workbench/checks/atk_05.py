"""ATK-05: binaries hardened: NX everywhere; PIE, RELRO and stack canaries where they can be told.

The catalogue's `required` lists the properties of the engine's `binaries` table (nx, pie, relro,
canary, fortify) a binary must have (`yes`, or `full`); `min_relro` (partial or full) says which
RELRO suffices. Binaries under `ignored_path_prefixes` (kernel modules) are not judged. A value
the engine reports as "undeterminable" (a stripped static binary says nothing of its canaries) is
an indicator for the inspector, never a failure. PIE is not asked of shared libraries and kernel
modules, which are position-independent by construction or not programs.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, cap, ref
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.parameters import Parameters
from workbench.firmware.schema import BINARIES
from workbench.i18n import _, tr

_UNDETERMINED = {"undeterminable", "unknown", "n/a", ""}
_LIBRARY = re.compile(r"\.so(\.\d+)*$|\.ko$")


def required_properties(params: Parameters) -> dict[str, set[str]]:
    """property -> the values that satisfy it, from `required` and `min_relro`."""
    required = {prop: {"yes", "full"} for prop in params.lowered("required")}
    if "relro" in required:
        min_relro = str(params.get("min_relro")).lower()
        required["relro"] = {"full"} if min_relro == "full" else {"full", "partial"}
    return required


def applies(prop: str, path: str) -> bool:
    return not (prop == "pie" and _LIBRARY.search(PurePosixPath(path).name))


def _lacking(row: Row, required: dict[str, set[str]], undeterminable: dict[str, list[str]]) -> list[str]:
    """`property value` for each required property the binary lacks; notes the undeterminable."""
    path, lacking = row["path"] or "", []
    for prop, accepted in required.items():
        value = (row.get(prop) or "").lower()
        if not applies(prop, path):
            continue
        if value in _UNDETERMINED:
            undeterminable.setdefault(prop, []).append(path)
        elif value not in accepted:
            lacking.append(f"{prop} {value}")
    return lacking


def _finding(row: Row, lacking: list[str], required: dict[str, set[str]]) -> Finding:
    path = row["path"] or ""
    return Finding(
        summary=tr("{path} lacks hardening: {properties}", path=path, properties=", ".join(lacking)),
        severity=Severity.HIGH if any(x.startswith("nx") for x in lacking) else Severity.MEDIUM,
        evidence=(ref(row, path=path),),
        data={"path": path, "lacking": lacking,
              **{k: row.get(k) or "" for k in ("arch", "static", "stripped", *required)}},
    )  # fmt: skip


class BinariesHardened(FirmwareCheck):
    requirement_id = "ATK-05"
    parameters = ("required", "min_relro", "ignored_path_prefixes")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        required = required_properties(params)
        ignored = tuple(params.lowered("ignored_path_prefixes"))
        wanted = ("path", "arch", "static", "stripped", *(p for p in required if p in BINARIES.names))
        every = list(ctx.firmware_rows("binaries", tuple(dict.fromkeys(wanted))))
        binaries = [row for row in every if not (row["path"] or "").startswith(ignored)]
        findings: list[Finding] = []
        undeterminable: dict[str, list[str]] = {}
        missing_counts: dict[str, int] = {}
        for row in binaries:
            lacking = _lacking(row, required, undeterminable)
            for item in lacking:
                prop = item.split(" ", 1)[0]
                missing_counts[prop] = missing_counts.get(prop, 0) + 1
            if lacking:
                findings.append(_finding(row, lacking, required))
        indicators = {
            "required": {k: sorted(v) for k, v in required.items()},
            "observed": {
                "binaries": len(binaries),
                "not_judged": len(every) - len(binaries),
                "lacking_by_property": missing_counts,
                "undeterminable": {k: v[:50] for k, v in undeterminable.items()},
            },
        }
        undetermined_note = [
            tr(
                "{property} could not be determined for {n} binary(ies) (e.g. {path}): "
                "reported for the inspector, not counted as a failure",
                property=prop,
                n=len(paths),
                path=paths[0],
            )
            for prop, paths in sorted(undeterminable.items())
        ]
        notes = params.notes
        if not binaries:
            return self.result(
                ctx,
                Verdict.NOT_APPLICABLE,
                [_("the image contains no ELF binary"), *notes],
                indicators=indicators,
            )
        if findings:
            reasons = [
                tr(
                    "{n} of {total} ELF binaries lack a required hardening property: {counts}",
                    n=len(findings),
                    total=len(binaries),
                    counts=", ".join(f"{k} ({v})" for k, v in sorted(missing_counts.items())),
                ),
                *undetermined_note,
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = [
            tr(
                "all {n} ELF binaries have the required hardening where it can be determined", n=len(binaries)
            ),
            *undetermined_note,
            *notes,
        ]
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)


CHECK = BinariesHardened
