"""INPUT-01: input is validated on every interface (assisted).

The capture lists the interfaces the device exposes (its open ports and the services seen on
them, web interfaces first); the inspector tests each with malformed input.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_int,
    declared_ports,
    device_flows,
    device_of,
    port_label,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.registry import register

_WEB = ("http", "https", "http-alt", "https-alt", "tls", "websocket")


@register
class InputValidation(Check):
    requirement_id = "INPUT-01"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        interfaces: dict[str, dict[str, Any]] = {}
        if ctx.has(EvidenceKind.CAPTURE):
            device = device_of(ctx)
            for row in rows(ctx.capture_table("open_ports"), ("device_ip", "transport", "port", "service")):
                port = as_int(row["port"])
                if port is None or (device.known and not device.is_device(row["device_ip"])):
                    continue
                label = port_label(text(row["transport"]) or "tcp", port)
                entry = interfaces.setdefault(label, {"services": [], "clients_seen": 0})
                if text(row["service"]) and text(row["service"]) not in entry["services"]:
                    entry["services"].append(text(row["service"]))
            for row in device_flows(ctx, device, "server"):
                port = as_int(row["server_port"])
                if port is None:
                    continue
                label = port_label(text(row["transport"]) or "tcp", port)
                entry = interfaces.setdefault(label, {"services": [], "clients_seen": 0})
                entry["clients_seen"] += 1
                service = text(row["app_proto"]) or text(row["port_proto"])
                if service and service not in entry["services"]:
                    entry["services"].append(service)
        web = sorted(k for k, e in interfaces.items() if any(s.lower() in _WEB for s in e["services"]))
        declared = [
            port_label(p["proto"] or "any", p["port"]) + (f" {p['service']}" if p["service"] else "")
            for p in declared_ports(ctx.declaration)
        ]
        reasons = []
        if interfaces:
            reasons.append(
                f"The device exposes {len(interfaces)} network interface(s)"
                + (f", web: {', '.join(web)}" if web else "")
                + "."
            )
        elif ctx.has(EvidenceKind.CAPTURE):
            reasons.append("The capture shows no service on the device; a port scan capture lists them.")
        else:
            reasons.append("No capture in the case: take the interfaces from the declaration and the device.")
        reasons.append(
            "Send malformed, oversized and injection input to each interface (web forms and APIs,"
            " app and cloud commands, local protocols) and record the device's behaviour."
        )
        return self.result(
            ctx,
            Verdict.NEEDS_INSPECTOR,
            reasons,
            indicators={"observed_interfaces": interfaces, "web_interfaces": web, "declared_ports": declared},
        )
