"""ATK-02: no insecure remote-access services (telnet, FTP, TFTP, rlogin/rsh/rexec).

From the firmware: such a service started at boot. From the capture: such a service open on
the device (named by its payload, or by its well-known port). Either evidence suffices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.checks._network import (
    INSECURE_SERVICE_PORTS,
    Row,
    boot_service_ref,
    capture_or_firmware_missing,
    device_flows,
    device_of,
    first_packet_refs,
    port_label,
    service_in,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr


@dataclass
class Observed:
    """Where each insecure service was found: service -> ports open, or boot entries."""

    capture: dict[str, list[str]] = field(default_factory=dict)
    firmware: dict[str, list[str]] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)


class InsecureRemoteAccess(Check):
    requirement_id = "ATK-02"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.FIRMWARE})
    parameters = ("insecure_services",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        what = _("a capture of a port scan of the device, or its firmware image,")
        if missing := capture_or_firmware_missing(self, ctx, what):
            return missing
        has_capture, has_firmware = ctx.has(EvidenceKind.CAPTURE), ctx.has(EvidenceKind.FIRMWARE)
        params = self.params(ctx)
        insecure = params.strings("insecure_services")
        observed = Observed()
        findings: list[Finding] = []
        if has_firmware:
            findings += self._boot_findings(ctx, insecure, observed)
        if has_capture:
            findings += self._capture_findings(ctx, insecure, observed.capture)
        indicators: dict[str, Any] = {
            "insecure_services": insecure,
            "open_in_capture": observed.capture,
            "started_at_boot": observed.firmware,
            "present_but_disabled": observed.disabled,
            "declared_services": list(ctx.declaration.services) if ctx.declaration is not None else [],
        }
        reasons = list(params.notes)
        if findings:
            kinds = ", ".join(sorted(set(observed.capture) | set(observed.firmware)))
            lead = tr("Insecure remote-access service(s) reachable or started: {services}.", services=kinds)
            return self.result(ctx, Verdict.FAIL, [lead, *reasons], findings, indicators)
        if not has_firmware and ctx.capture_table("open_ports", ["port"]).empty:
            lead = _(
                "The capture shows no open port of the device; add a capture of a port scan, or"
                " the firmware image."
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [lead, *reasons], indicators=indicators)
        if has_firmware and has_capture:
            lead = _(
                "No telnet, FTP, TFTP or r-service found in the firmware's boot services or the open ports"
                " in the capture."
            )
        elif has_firmware:
            lead = _("No telnet, FTP, TFTP or r-service found in the firmware's boot services.")
        else:
            lead = _("No telnet, FTP, TFTP or r-service found in the open ports in the capture.")
        return self.result(ctx, Verdict.PASS, [lead, *reasons], indicators=indicators)

    @staticmethod
    def _boot_findings(ctx: EvidenceContext, insecure: list[str], observed: Observed) -> list[Finding]:
        """Insecure services the firmware starts at boot (a disabled one is only an indicator)."""
        findings = []
        columns = ("name", "kind", "source", "line", "command", "runs_as", "port", "enabled")
        for row in ctx.firmware_rows("services", columns):
            kind = (row["kind"] or "").lower()
            service = (
                kind
                if kind in insecure
                else service_in(f"{row['name'] or ''} {row['command'] or ''}", insecure)
            )
            if not service:
                continue
            label = row["name"] or service
            if row["enabled"] is False:
                observed.disabled.append(label)
                continue
            observed.firmware.setdefault(service, []).append(label)
            where = row["source"] or ""
            values = {"name": label, "service": service, "source": where, "line": row["line"]}
            if where and row["line"] is not None:
                summary = tr(
                    "The firmware starts {name} ({service}) at boot from {source}, line {line}.", **values
                )
            elif where:
                summary = tr("The firmware starts {name} ({service}) at boot from {source}.", **values)
            else:
                summary = tr("The firmware starts {name} ({service}) at boot.", **values)
            findings.append(
                Finding(
                    summary=summary,
                    severity=Severity.HIGH,
                    evidence=(boot_service_ref(row, f"{row['kind'] or 'boot'} entry"),),
                    data={
                        "service": service,
                        "name": label,
                        "command": row["command"] or "",
                        "port": row["port"],
                        "runs_as": row["runs_as"] or "",
                    },
                )
            )
        return findings

    @staticmethod
    def _capture_findings(
        ctx: EvidenceContext, insecure: list[str], seen: dict[str, list[str]]
    ) -> list[Finding]:
        """Insecure services open on the device: named by their payload, else by a well-known port."""
        device = device_of(ctx)
        by_port: dict[str, Row] = {}
        for row in ctx.capture_rows(
            "open_ports", ("device_ip", "transport", "port", "service", "first_packet")
        ):
            if row["port"] is None or (device.known and not device.is_device(row["device_ip"])):
                continue
            transport = (row["transport"] or "tcp").lower()
            service = service_in(row["service"] or "", insecure)
            basis = "payload" if service else ""
            if not service:
                known = INSECURE_SERVICE_PORTS.get((transport, row["port"]))
                service = known if known in insecure else None
                basis = "port"
            if service:
                entry = by_port.setdefault(
                    port_label(transport, row["port"]), {"service": service, "basis": basis}
                )
                entry.setdefault("rows", []).append(row)
        for row in device_flows(
            ctx, device, "server", ("transport", "server_port", "app_proto", "first_packet")
        ):
            service = service_in(row["app_proto"] or "", insecure)
            if service and row["server_port"] is not None:
                label = port_label(row["transport"] or "tcp", row["server_port"])
                entry = by_port.setdefault(label, {"service": service, "basis": "payload"})
                entry.setdefault("rows", []).append(row)
        findings = []
        for label, entry in sorted(by_port.items()):
            seen.setdefault(entry["service"], []).append(label)
            values = {"service": entry["service"], "port": label}
            findings.append(
                Finding(
                    summary=(
                        tr("{service} is open on the device at {port} (identified by its payload).", **values)
                        if entry["basis"] == "payload"
                        else tr(
                            "{service} is open on the device at {port} (identified by its well-known port).",
                            **values,
                        )
                    ),
                    severity=Severity.HIGH,
                    evidence=first_packet_refs(entry["rows"], f"{label} open", limit=4),
                    data={"service": entry["service"], "port": label},
                )
            )
        return findings


CHECK = InsecureRemoteAccess
