"""AUTH-06: network access to the device requires authentication (assisted).

FAIL on what the capture shows unambiguously: an anonymous FTP login the device accepted, or
a telnet session on the device that reached a shell with no login exchanged. Every other
service open on the device is laid out with whether a login was seen on it.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_bool,
    as_int,
    declared_ports,
    device_flows,
    device_of,
    packet_refs,
    packets_of,
    port_label,
    ref,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.registry import register

_ANONYMOUS = {"anonymous", "ftp"}
_ACCEPTED = ("230", "accepted", "logged in", "success", "granted")
_REFUSED = ("530", "refused", "denied", "fail", "incorrect", "invalid")
_CRED_COLUMNS = ("protocol", "client_ip", "server_ip", "server_port", "username", "packets", "detail")


def _outcome(detail: str) -> bool | None:
    low = detail.lower()
    if any(word in low for word in _REFUSED):
        return False
    if any(word in low for word in _ACCEPTED):
        return True
    return None


@register
class NetworkAuthentication(Check):
    requirement_id = "AUTH-06"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        device = device_of(ctx)
        findings: list[Finding] = []
        logins_on: set[tuple[str, str]] = set()  # (server_ip, port) where a login was seen
        for row in rows(ctx.capture_table("credentials"), _CRED_COLUMNS):
            if device.known and not device.is_device(row["server_ip"]):
                continue
            logins_on.add((text(row["server_ip"]), text(row["server_port"])))
            protocol = text(row["protocol"]).lower()
            user = text(row["username"]).lower()
            if protocol.startswith("ftp") and user in _ANONYMOUS:
                accepted = _outcome(text(row["detail"]))
                where = f"{text(row['server_ip'])}:{text(row['server_port'])}"
                if accepted is False:
                    continue
                findings.append(
                    Finding(
                        summary=f"The device's FTP server at {where}"
                        f" {'accepted' if accepted else 'was offered'}"
                        f" an anonymous login ({user!r}).",
                        severity=Severity.HIGH if accepted else Severity.MEDIUM,
                        evidence=packet_refs(row, packets_of(row["packets"]), note="anonymous FTP login"),
                        data={"accepted": accepted, "server": where, "detail": text(row["detail"])},
                    )
                )
        services: dict[str, dict[str, Any]] = {}
        for row in device_flows(ctx, device, "server"):
            port = as_int(row["server_port"])
            if port is None:
                continue
            label = port_label(text(row["transport"]) or "tcp", port)
            protocol = text(row["app_proto"]).lower() or text(row["port_proto"]).lower()
            entry = services.setdefault(
                label,
                {
                    "protocol": protocol,
                    "sessions": 0,
                    "login_seen": False,
                    "encrypted": bool(as_bool(row["encrypted"])),
                },
            )
            entry["sessions"] += 1
            entry["login_seen"] = entry["login_seen"] or (text(row["server_ip"]), str(port)) in logins_on
            if (
                protocol.startswith("telnet")
                and not entry["login_seen"]
                and (as_int(row["bytes_s2c"]) or 0) > 0
                and label not in [f.data.get("port") for f in findings]
            ):
                findings.append(
                    Finding(
                        summary=f"A telnet session on the device at {label} carried data with no login seen:"
                        " check whether it opened a shell without authentication.",
                        severity=Severity.MEDIUM,
                        evidence=(ref(row, packet=row["first_packet"], note="telnet session start"),),
                        data={"port": label, "client_ip": text(row["client_ip"])},
                    )
                )
        # a login seen later on the same port clears the telnet indicator
        findings = [
            f
            for f in findings
            if not (f.data.get("port") and services.get(f.data["port"], {}).get("login_seen"))
        ]
        unauthenticated = sorted(k for k, e in services.items() if not e["login_seen"])
        indicators = {
            "device_services": services,
            "services_without_login_seen": unauthenticated,
            "declared_ports": [
                port_label(p["proto"] or "any", p["port"]) + (f" {p['service']}" if p["service"] else "")
                for p in declared_ports(ctx.declaration)
            ],
            "device": device.describe(),
        }
        accepted = [f for f in findings if f.data.get("accepted")]
        if accepted:
            return self.result(
                ctx,
                Verdict.FAIL,
                ["The device accepts anonymous network logins.", device.describe()],
                findings,
                indicators,
            )
        reasons = [
            f"{len(services)} service(s) of the device carried sessions in the capture; no login was seen on"
            f" {len(unauthenticated)} of them."
            if services
            else "The capture shows no session with a service of the device.",
            "Connect to every open service without credentials (web pages and APIs, RTSP, telnet,"
            " debug ports) and record whether each asks for authentication.",
        ]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)
