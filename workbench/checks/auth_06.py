"""AUTH-06: network access to the device requires authentication (assisted).

FAIL on what the capture shows unambiguously: an anonymous FTP login the device accepted (user
names from the catalogue's `anonymous_users`).
Every other service of the device is laid out with whether a login was seen on it, and a
telnet session with no login exchanged is pointed out (it may have reached a shell directly).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    Device,
    Row,
    declared_port_labels,
    device_of,
    device_services,
    packet_refs,
    ref,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext

_ACCEPTED = ("230", "accepted", "logged in", "success", "granted")
_REFUSED = ("530", "reject", "refused", "denied", "fail", "incorrect", "invalid")


def login_outcome(detail: str) -> bool | None:
    """True when the engine's detail says the login was accepted, False when refused, else None."""
    low = detail.lower()
    if any(word in low for word in _REFUSED):
        return False
    if any(word in low for word in _ACCEPTED):
        return True
    return None


class NetworkAuthentication(Check):
    requirement_id = "AUTH-06"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("anonymous_users",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        anonymous = set(params.lowered("anonymous_users"))
        device = device_of(ctx)
        logins_on: dict[str, int] = {}  # "tcp/21" -> logins seen on the device's service
        findings = self._anonymous_logins(ctx, device, anonymous, logins_on)
        layout: dict[str, dict[str, Any]] = {}
        for label, entry in sorted(device_services(ctx, device).items()):
            layout[label] = {
                "protocols": entry["protocols"],
                "clients": entry["clients"],
                "sessions": entry["sessions"],
                "logins_seen": logins_on.get(label, 0),
            }
            if "telnet" in entry["protocols"] and entry["sessions"] and not logins_on.get(label):
                findings.append(self._telnet_without_login(label, entry["rows"]))
        unauthenticated = sorted(k for k, v in layout.items() if not v["logins_seen"])
        indicators = {
            "observed_ports": layout,
            "services_without_login_seen": unauthenticated,
            "declared_ports": declared_port_labels(ctx.declaration, services=False),
            "device": device.describe(),
            "anonymous_users": sorted(anonymous),
        }
        if any(f.data.get("accepted") for f in findings):
            reasons = ["The device accepts anonymous network logins.", device.describe(), *params.notes]
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        reasons = [
            f"The capture shows {len(layout)} service(s) of the device; no login was seen on"
            f" {len(unauthenticated)} of them."
            if layout
            else "The capture shows no service of the device.",
            "Connect to every open service without credentials (web pages and APIs, RTSP, telnet,"
            " debug ports) and record whether each asks for authentication.",
            *params.notes,
        ]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)

    @staticmethod
    def _anonymous_logins(
        ctx: EvidenceContext, device: Device, anonymous: set[str], logins_on: dict[str, int]
    ) -> list[Finding]:
        """Anonymous FTP logins to the device not refused; counts every login per service meanwhile."""
        findings = []
        columns = ("protocol", "server_ip", "server_port", "username", "packets", "detail")
        for row in ctx.capture_rows("credentials", columns):
            if not device.concerns(row["server_ip"]):
                continue
            port = "" if row["server_port"] is None else str(row["server_port"])
            label = f"tcp/{port}" if port else "unknown"
            logins_on[label] = logins_on.get(label, 0) + 1
            user = (row["username"] or "").lower()
            if not ((row["protocol"] or "").lower().startswith("ftp") and user in anonymous):
                continue
            detail = row["detail"] or ""
            accepted = login_outcome(detail)
            if accepted is False:
                continue
            where = f"{row['server_ip'] or ''}:{port}"
            findings.append(
                Finding(
                    summary=f"The FTP server at {where} {'accepted' if accepted else 'was sent'} an anonymous"
                    f" login ({user!r}).",
                    severity=Severity.HIGH if accepted else Severity.MEDIUM,
                    evidence=packet_refs(row, row["packets"] or (), note="anonymous FTP login"),
                    data={"accepted": accepted, "server": where, "detail": detail},
                )
            )
        return findings

    @staticmethod
    def _telnet_without_login(label: str, rows: list[Row]) -> Finding:
        session = next(r for r in rows if (r.get("app_proto") or "").lower() == "telnet")
        return Finding(
            summary=f"A telnet session on the device at {label} carried data with no login seen:"
            " check whether it opened a shell without authentication.",
            severity=Severity.MEDIUM,
            evidence=(ref(session, packet=session.get("first_packet"), note="telnet session start"),),
            data={"port": label, "client_ip": session.get("client_ip") or ""},
        )


CHECK = NetworkAuthentication
