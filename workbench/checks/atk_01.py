"""ATK-01: only the ports the manufacturer declares are open.

Observed open ports come from the capture (the device answering a SYN, or serving a flow),
the live probe's port scan (open; a UDP port nmap calls open|filtered only when declared) and,
when a firmware image is in the case, from the services started at boot whose port is known. An
observed port the declaration omits fails; a declared port not observed is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.checks._network import (
    Device,
    Row,
    boot_service_ref,
    declaration_ref,
    declared_list_finding,
    declared_port_labels,
    device_of,
    port_label,
    ref,
)
from workbench.checks._probe import clip, missing, not_done, probe_refs, test_state
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun

if TYPE_CHECKING:
    from workbench.case.declaration import Declaration, OpenPort

_SOURCES = ("capture", "probe", "firmware")
_UDP_KINDS = {"tftp", "snmp", "upnp", "dns", "ntp", "syslog", "mdns", "coap", "dhcp"}


def _port_entry(transport: str, port: int, service: str, **extra: Any) -> Row:
    return {"transport": transport, "port": port, "service": service, "capture": [], "firmware": [],
            "probe": [], **extra}  # fmt: skip


def _scanned(ctx: EvidenceContext, observed: dict[str, Row]) -> None:
    """The live port scan's open ports (a UDP port nmap could not tell from filtered, when declared)."""
    declared = {port_label(p.proto, p.port) for p in (ctx.declaration.open_ports if ctx.declaration else ())}
    for row in ctx.probe_rows("ports"):
        transport, state = clip(row["transport"] or "tcp", 8).lower(), clip(row["state"], 20)
        label = port_label(transport, row["port"]) if row["port"] is not None else None
        if label is None or not (state == "open" or (state == "open|filtered" and label in declared)):
            continue
        service = clip(row["service"], 40)
        observed.setdefault(label, _port_entry(transport, row["port"], service))["probe"].append(row)


def observed_ports(ctx: EvidenceContext, device: Device) -> dict[str, Row]:
    """The device's open ports ("tcp/23" -> what shows it open): from the capture, the live port
    scan, and the firmware's boot services with a known port (enabled, or enablement unknown)."""
    observed: dict[str, Row] = {}
    if ctx.has(EvidenceKind.PROBE):
        _scanned(ctx, observed)
    columns = ("device_ip", "transport", "port", "service", "evidence", "first_packet")
    for row in ctx.capture_rows("open_ports", columns) if ctx.has(EvidenceKind.CAPTURE) else ():
        if row["port"] is None or (device.known and not device.is_device(row["device_ip"])):
            continue
        transport = (row["transport"] or "tcp").lower()
        entry = observed.setdefault(
            port_label(transport, row["port"]), _port_entry(transport, row["port"], row["service"] or "")
        )
        entry["capture"].append(row)
    if not ctx.has(EvidenceKind.FIRMWARE):
        return observed
    for row in ctx.firmware_rows("services", ("name", "kind", "source", "line", "port", "enabled")):
        port = row["port"]
        if not port or row["enabled"] is False:
            continue
        entry = next((e for e in observed.values() if e["port"] == port), None)
        if entry is None:  # the firmware says the port, rarely the transport: guessed from the kind
            transport = "udp" if (row["kind"] or "").lower() in _UDP_KINDS else "tcp"
            entry = observed.setdefault(
                port_label(transport, port),
                _port_entry(transport, port, row["name"] or "", transport_guessed=True),
            )
        entry["firmware"].append(row)
    return observed


def _declared(ports: list[OpenPort], entry: Row) -> bool:
    """Whether the declaration covers an observed port (any transport when it was guessed)."""
    if any(p.port == entry["port"] and p.proto == entry["transport"] for p in ports):
        return True
    guessed = entry.get("transport_guessed") and not entry["capture"] and not entry["probe"]
    return bool(guessed) and any(p.port == entry["port"] for p in ports)


# Where open ports were looked for (capture, probe, firmware present), as the reasons name it: one
# noun phrase per combination, placed whole into the reasons' {sources}.
_SOURCE_NAMES = {
    (True, False, False): N_("the capture"),
    (False, True, False): N_("the live port scan"),
    (False, False, True): N_("the firmware's boot services"),
    (True, True, False): N_("the capture and the live port scan"),
    (True, False, True): N_("the capture and the firmware's boot services"),
    (False, True, True): N_("the live port scan and the firmware's boot services"),
    (True, True, True): N_("the capture and the live port scan and the firmware's boot services"),
}

# A finding's sentence by where the port was seen open (capture, live port scan, firmware).
_UNDECLARED = {
    (True, False, False): N_("Port {port} is open in the capture but not declared."),
    (False, True, False): N_("Port {port} is found open by the live port scan but not declared."),
    (False, False, True): N_("Port {port} is started at boot by the firmware but not declared."),
    (True, True, False): N_(
        "Port {port} is open in the capture and is found open by the live port scan but not declared."
    ),
    (True, False, True): N_(
        "Port {port} is open in the capture and is started at boot by the firmware but not declared."
    ),
    (False, True, True): N_(
        "Port {port} is found open by the live port scan and is started at boot by the firmware but not"
        " declared."
    ),
    (True, True, True): N_(
        "Port {port} is open in the capture and is found open by the live port scan and is started at"
        " boot by the firmware but not declared."
    ),
}


def _sources(ctx: EvidenceContext) -> str:
    """Where open ports were looked for, as the reasons say it."""
    kinds = (EvidenceKind.CAPTURE, EvidenceKind.PROBE, EvidenceKind.FIRMWARE)
    key = tuple(ctx.has(kind) for kind in kinds)
    return _(_SOURCE_NAMES[key]) if key in _SOURCE_NAMES else ""


