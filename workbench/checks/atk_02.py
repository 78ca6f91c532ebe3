"""ATK-02: no insecure remote-access services (telnet, FTP, TFTP, rlogin/rsh/rexec).

From the firmware: such a service started at boot. From the capture: such a service open on
the device (named by its payload, or by its well-known port). Either evidence suffices.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    INSECURE_SERVICE_PORTS,
    as_bool,
    as_int,
    device_flows,
    device_of,
    port_label,
    ref,
    rows,
    service_in,
    text,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import OPEN_PORT_VIEW, SERVICE_VIEW, Page, table_cell

_PORT_COLUMNS = ("device_ip", "transport", "port", "service", "evidence", "first_packet")
_SERVICE_COLUMNS = ("name", "kind", "source", "line", "command", "runs_as", "port", "enabled", "path")


class InsecureRemoteAccess(Check):
    requirement_id = "ATK-02"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.FIRMWARE})
    parameters = ("insecure_services",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        has_capture, has_firmware = ctx.has(EvidenceKind.CAPTURE), ctx.has(EvidenceKind.FIRMWARE)
        if not (has_capture or has_firmware):
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "missing evidence: a capture of a port scan of the device, or its firmware image,"
                    " is needed to evaluate this requirement"
                ],
            )
        params = self.params(ctx)
        insecure = params.strings("insecure_services")
        findings: list[Finding] = []
        seen_capture: dict[str, list[str]] = {}
        seen_firmware: dict[str, list[str]] = {}
        disabled: list[str] = []
        if has_firmware:
            for row in rows(ctx.firmware_table("services"), _SERVICE_COLUMNS):
                kind = text(row["kind"]).lower()
                service = (
                    kind
                    if kind in insecure
                    else service_in(f"{text(row['name'])} {text(row['command'])}", insecure)
                )
                if not service:
                    continue
                label = text(row["name"]) or service
                if as_bool(row["enabled"]) is False:
                    disabled.append(label)
                    continue
                seen_firmware.setdefault(service, []).append(label)
                where = text(row["source"]) or text(row["path"])
                line = f", line {text(row['line'])}" if text(row["line"]) else ""
                findings.append(
                    Finding(
                        summary=f"The firmware starts {label} ({service}) at boot"
                        + (f" from {where}{line}" if where else "")
                        + ".",
                        severity=Severity.HIGH,
                        evidence=(ref(row, path=where, note=f"{text(row['kind']) or 'boot'} entry{line}"),),
                        data={
                            "service": service,
                            "name": label,
                            "command": text(row["command"]),
                            "port": as_int(row["port"]),
                            "runs_as": text(row["runs_as"]),
                        },
                    )
                )
        if has_capture:
            findings.extend(self._capture_findings(ctx, insecure, seen_capture))
        indicators: dict[str, Any] = {
            "insecure_services": insecure,
            "open_in_capture": seen_capture,
            "started_at_boot": seen_firmware,
            "present_but_disabled": disabled,
            "declared_services": [str(s) for s in (getattr(ctx.declaration, "services", None) or [])],
        }
        reasons = list(params.notes)
        if findings:
            kinds = sorted(set(seen_capture) | set(seen_firmware))
            return self.result(
                ctx,
                Verdict.FAIL,
                [f"Insecure remote-access service(s) reachable or started: {', '.join(kinds)}.", *reasons],
                findings,
                indicators,
            )
        sources = [
            s
            for s, present in (
                ("the firmware's boot services", has_firmware),
                ("the open ports in the capture", has_capture),
            )
            if present
        ]
        if not has_firmware and ctx.capture_table("open_ports").empty:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "The capture shows no open port of the device; add a capture of a port scan, or"
                    " the firmware image.",
                    *reasons,
                ],
                indicators=indicators,
            )
        return self.result(
            ctx,
            Verdict.PASS,
            [f"No telnet, FTP, TFTP or r-service found in {' or '.join(sources)}.", *reasons],
            indicators=indicators,
        )

    @staticmethod
    def _capture_findings(
        ctx: EvidenceContext, insecure: list[str], seen: dict[str, list[str]]
    ) -> list[Finding]:
        device = device_of(ctx)
        by_port: dict[str, dict[str, Any]] = {}
        for row in rows(ctx.capture_table("open_ports"), _PORT_COLUMNS):
            port = as_int(row["port"])
            if port is None or (device.known and not device.is_device(row["device_ip"])):
                continue
            transport = (text(row["transport"]) or "tcp").lower()
            service = service_in(text(row["service"]), insecure)
            basis = "its payload" if service else ""
            if not service:
                known = INSECURE_SERVICE_PORTS.get((transport, port))
                service = known if known in insecure else None
                basis = "its well-known port"
            if service:
                label = port_label(transport, port)
                by_port.setdefault(label, {"service": service, "basis": basis, "rows": []})["rows"].append(
                    row
                )
        for row in device_flows(ctx, device, "server"):
            port = as_int(row["server_port"])
            service = service_in(text(row["app_proto"]), insecure)
            if service and port is not None:
                label = port_label(text(row["transport"]) or "tcp", port)
                entry = by_port.setdefault(label, {"service": service, "basis": "its payload", "rows": []})
                entry["rows"].append({**row, "first_packet": row["first_packet"]})
        findings = []
        for label, entry in sorted(by_port.items()):
            seen.setdefault(entry["service"], []).append(label)
            findings.append(
                Finding(
                    summary=f"{entry['service']} is open on the device at {label}"
                    f" (identified by {entry['basis']}).",
                    severity=Severity.HIGH,
                    evidence=tuple(
                        ref(r, packet=r["first_packet"], note=f"{label} open") for r in entry["rows"][:4]
                    ),
                    data={"service": entry["service"], "port": label},
                )
            )
        return findings


CHECK = InsecureRemoteAccess

# The notebook page of ATK-02: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Telnet, FTP, TFTP, rlogin and rsh send everything in clear and are the first thing "
    "botnets try.",
    steps=[
        (
            "Services started at boot (firmware):",
            table_cell("services", "firmware", "services", SERVICE_VIEW, "Services started at boot"),
        ),
        (
            "Open ports in the capture:",
            table_cell("ports", "capture", "open_ports", OPEN_PORT_VIEW, "Open ports of the device"),
        ),
    ],
    declared=["services", "open_ports"],
)
