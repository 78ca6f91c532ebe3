"""UPD-06: the model and firmware version are recognisable (assisted).

Sets the model and version the manufacturer declares (and the case records) beside the strings
the device itself announces on the network (discovery answers, server banners).
"""

from __future__ import annotations

import re
from typing import Any

from workbench.checks._network import device_of, ref, rows, text
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import Page, table_cell

_COLUMNS = ("packet", "protocol", "src_ip", "name", "server", "model", "version", "banner")


def _mentions(haystack: str, needle: str) -> bool:
    if len(needle) < 2:
        return False
    return re.search(rf"(?<![\w.]){re.escape(needle)}(?![\w]|\.\d)", haystack, re.IGNORECASE) is not None


class VersionRecognisable(Check):
    requirement_id = "UPD-06"
    needs = frozenset({EvidenceKind.DECLARATION})
    optional = frozenset({EvidenceKind.CAPTURE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        declaration = ctx.declaration
        declared = {
            "model": text(getattr(declaration, "model", None)) or text(getattr(ctx.info, "model", None)),
            "firmware_version": text(getattr(declaration, "firmware_version", None))
            or text(getattr(ctx.info, "firmware_version", None)),
        }
        case_values = {
            "model": text(getattr(ctx.info, "model", None)),
            "firmware_version": text(getattr(ctx.info, "firmware_version", None)),
        }
        reasons = []
        for key, value in declared.items():
            if case_values[key] and value and case_values[key] != value:
                reasons.append(
                    f"The declaration's {key.replace('_', ' ')} {value!r} differs from the case's"
                    f" {case_values[key]!r}."
                )
        observed: list[dict[str, Any]] = []
        findings: list[Finding] = []
        if ctx.has(EvidenceKind.CAPTURE):
            device = device_of(ctx)
            for row in rows(ctx.capture_table("discovery"), _COLUMNS):
                if device.known and not device.is_device(row["src_ip"]):
                    continue
                blob = " ".join(text(row[c]) for c in ("name", "server", "model", "version", "banner"))
                matches = {k: _mentions(blob, v) for k, v in declared.items() if v}
                observed.append(
                    {
                        "protocol": text(row["protocol"]),
                        "packet": row["packet"],
                        "model": text(row["model"]),
                        "version": text(row["version"]),
                        "server": text(row["server"]),
                        "matches_declared": matches,
                    }
                )
                if any(matches.values()):
                    shown = ", ".join(k.replace("_", " ") for k, hit in matches.items() if hit)
                    protocol = text(row["protocol"]) or "discovery"
                    findings.append(
                        Finding(
                            summary=f"The device announces its {shown} over {protocol}.",
                            severity=Severity.INFO,
                            evidence=(ref(row, packet=row["packet"], note="announcement"),),
                            data={"matches_declared": matches},
                        )
                    )
        if findings:
            carried = {k for f in findings for k, hit in f.data["matches_declared"].items() if hit}
            shown = ", ".join(sorted(k.replace("_", " ") for k in carried))
            reasons.append(f"The device's own announcements carry the declared {shown}.")
        elif observed:
            reasons.append("The device's announcements do not carry the declared model or version.")
        reasons.append(
            "Check that the model and firmware version can be read on the device, its label, its"
            " app or web interface, and match the declaration; attach a photo or screenshot."
        )
        return self.result(
            ctx,
            Verdict.NEEDS_INSPECTOR,
            reasons,
            findings,
            indicators={
                "declared": declared,
                "observed": {
                    "model": sorted(
                        {a["model"] for a in observed if a["model"]}
                        | {declared["model"] for a in observed if a["matches_declared"].get("model")}
                    ),
                    "firmware_version": sorted(
                        {a["version"] for a in observed if a["version"]}
                        | {
                            declared["firmware_version"]
                            for a in observed
                            if a["matches_declared"].get("firmware_version")
                        }
                    ),
                    "announcements": observed,
                },
                "case": case_values,
            },
        )


CHECK = VersionRecognisable

# The notebook page of UPD-06: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="A user must be able to tell which model and software version they have. Compare what "
    "the case records with what the device says about itself on the network.",
    steps=[
        ("The device as recorded in `case.yaml`:", "ui.show_device(session.case)"),
        (
            "What the device announces (discovery protocols carry model and version strings):",
            table_cell(
                "announced",
                "capture",
                "discovery",
                ["packet", "protocol", "name", "model", "version", "server", "banner"],
                "Model and version announced on the network",
            ),
        ),
    ],
    procedure=True,
)