class DeclaredPorts(Check):
    requirement_id = "ATK-01"
    needs = frozenset()
    optional = frozenset(
        {EvidenceKind.CAPTURE, EvidenceKind.DECLARATION, EvidenceKind.FIRMWARE, EvidenceKind.PROBE}
    )

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        if not (ctx.has(EvidenceKind.CAPTURE) or ctx.has(EvidenceKind.PROBE)):
            return missing(self, ctx, EvidenceKind.CAPTURE)
        scan = test_state(ctx, "port_scan")
        device = device_of(ctx)
        observed = observed_ports(ctx, device)
        declaration = ctx.declaration
        indicators: dict[str, Any] = {
            "declared_ports": declared_port_labels(declaration, services=True),
            "observed_ports": {
                label: {"service": e["service"], "seen_in": [k for k in _SOURCES if e[k]]}
                for label, e in sorted(observed.items())
            },
            "device": device.describe(),
        }
        if declaration is None:
            lead = _(
                "No declaration in the case: the open ports observed (see indicators) cannot be"
                " compared with what the manufacturer declares."
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [lead], indicators=indicators)
        ports = declaration.open_ports
        findings = [
            self._finding(label, e, scan) for label, e in sorted(observed.items()) if not _declared(ports, e)
        ]
        not_observed = [
            port_label(p.proto, p.port)
            for p in ports
            if not any(e["port"] == p.port and p.proto == e["transport"] for e in observed.values())
        ]
        indicators["declared_not_observed"] = not_observed
        indicators["undeclared"] = [f.data["port"] for f in findings]
        sources = _sources(ctx)
        if findings:
            ports_listed = indicators["declared_ports"]
            summary = (
                tr(
                    "The declaration lists {n} open port(s): {ports}.",
                    n=len(ports_listed),
                    ports=", ".join(ports_listed),
                )
                if ports_listed
                else _("The declaration lists 0 open port(s): none.")
            )
            listed = declared_list_finding(ctx, summary, "open_ports", {})
            lead = tr(
                "{n} open port(s) found in {sources} are not declared.", n=len(findings), sources=sources
            )
            decided = tuple(EvidenceKind(k) for k in _SOURCES if any(f.data[k] for f in findings))
            reasons = [lead, device.describe()]
            return self.result(ctx, Verdict.FAIL, reasons, [*findings, listed], indicators, decided)
        reasons = [
            tr("Every port found open in {sources} ({n}) is declared.", sources=sources, n=len(observed)),
            device.describe(),
        ]
        gap = not_done(scan, "port_scan") if ctx.has(EvidenceKind.PROBE) else None
        if gap:
            reasons.append(tr("Ports may have been missed: {gap}.", gap=gap))
            if not ctx.has(EvidenceKind.CAPTURE):
                return self.result(ctx, Verdict.INCONCLUSIVE, reasons, indicators=indicators)
        if not observed:
            reasons[0] = tr(
                "No open port of the device was found in {sources}; a capture of a port scan of the"
                " device shows what it exposes.",
                sources=sources,
            )
        if not_observed:
            reasons.append(tr("Declared but not seen open: {ports}.", ports=", ".join(not_observed)))
        return self._purposes(ctx, declaration, bool(observed), reasons, indicators)

    def _purposes(
        self,
        ctx: EvidenceContext,
        declaration: Declaration,
        observed: bool,
        reasons: list[str],
        indicators: Row,
    ) -> CheckResult:
        """Every observed port is declared: a pass criterion left is a stated purpose for each."""
        no_purpose = [port_label(p.proto, p.port) for p in declaration.open_ports if not p.purpose]
        indicators["declared_without_purpose"] = no_purpose
        if not observed and not ctx.has(EvidenceKind.FIRMWARE):
            if no_purpose:
                reasons.append(
                    tr("The declaration gives no purpose for {ports}.", ports=", ".join(no_purpose))
                )
            return self.result(ctx, Verdict.INCONCLUSIVE, reasons, indicators=indicators)
        if no_purpose:
            finding = Finding(
                summary=tr(
                    "The declaration gives no purpose for port(s) {ports}.", ports=", ".join(no_purpose)
                ),
                severity=Severity.LOW,
                evidence=(declaration_ref(ctx, "open_ports[].purpose"),),
                data={"ports": no_purpose},
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary, *reasons], [finding], indicators)
        used = (EvidenceKind.CAPTURE, EvidenceKind.PROBE, EvidenceKind.FIRMWARE)
        decided = tuple(k for k in used if ctx.has(k))
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=decided)

    @staticmethod
    def _finding(label: str, entry: Row, scan: TestRun | None) -> Finding:
        refs = list(probe_refs(entry["probe"], scan, limit=4))
        refs += [
            ref(r, packet=r["first_packet"], note=f"{label} open ({r['evidence'] or 'seen'})")
            for r in entry["capture"][:4]
        ]
        refs += [boot_service_ref(r, f"boot service {r['name'] or ''}") for r in entry["firmware"][:4]]
        where = (bool(entry["capture"]), bool(entry["probe"]), bool(entry["firmware"]))
        port = f"{label} ({entry['service']})" if entry["service"] else label
        return Finding(
            summary=tr(_UNDECLARED[where], port=port),
            severity=Severity.HIGH,
            evidence=tuple(refs),
            data={
                "subject": f"port {label}",  # the same port however it was seen (case compare matches on it)
                "port": label,
                "service": entry["service"],
                "capture": bool(entry["capture"]),
                "probe": bool(entry["probe"]),
                "firmware": bool(entry["firmware"]),
            },
        )


CHECK = DeclaredPorts
