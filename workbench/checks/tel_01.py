"""TEL-01: telemetry minimised and disclosed (guided procedure).

The inspector compares what the manufacturer declares about personal data and cloud services
with the destinations the device actually sent data to; the capture gives those destinations,
the bytes sent to each and whether the declaration covers them.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    covered_by,
    declared_endpoints,
    device_of,
    remote_destinations,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr


class TelemetryDisclosed(Check):
    requirement_id = "TEL-01"
    needs = frozenset({EvidenceKind.DECLARATION})
    optional = frozenset({EvidenceKind.CAPTURE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        declaration = ctx.declaration
        endpoints = declared_endpoints(declaration)
        personal = list(declaration.personal_data) if declaration is not None else []
        reasons = [
            tr("The declaration lists {n} cloud endpoint(s).", n=len(endpoints))
            if endpoints is not None
            else _("The declaration does not state the cloud endpoints."),
            tr("The declaration lists personal data: {items}.", items=", ".join(personal))
            if personal
            else _("The declaration lists no personal data processed."),
        ]
        observed: dict[str, Any] = {}
        if ctx.has(EvidenceKind.CAPTURE):
            observed = self._destinations(ctx, endpoints or [])
            sent = sum(e["bytes_sent"] for e in observed["destinations"].values())
            undeclared = observed["undeclared_destinations"]
            values = {
                "n": sent,
                "destinations": len(observed["destinations"]),
                "undeclared": ", ".join(undeclared),
            }
            reasons.append(
                tr(
                    "The device sent {n} byte(s) to {destinations} remote destination(s); not declared:"
                    " {undeclared}.",
                    **values,
                )
                if undeclared
                else tr(
                    "The device sent {n} byte(s) to {destinations} remote destination(s), all declared.",
                    **values,
                )
            )
        else:
            reasons.append(
                _("No capture in the case: the destinations the device sends data to are not shown.")
            )
        reasons.append(
            _(
                "Compare each destination and what is sent to it with the user documentation; record the"
                " documents examined as evidence."
            )
        )
        declared = {"cloud_endpoints": endpoints, "personal_data": personal}
        return self.result(
            ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators={"declared": declared, "observed": observed}
        )

    @staticmethod
    def _destinations(ctx: EvidenceContext, endpoints: list[str]) -> dict[str, Any]:
        """The remote destinations the device sent data to, each marked declared or not."""
        destinations = remote_destinations(ctx, device_of(ctx))
        for entry in destinations.values():
            names = [entry["name"]] if entry["name"] else []
            entry["declared"] = (
                bool(endpoints)
                and covered_by(endpoints, names=names, address=entry["addresses"][0]) is not None
            )
        return {
            "cloud_endpoints": sorted(destinations),
            "destinations": destinations,
            "undeclared_destinations": sorted(k for k, e in destinations.items() if not e["declared"]),
        }


CHECK = TelemetryDisclosed
