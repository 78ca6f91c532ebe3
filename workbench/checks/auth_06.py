"""AUTH-06: network access to the device requires authentication (assisted).

FAIL on what the capture shows unambiguously: an anonymous FTP login the device accepted (user
names from the catalogue's `anonymous_users`).
Every other service of the device is laid out with whether a login was seen on it, and a
telnet session with no login exchanged is pointed out (it may have reached a shell directly).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    declared_ports,
    device_of,
    device_services,
    packet_refs,
    packets_of,
    port_label,
    ref,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import OPEN_PORT_VIEW, Page, table_cell

_ACCEPTED = ("230", "accepted", "logged in", "success", "granted")
_REFUSED = ("530", "reject", "refused", "denied", "fail", "incorrect", "invalid")
_CRED_COLUMNS = ("protocol", "client_ip", "server_ip", "server_port", "username", "packets", "detail")


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
        findings: list[Finding] = []
        logins_on: dict[str, int] = {}  # "tcp/21" -> logins seen on the device's service
        for row in rows(ctx.capture_table("credentials"), _CRED_COLUMNS):
            if device.known and not device.is_device(row["server_ip"]):
                continue
            port = text(row["server_port"])
            label = f"tcp/{port}" if port else "unknown"
            logins_on[label] = logins_on.get(label, 0) + 1
            user = text(row["username"]).lower()
            if not (text(row["protocol"]).lower().startswith("ftp") and user in anonymous):
                continue
            accepted = login_outcome(text(row["detail"]))
            if accepted is False:
                continue
            where = f"{text(row['server_ip'])}:{port}"
            findings.append(
                Finding(
                    summary=f"The FTP server at {where} {'accepted' if accepted else 'was sent'} an anonymous"
                    f" login ({user!r}).",
                    severity=Severity.HIGH if accepted else Severity.MEDIUM,
                    evidence=packet_refs(row, packets_of(row["packets"]), note="anonymous FTP login"),
                    data={"accepted": accepted, "server": where, "detail": text(row["detail"])},
                )
            )
        services = device_services(ctx, device)
        layout: dict[str, dict[str, Any]] = {}
        for label, entry in sorted(services.items()):
            layout[label] = {
                "protocols": entry["protocols"],
                "clients": entry["clients"],
                "sessions": entry["sessions"],
                "logins_seen": logins_on.get(label, 0),
            }
            if "telnet" in entry["protocols"] and entry["sessions"] and not logins_on.get(label):
                session = next(r for r in entry["rows"] if text(r.get("app_proto")).lower() == "telnet")
                findings.append(
                    Finding(
                        summary=f"A telnet session on the device at {label} carried data with no login seen:"
                        " check whether it opened a shell without authentication.",
                        severity=Severity.MEDIUM,
                        evidence=(
                            ref(session, packet=session.get("first_packet"), note="telnet session start"),
                        ),
                        data={"port": label, "client_ip": text(session.get("client_ip"))},
                    )
                )
        unauthenticated = sorted(k for k, v in layout.items() if not v["logins_seen"])
        indicators = {
            "observed_ports": layout,
            "services_without_login_seen": unauthenticated,
            "declared_ports": [
                port_label(p["proto"] or "any", p["port"]) for p in declared_ports(ctx.declaration)
            ],
            "device": device.describe(),
            "anonymous_users": sorted(anonymous),
        }
        if any(f.data.get("accepted") for f in findings):
            return self.result(
                ctx,
                Verdict.FAIL,
                ["The device accepts anonymous network logins.", device.describe(), *params.notes],
                findings,
                indicators,
            )
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


CHECK = NetworkAuthentication

# The notebook page of AUTH-06: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="A network service that answers without asking who is there: an anonymous FTP login "
    "accepted, a telnet shell without a login prompt.",
    steps=[
        (
            "Logins seen in the capture; a user name `anonymous` or `ftp` accepted by an FTP server "
            "is an anonymous login.",
            table_cell(
                "logins",
                "capture",
                "credentials",
                ["packets", "protocol", "server_ip", "server_port", "username", "detail"],
                "Logins seen in the capture",
            ),
        ),
        (
            "The device's open ports: each is a service to ask about authentication.",
            table_cell("ports", "capture", "open_ports", OPEN_PORT_VIEW, "Open ports of the device"),
        ),
    ],
    declared=["open_ports", "services"],
)
