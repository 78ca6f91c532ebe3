"""TEL-01: telemetry minimised and disclosed (guided procedure).

The inspector compares what the manufacturer declares about personal data and cloud services
with the destinations the device actually sent data to; the capture gives those destinations,
the bytes sent to each and whether the declaration covers them.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import covered_by, declared_endpoints, device_of, remote_destinations
from workbench.checks.base import Check, CheckResult, EvidenceKind, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import FLOW_VIEW, REMOTE, Page, table_cell


class TelemetryDisclosed(Check):
    requirement_id = "TEL-01"
    needs = frozenset({EvidenceKind.DECLARATION})
    optional = frozenset({EvidenceKind.CAPTURE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        declaration = ctx.declaration
        endpoints = declared_endpoints(declaration)
        personal = [str(p) for p in (getattr(declaration, "personal_data", None) or [])]
        declared = {"cloud_endpoints": endpoints, "personal_data": personal}
        reasons = [
            f"The declaration lists {len(endpoints)} cloud endpoint(s)."
            if endpoints is not None
            else "The declaration does not state the cloud endpoints.",
            f"The declaration lists personal data: {', '.join(personal)}."
            if personal
            else "The declaration lists no personal data processed.",
        ]
        observed: dict[str, Any] = {}
        if ctx.has(EvidenceKind.CAPTURE):
            destinations = remote_destinations(ctx, device_of(ctx))
            for entry in destinations.values():
                entry["declared"] = (
                    bool(endpoints)
                    and covered_by(
                        endpoints or [],
                        names=[entry["name"]] if entry["name"] else [],
                        address=entry["addresses"][0],
                    )
                    is not None
                )
            observed["cloud_endpoints"] = sorted(destinations)
            observed["destinations"] = destinations
            undeclared = sorted(k for k, e in destinations.items() if not e["declared"])
            observed["undeclared_destinations"] = undeclared
            sent = sum(e["bytes_sent"] for e in destinations.values())
            reasons.append(
                f"The device sent {sent} byte(s) to {len(destinations)} remote destination(s)"
                + (f"; not declared: {', '.join(undeclared)}." if undeclared else ", all declared.")
            )
        else:
            reasons.append("No capture in the case: the destinations the device sends data to are not shown.")
        reasons.append(
            "Compare each destination and what is sent to it with the user documentation; record the"
            " documents examined as evidence."
        )
        return self.result(
            ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators={"declared": declared, "observed": observed}
        )


CHECK = TelemetryDisclosed

# The notebook page of TEL-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Where the device sends data, and how much: compare it with what the manufacturer "
    "discloses about telemetry and personal data.",
    steps=[
        (
            "Flows the device opened to remote services:",
            table_cell(
                "flows",
                "capture",
                "flows",
                FLOW_VIEW,
                "Flows from the device to remote services",
                where=REMOTE,
            ),
        ),
        ("Traffic over time and bytes per destination:", "ui.plots.traffic(session)"),
    ],
    declared=["cloud_endpoints", "personal_data"],
    procedure=True,
)
