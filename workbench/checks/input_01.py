"""INPUT-01: input is validated on every interface (assisted).

The capture lists the interfaces the device exposes (its open ports and the protocols seen on
them, web interfaces first); the inspector tests each with the catalogue's input classes.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    declared_port_labels,
    device_of,
    device_services,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Verdict
from workbench.checks.context import EvidenceContext


class InputValidation(Check):
    requirement_id = "INPUT-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})
    parameters = ("test_classes", "web_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        classes = params.strings("test_classes")
        web_protocols = set(params.lowered("web_protocols"))
        interfaces: dict[str, dict[str, Any]] = {}
        if ctx.has(EvidenceKind.CAPTURE):
            for label, entry in device_services(ctx, device_of(ctx)).items():
                interfaces[label] = {k: entry[k] for k in ("protocols", "clients", "sessions")}
        web = sorted(k for k, e in interfaces.items() if set(e["protocols"]) & web_protocols)
        if interfaces:
            lead = f"The device exposes {len(interfaces)} network interface(s)" + (
                f", web: {', '.join(web)}." if web else "."
            )
        elif ctx.has(EvidenceKind.CAPTURE):
            lead = (
                "The capture shows no service on the device; a capture of a port scan and of the app"
                " in use lists them."
            )
        else:
            lead = "No capture in the case: take the interfaces from the declaration and the device."
        reasons = [
            lead,
            f"Test every parameter of each interface for: {', '.join(classes)};"
            " record the device's behaviour.",
            *params.notes,
        ]
        indicators = {
            "observed_ports": interfaces,
            "web_interfaces": web,
            "declared_ports": declared_port_labels(ctx.declaration, services=True),
            "test_classes": classes,
        }
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)


CHECK = InputValidation
