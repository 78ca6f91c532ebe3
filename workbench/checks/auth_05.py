"""AUTH-05: brute-force attempts are made impracticable (assisted).

The capture can show repeated logins against the device's services, and how quickly they
followed each other; whether the device throttled or locked out is for the inspector's own
hands-on test, so the check lays out the indicators and asks.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    device_flows,
    device_of,
    packet_refs,
    packets_of,
    payload_protocol,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import Page, table_cell

_COLUMNS = ("protocol", "client_ip", "server_ip", "server_port", "username", "packets", "detail")


class BruteForce(Check):
    requirement_id = "AUTH-05"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE})
    parameters = ("hands_on_attempts", "repeated_attempts", "login_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        hands_on = params.integer("hands_on_attempts")
        procedure = (
            f"Try at least {hands_on} wrong passwords in a row on every login interface (web, app,"
            " telnet/SSH, RTSP) and record whether the device delays, limits or locks out;"
            " attach the log as evidence."
        )
        if not ctx.has(EvidenceKind.CAPTURE):
            return self.result(
                ctx,
                Verdict.NEEDS_INSPECTOR,
                ["No capture in the case: no login attempts to show.", procedure, *params.notes],
            )
        repeated = params.integer("repeated_attempts")
        login_protocols = set(params.lowered("login_protocols"))
        device = device_of(ctx)
        logins: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
        for row in rows(ctx.capture_table("credentials"), _COLUMNS):
            if device.known and not device.is_device(row["server_ip"]):
                continue
            key = (
                text(row["protocol"]),
                text(row["client_ip"]),
                text(row["server_ip"]),
                text(row["server_port"]),
            )
            logins.setdefault(key, []).append(row)
        connections: dict[str, dict[str, int]] = {}
        for row in device_flows(ctx, device, "server"):
            protocol = payload_protocol(row)
            if protocol.removesuffix("-alt") in login_protocols:
                service = f"{protocol} {text(row['transport']).lower()}/{text(row['server_port'])}"
                per_client = connections.setdefault(service, {})
                per_client[text(row["client_ip"])] = per_client.get(text(row["client_ip"]), 0) + 1
        findings = []
        for (protocol, client, server, port), attempts in sorted(logins.items()):
            if len(attempts) < repeated:
                continue
            packets = [p for a in attempts for p in packets_of(a["packets"])]
            users = sorted({text(a["username"]) for a in attempts if text(a["username"])})
            findings.append(
                Finding(
                    summary=f"{len(attempts)} {protocol} login attempts from {client} to {server}:{port}"
                    f" (users: {', '.join(users[:5]) or 'unknown'}); see whether the device slowed them.",
                    severity=Severity.INFO,
                    evidence=packet_refs(attempts[0], packets, note=f"{protocol} login"),
                    data={
                        "protocol": protocol,
                        "client_ip": client,
                        "server": f"{server}:{port}",
                        "attempts": len(attempts),
                        "users": users,
                    },
                )
            )
        indicators = {
            "login_attempts": {
                f"{p} {c} -> {s}:{port}": len(a) for (p, c, s, port), a in sorted(logins.items())
            },
            "connections_to_login_services": connections,
            "repeated_attempts_threshold": repeated,
            "device": device.describe(),
        }
        reasons = [
            f"{len(findings)} series of {repeated} or more logins against the device seen in the capture."
            if findings
            else "The capture shows no repeated logins against the device.",
            procedure,
            *params.notes,
        ]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)


CHECK = BruteForce

# The notebook page of AUTH-05: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Repeated login attempts in the capture show whether the device slows down or locks out "
    "an attacker guessing passwords. The capture only gives indicators: the decisive test is "
    "yours, hands-on.",
    steps=[
        (
            "Every login seen in the capture (`packets` are Wireshark's packet numbers): many rows "
            "for one server and user, close in time, are a guessing attempt.",
            table_cell(
                "logins",
                "capture",
                "credentials",
                ["packets", "protocol", "client_ip", "server_ip", "server_port", "username", "detail"],
                "Login attempts seen in the capture",
            ),
        ),
        (
            "Attempts per protocol:",
            'ui.plots.value_counts(logins, "protocol", "Login attempts per protocol")',
        ),
    ],
    procedure=True,
)
