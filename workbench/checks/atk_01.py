"""ATK-01: only the ports the manufacturer declares are open.

Observed open ports come from the capture (the device answering a SYN, or serving a flow)
and, when a firmware image is in the case, from the services started at boot whose port is
known. An observed port the declaration omits fails; a declared port not observed is shown.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_bool,
    as_int,
    declaration_ref,
    declared_ports,
    device_of,
    port_declared,
    port_label,
    ref,
    rows,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import OPEN_PORT_VIEW, SERVICE_VIEW, Page, table_cell

_UDP_KINDS = {"tftp", "snmp", "upnp", "dns", "ntp", "syslog", "mdns", "coap", "dhcp"}
_PORT_COLUMNS = ("device_ip", "transport", "port", "service", "evidence", "first_packet", "clients")
_SERVICE_COLUMNS = ("name", "kind", "source", "line", "command", "port", "enabled", "path")


def firmware_listeners(ctx: EvidenceContext) -> list[dict[str, Any]]:
    """Boot services of the firmware with a known port (enabled, or enablement unknown)."""
    if not ctx.has(EvidenceKind.FIRMWARE):
        return []
    found = []
    for row in rows(ctx.firmware_table("services"), _SERVICE_COLUMNS):
        port = as_int(row["port"])
        if port is None or not 0 < port < 65536 or as_bool(row["enabled"]) is False:
            continue
        found.append({**row, "_port": port})
    return found


class DeclaredPorts(Check):
    requirement_id = "ATK-01"
    needs = frozenset({EvidenceKind.CAPTURE})
    optional = frozenset({EvidenceKind.DECLARATION, EvidenceKind.FIRMWARE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        device = device_of(ctx)
        observed: dict[str, dict[str, Any]] = {}  # "tcp/23" -> what shows it open
        for row in rows(ctx.capture_table("open_ports"), _PORT_COLUMNS):
            port = as_int(row["port"])
            if port is None or (device.known and not device.is_device(row["device_ip"])):
                continue
            label = port_label(text(row["transport"]) or "tcp", port)
            entry = observed.setdefault(
                label,
                {
                    "transport": (text(row["transport"]) or "tcp").lower(),
                    "port": port,
                    "service": text(row["service"]),
                    "capture": [],
                    "firmware": [],
                },
            )
            entry["capture"].append(row)
        for row in firmware_listeners(ctx):
            port = row["_port"]
            entry = next((e for e in observed.values() if e["port"] == port), None)
            if entry is None:  # the firmware says the port, rarely the transport: guessed from the kind
                transport = "udp" if text(row["kind"]).lower() in _UDP_KINDS else "tcp"
                entry = observed.setdefault(
                    port_label(transport, port),
                    {
                        "transport": transport,
                        "port": port,
                        "service": text(row["name"]),
                        "capture": [],
                        "firmware": [],
                        "transport_guessed": True,
                    },
                )
            entry["firmware"].append(row)
        declaration = ctx.declaration
        ports = declared_ports(declaration)
        indicators: dict[str, Any] = {
            "declared_ports": [
                port_label(p["proto"] or "any", p["port"]) + (f" {p['service']}" if p["service"] else "")
                for p in ports
            ],
            "observed_ports": {
                label: {"service": e["service"], "seen_in": [k for k in ("capture", "firmware") if e[k]]}
                for label, e in sorted(observed.items())
            },
            "device": device.describe(),
        }
        if declaration is None:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "No declaration in the case: the open ports observed (see indicators) cannot be"
                    " compared with what the manufacturer declares."
                ],
                indicators=indicators,
            )
        findings = []
        for label, entry in sorted(observed.items()):
            guessed = entry.get("transport_guessed") and not entry["capture"]
            if port_declared(ports, entry["transport"], entry["port"]) or (
                guessed and any(p["port"] == entry["port"] for p in ports)
            ):
                continue
            refs = [
                ref(r, packet=r["first_packet"], note=f"{label} open ({text(r['evidence']) or 'seen'})")
                for r in entry["capture"][:4]
            ]
            refs += [
                ref(
                    r,
                    path=r["source"] or r["path"],
                    note=f"boot service {text(r['name'])}"
                    + (f", line {text(r['line'])}" if text(r["line"]) else ""),
                )
                for r in entry["firmware"][:4]
            ]
            where = " and ".join(
                k
                for k, v in (
                    ("is open in the capture", entry["capture"]),
                    ("is started at boot by the firmware", entry["firmware"]),
                )
                if v
            )
            service = f" ({entry['service']})" if entry["service"] else ""
            findings.append(
                Finding(
                    summary=f"Port {label}{service} {where} but not declared.",
                    severity=Severity.HIGH,
                    evidence=tuple(refs),
                    data={
                        "port": label,
                        "service": entry["service"],
                        "capture": bool(entry["capture"]),
                        "firmware": bool(entry["firmware"]),
                    },
                )
            )
        not_observed = [
            port_label(p["proto"] or "any", p["port"])
            for p in ports
            if not any(
                e["port"] == p["port"] and p["proto"] in (None, e["transport"]) for e in observed.values()
            )
        ]
        indicators["declared_not_observed"] = not_observed
        indicators["undeclared"] = [f.data["port"] for f in findings]
        sources = "the capture" + (
            " and the firmware's boot services" if ctx.has(EvidenceKind.FIRMWARE) else ""
        )
        if findings:
            findings.append(
                Finding(
                    summary=f"The declaration lists {len(ports)} open port(s): "
                    f"{', '.join(indicators['declared_ports']) or 'none'}.",
                    severity=Severity.INFO,
                    evidence=(declaration_ref(ctx, "open_ports"),),
                    data={},
                )
            )
            return self.result(
                ctx,
                Verdict.FAIL,
                [f"{len(findings) - 1} open port(s) found in {sources} are not declared.", device.describe()],
                findings,
                indicators,
            )
        reasons = [f"Every port found open in {sources} ({len(observed)}) is declared.", device.describe()]
        if not observed:
            reasons[0] = (
                f"No open port of the device was found in {sources}; a capture of a port scan of the"
                " device shows what it exposes."
            )
        if not_observed:
            reasons.append(f"Declared but not seen open: {', '.join(not_observed)}.")
        no_purpose = [port_label(p["proto"] or "any", p["port"]) for p in ports if not p["purpose"]]
        indicators["declared_without_purpose"] = no_purpose
        if not observed and not ctx.has(EvidenceKind.FIRMWARE):
            if no_purpose:
                reasons.append(f"The declaration gives no purpose for {', '.join(no_purpose)}.")
            return self.result(ctx, Verdict.INCONCLUSIVE, reasons, indicators=indicators)
        if no_purpose:  # a pass criterion: each declared port has a stated purpose
            finding = Finding(
                summary=f"The declaration gives no purpose for port(s) {', '.join(no_purpose)}.",
                severity=Severity.LOW,
                evidence=(declaration_ref(ctx, "open_ports[].purpose"),),
                data={"ports": no_purpose},
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary, *reasons], [finding], indicators)
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)


CHECK = DeclaredPorts

# The notebook page of ATK-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Every port the device opens is attack surface. Two sources: ports seen open in the "
    "capture (a port scan answered with SYN-ACK, or a service that served a client), and services "
    "the firmware starts at boot.",
    steps=[
        (
            "Open ports in the capture; `evidence` says how each was seen:",
            table_cell("ports", "capture", "open_ports", OPEN_PORT_VIEW, "Open ports of the device"),
        ),
        (
            "Services started at boot (firmware):",
            table_cell("services", "firmware", "services", SERVICE_VIEW, "Services started at boot"),
        ),
    ],
    declared=["open_ports", "services"],
)
