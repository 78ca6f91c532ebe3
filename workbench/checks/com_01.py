"""COM-01: no credentials sent in clear (telnet, FTP, HTTP Basic, MQTT CONNECT, ...)."""

from __future__ import annotations

from workbench.checks._network import device_of, packet_refs, packets_of, rows, text, traffic_gap
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.registry import register

_COLUMNS = ("protocol", "client_ip", "server_ip", "server_port", "username", "secret", "packets", "detail")


@register
class CleartextCredentials(Check):
    requirement_id = "COM-01"
    needs = frozenset({EvidenceKind.CAPTURE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        device = device_of(ctx)
        findings: list[Finding] = []
        elsewhere: list[dict[str, object]] = []
        for row in rows(ctx.capture_table("credentials"), _COLUMNS):
            protocol = text(row["protocol"]) or "unknown protocol"
            client, server, port = text(row["client_ip"]), text(row["server_ip"]), text(row["server_port"])
            packets = packets_of(row["packets"])
            user = text(row["username"])
            if device.source == "case" and not (device.is_device(client) or device.is_device(server)):
                elsewhere.append(
                    {"protocol": protocol, "client": client, "server": server, "packets": packets}
                )
                continue
            role = (
                "sends" if device.is_device(client) else "accepts" if device.is_device(server) else "carries"
            )
            who = "The device" if role != "carries" else "The capture"
            findings.append(
                Finding(
                    summary=(
                        f"{who} {role} {protocol} credentials in clear"
                        f" (user {user!r}) between {client} and {server}:{port}."
                        if user
                        else f"{who} {role} {protocol} credentials in clear between {client}"
                        f" and {server}:{port}."
                    ),
                    severity=Severity.HIGH,
                    evidence=packet_refs(row, packets, note=f"{protocol} credentials"),
                    data={
                        "protocol": protocol,
                        "client_ip": client,
                        "server_ip": server,
                        "server_port": port,
                        "username": user,
                        "secret": text(row["secret"]),
                        "packets": packets,
                        "detail": text(row["detail"]),
                    },
                )
            )
        indicators: dict[str, object] = {
            "protocols_with_credentials": sorted({f.data["protocol"] for f in findings}),
            "device": device.describe(),
        }
        if elsewhere:
            indicators["credentials_between_other_hosts"] = elsewhere
        if findings:
            return self.result(
                ctx,
                Verdict.FAIL,
                [
                    f"{len(findings)} set(s) of credentials cross the network in clear "
                    f"({', '.join(indicators['protocols_with_credentials'])}).",
                    device.describe(),
                ],
                findings,
                indicators,
            )
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap], indicators=indicators)
        reasons = [
            "No credentials were seen in clear in the capture (telnet, FTP, HTTP Basic/Digest, MQTT, ...)."
        ]
        if elsewhere:
            reasons.append(f"{len(elsewhere)} cleartext login(s) between other hosts were ignored.")
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)
