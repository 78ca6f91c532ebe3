"""ATK-05: binaries hardened: NX everywhere; PIE, RELRO and stack canaries where they can be told.

The catalogue's `required_hardening` maps each property of the engine's `binaries` table (nx,
pie, relro, canary, fortify) to the values that satisfy it (e.g. relro: [full, partial]);
binaries under `ignored_path_prefixes` (kernel modules) are not judged. A value the engine
reports as "undeterminable" (a stripped static binary says nothing of its
canaries) is an indicator for the inspector, never a failure. PIE is not asked of shared
libraries and kernel modules, which are position-independent by construction or not programs.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    cap,
    default_note,
    parameter_list,
    ref,
    table,
    text,
)
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.page import Page, table_cell

DEFAULT_REQUIRED = ("nx", "pie", "relro", "canary")
DEFAULT_IGNORED = ("/lib/modules/",)
_COLUMNS = (
    "path",
    "arch",
    "nx",
    "pie",
    "relro",
    "canary",
    "fortify",
    "stripped",
    "static",
    "rpath",
    "runpath",
)
_UNDETERMINED = {"undeterminable", "unknown", "n/a", ""}
_LIBRARY = re.compile(r"\.so(\.\d+)*$|\.ko$")


def required_properties(ctx: Any) -> tuple[dict[str, set[str]], list[str]]:
    """property -> accepted values, and the parameters that fell back to the default.

    `required_hardening` maps each property to its accepted values ({relro: [full, partial]}); the
    alternative form is `required` (a list of properties) with `min_relro` (partial or full)."""
    mapping = ctx.parameters.get("required_hardening")
    if isinstance(mapping, dict) and mapping:
        return {
            str(prop).lower(): {str(v).lower() for v in (values if isinstance(values, list) else [values])}
            for prop, values in mapping.items()
        }, []
    props, props_default = parameter_list(ctx, "required", DEFAULT_REQUIRED)
    raw_relro = ctx.parameters.get("min_relro")
    min_relro = str(raw_relro or "partial").lower()
    required = {prop: {"yes", "full"} for prop in props}
    if "relro" in required:
        required["relro"] = {"full"} if min_relro == "full" else {"full", "partial"}
    defaulted = ["required_hardening"] if props_default and raw_relro is None else []
    return required, defaulted


def applies(prop: str, path: str) -> bool:
    return not (prop == "pie" and _LIBRARY.search(PurePosixPath(path).name))


class BinariesHardened(FirmwareCheck):
    requirement_id = "ATK-05"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        required, defaulted = required_properties(ctx)
        ignored, ignored_default = parameter_list(ctx, "ignored_path_prefixes", DEFAULT_IGNORED)
        if ignored_default:
            defaulted.append("ignored_path_prefixes")
        every = table(ctx, "binaries", (*_COLUMNS, *required))
        binaries = [row for row in every if not text(row["path"]).startswith(tuple(ignored))]
        findings: list[Finding] = []
        undeterminable: dict[str, list[str]] = {}
        missing_counts: dict[str, int] = {}
        for row in binaries:
            path = text(row["path"])
            lacking = []
            for prop, accepted in required.items():
                value = text(row.get(prop)).lower()
                if not applies(prop, path):
                    continue
                if value in _UNDETERMINED:
                    undeterminable.setdefault(prop, []).append(path)
                elif value not in accepted:
                    lacking.append(f"{prop} {value}")
                    missing_counts[prop] = missing_counts.get(prop, 0) + 1
            if lacking:
                findings.append(
                    Finding(
                        summary=f"{path} lacks hardening: {', '.join(lacking)}",
                        severity=Severity.HIGH
                        if any(x.startswith("nx") for x in lacking)
                        else Severity.MEDIUM,
                        evidence=(ref(row, path=path),),
                        data={
                            "path": path,
                            "lacking": lacking,
                            **{k: text(row.get(k)) for k in ("arch", "static", "stripped", *required)},
                        },
                    )
                )
        indicators = {
            "required": {k: sorted(v) for k, v in required.items()},
            "observed": {
                "binaries": len(binaries),
                "not_judged": len(every) - len(binaries),
                "lacking_by_property": missing_counts,
                "undeterminable": {k: v[:50] for k, v in undeterminable.items()},
            },
        }
        notes = default_note(defaulted)
        undetermined_note = [
            f"{prop} could not be determined for {len(paths)} binary(ies) (e.g. {paths[0]}): "
            "reported for the inspector, not counted as a failure"
            for prop, paths in sorted(undeterminable.items())
        ]
        if not binaries:
            return self.result(
                ctx,
                Verdict.NOT_APPLICABLE,
                ["the image contains no ELF binary", *notes],
                indicators=indicators,
            )
        if findings:
            reasons = [
                f"{len(findings)} of {len(binaries)} ELF binaries lack a required hardening property: "
                + ", ".join(f"{k} ({v})" for k, v in sorted(missing_counts.items())),
                *undetermined_note,
                *notes,
            ]
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        return self.result(
            ctx,
            Verdict.PASS,
            [
                f"all {len(binaries)} ELF binaries have the required hardening where it can be determined",
                *undetermined_note,
                *notes,
            ],
            indicators=indicators,
        )


CHECK = BinariesHardened

# The notebook page of ATK-05: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Hardening makes a memory-corruption bug much harder to exploit: NX (no executable "
    "stack), PIE (randomised addresses), RELRO, stack canaries, FORTIFY. `undeterminable` means "
    "the binary (stripped or static) does not allow a decision.",
    steps=[
        (
            "One row per ELF binary in the image:",
            table_cell(
                "binaries",
                "firmware",
                "binaries",
                [
                    "path",
                    "arch",
                    "nx",
                    "pie",
                    "relro",
                    "canary",
                    "fortify",
                    "stripped",
                    "static",
                    "rpath",
                    "runpath",
                ],
                "Binary hardening",
            ),
        ),
        ("Hardening properties across all binaries:", "ui.plots.hardening(binaries)"),
    ],
)
