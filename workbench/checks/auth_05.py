"""AUTH-05: brute-force attempts are made impracticable (assisted).

The capture can show repeated logins against the device's services, and how quickly they
followed each other; whether the device throttled or locked out is for the inspector's own
hands-on test, so the check lays out the indicators and asks.
"""

from __future__ import annotations

from workbench.checks._network import Device, Row, device_flows, device_of, packet_refs, payload_protocol
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext

Service = tuple[str, str, str, str]  # protocol, client, server, port


class BruteForce(Check):
    requirement_id = "AUTH-05"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE})
    parameters = ("hands_on_attempts", "repeated_attempts", "login_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        procedure = (
            f"Try at least {params.integer('hands_on_attempts')} wrong passwords in a row on every login"
            " interface (web, app, telnet/SSH, RTSP) and record whether the device delays, limits or locks"
            " out; attach the log as evidence."
        )
        if not ctx.has(EvidenceKind.CAPTURE):
            reasons = ["No capture in the case: no login attempts to show.", procedure, *params.notes]
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons)
        repeated = params.integer("repeated_attempts")
        login_protocols = set(params.lowered("login_protocols"))
        device = device_of(ctx)
        logins = self._logins(ctx, device)
        findings = [
            self._finding(k, attempts) for k, attempts in sorted(logins.items()) if len(attempts) >= repeated
        ]
        indicators = {
            "login_attempts": {
                f"{p} {c} -> {s}:{port}": len(a) for (p, c, s, port), a in sorted(logins.items())
            },
            "connections_to_login_services": self._connections(ctx, device, login_protocols),
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

    @staticmethod
    def _logins(ctx: EvidenceContext, device: Device) -> dict[Service, list[Row]]:
        """Logins against the device's services, per client and service."""
        logins: dict[Service, list[Row]] = {}
        columns = ("protocol", "client_ip", "server_ip", "server_port", "username", "packets")
        for row in ctx.capture_rows("credentials", columns):
            if not device.concerns(row["server_ip"]):
                continue
            port = "" if row["server_port"] is None else str(row["server_port"])
            key = (row["protocol"] or "", row["client_ip"] or "", row["server_ip"] or "", port)
            logins.setdefault(key, []).append(row)
        return logins

    @staticmethod
    def _connections(
        ctx: EvidenceContext, device: Device, login_protocols: set[str]
    ) -> dict[str, dict[str, int]]:
        """Connections per client to each of the device's login services."""
        connections: dict[str, dict[str, int]] = {}
        for row in device_flows(
            ctx, device, "server", ("transport", "client_ip", "server_port", "app_proto")
        ):
            protocol = payload_protocol(row)
            if protocol.removesuffix("-alt") in login_protocols:
                service = f"{protocol} {(row['transport'] or '').lower()}/{row['server_port']}"
                per_client = connections.setdefault(service, {})
                client = row["client_ip"] or ""
                per_client[client] = per_client.get(client, 0) + 1
        return connections

    @staticmethod
    def _finding(service: Service, attempts: list[Row]) -> Finding:
        protocol, client, server, port = service
        packets = [p for a in attempts for p in a["packets"] or ()]
        users = sorted({a["username"] for a in attempts if a["username"]})
        return Finding(
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


CHECK = BruteForce
