"""COM-05: the device contacts only the remote services its declaration lists.

Observed: the names the device looks up (DNS), the names its flows carry (TLS SNI, HTTP Host,
DNS answers), and the remote addresses it connects to. An address is explained when it is
declared itself, or when one of the flow's names, or a name that resolved to it, is declared.
Infrastructure protocols (DNS, NTP, DHCP, local discovery) and local destinations are not
counted; declared endpoints never contacted are shown, not judged. A PASS needs a capture at
least `min_capture_minutes` long: absence of contact in a short capture proves little.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.checks._network import (
    INFRASTRUCTURE,
    Device,
    Row,
    answer_addresses,
    capture_minutes,
    covered_by,
    declared_endpoints,
    declared_list_finding,
    device_flows,
    device_of,
    first_packet_refs,
    is_local_name,
    is_remote_address,
    normalise_name,
    parse_ip,
    payload_protocol,
    ref,
    traffic_gap,
)
from workbench.checks.base import (
    MAX_EVIDENCE_REFS,
    Check,
    CheckResult,
    EvidenceKind,
    Finding,
    Severity,
    Verdict,
)
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr


@dataclass
class Contacts:
    """The remote services the device contacted, by name and by address."""

    names: dict[str, list[Row]] = field(default_factory=dict)  # name -> rows that show it (DNS query or flow)
    addresses: dict[str, list[Row]] = field(default_factory=dict)  # address -> flows
    resolved: dict[str, set[str]] = field(default_factory=dict)  # address -> names that resolved to it
    resolved_to: dict[str, set[str]] = field(default_factory=dict)  # name -> addresses
    resolvers: set[str] = field(default_factory=set)
    infrastructure: set[str] = field(default_factory=set)  # addresses of DNS, NTP ... servers
    infrastructure_names: list[str] = field(default_factory=list)

    @property
    def contacted(self) -> set[str]:
        return set(self.names) | set(self.addresses)


class DeclaredEndpoints(Check):
    requirement_id = "COM-05"
    needs = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})
    parameters = ("min_capture_minutes",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        min_minutes = params.integer("min_capture_minutes")
        device = device_of(ctx)
        declared = declared_endpoints(ctx.declaration)
        contacts = Contacts()
        self._lookups(ctx, device, contacts)
        self._flows(ctx, device, contacts)
        minutes = capture_minutes(ctx)
        indicators: dict[str, Any] = {
            "declared_endpoints": declared,
            "observed_endpoints": [*sorted(contacts.names), *sorted(contacts.addresses)],
            "infrastructure": {
                "names": contacts.infrastructure_names,
                "addresses": sorted(contacts.infrastructure),
                "resolvers": sorted(r for r in contacts.resolvers if r),
            },
            "capture_minutes": round(minutes, 1),
            "min_capture_minutes": min_minutes,
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if declared is None:
            lead = _(
                "The declaration does not state cloud_endpoints: the remote services contacted (see"
                " indicators) cannot be compared; ask the manufacturer to declare them."
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [lead, *reasons], indicators=indicators)
        findings = self._undeclared(declared, contacts)
        not_seen = [
            e for e in declared if not any(covered_by([e], names=[c], address=c) for c in contacts.contacted)
        ]
        indicators["declared_not_observed"] = not_seen
        indicators["undeclared"] = [f.data.get("name") or f.data.get("address") for f in findings]
        if findings:
            lead = tr(
                "The device contacts {n} remote service(s) its declaration does not list.", n=len(findings)
            )
            summary = (
                tr(
                    "The declaration lists {n} cloud endpoint(s): {endpoints}.",
                    n=len(declared),
                    endpoints=", ".join(declared),
                )
                if declared
                else _("The declaration lists 0 cloud endpoint(s): none.")
            )
            listed = declared_list_finding(ctx, summary, "cloud_endpoints", {"declared_endpoints": declared})
            return self.result(
                ctx, Verdict.FAIL, [lead, device.describe(), *reasons], [*findings, listed], indicators
            )
        return self._no_undeclared(
            ctx, device, contacts, (minutes, min_minutes), not_seen, reasons, indicators
        )

    def _no_undeclared(
        self,
        ctx: EvidenceContext,
        device: Device,
        contacts: Contacts,
        duration: tuple[float, int],
        not_seen: list[str],
        reasons: list[str],
        indicators: dict[str, Any],
    ) -> CheckResult:
        """PASS when the capture is long enough to show that the device contacts nothing else."""
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        summary = tr(
            "Every remote service contacted ({n} name(s) and address(es)) is declared.",
            n=len(contacts.contacted),
        )
        minutes, min_minutes = duration
        if min_minutes and minutes < min_minutes:
            short = tr(
                "The capture covers {minutes} minute(s); at least {min_minutes} are needed to"
                " conclude that the device contacts nothing else: capture set-up and normal use"
                " for longer.",
                minutes=format(minutes, ".1f"),
                min_minutes=min_minutes,
            )
            return self.result(ctx, Verdict.INCONCLUSIVE, [summary, short, *reasons], indicators=indicators)
        reasons = [summary, device.describe(), *reasons]
        if not_seen:
            reasons.append(
                tr("Declared but not seen in this capture: {endpoints}.", endpoints=", ".join(not_seen))
            )
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)

    @staticmethod
    def _lookups(ctx: EvidenceContext, device: Device, contacts: Contacts) -> None:
        """The names the device looked up (DNS), and the addresses they resolved to."""
        for row in ctx.capture_rows("dns", ("packet", "client_ip", "resolver_ip", "qname", "answers")):
            if not device.concerns(row["client_ip"]):
                continue
            name = normalise_name(row["qname"])
            resolver = parse_ip(row["resolver_ip"])
            if is_local_name(name) or (resolver is not None and resolver.is_multicast):
                continue  # mDNS, LLMNR, reverse and home-network names
            contacts.names.setdefault(name, []).append(
                {**row, "_packet": row["packet"], "_what": "DNS query"}
            )
            contacts.resolvers.add(row["resolver_ip"] or "")
            for address in answer_addresses(row["answers"] or ()):
                contacts.resolved.setdefault(address, set()).add(name)
                contacts.resolved_to.setdefault(name, set()).add(address)

    @staticmethod
    def _flows(ctx: EvidenceContext, device: Device, contacts: Contacts) -> None:
        """The remote addresses the device connected to, and the names its flows carry; names that
        only led to infrastructure (DNS, NTP ...) servers are set aside."""
        columns = (
            "server_ip",
            "server_port",
            "first_packet",
            "app_proto",
            "port_proto",
            "server_name",
            "sni",
        )
        for row in device_flows(ctx, device, "client", columns):
            server = row["server_ip"]
            if not is_remote_address(server):
                continue
            protocol = payload_protocol(row) or (row["port_proto"] or "").lower()
            if protocol in INFRASTRUCTURE:
                contacts.infrastructure.add(server)
                continue
            flow_names = {normalise_name(row[c]) for c in ("server_name", "sni")} - {""}
            for name in flow_names:
                contacts.names.setdefault(name, []).append(
                    {**row, "_packet": row["first_packet"], "_what": "flow"}
                )
            contacts.addresses.setdefault(server, []).append({**row, "_names": flow_names})
        contacts.infrastructure_names = sorted(
            n
            for n, found in contacts.resolved_to.items()
            if found and found <= contacts.infrastructure and not found & set(contacts.addresses)
        )
        for name in contacts.infrastructure_names:
            contacts.names.pop(name, None)

    @staticmethod
    def _undeclared(declared: list[str], contacts: Contacts) -> list[Finding]:
        findings = []
        undeclared_names = sorted(n for n in contacts.names if not covered_by(declared, names=[n]))
        for name in undeclared_names:
            shown = sorted(contacts.names[name], key=lambda r: r["_packet"] or 0)
            findings.append(
                Finding(
                    summary=tr("The device contacts {name}, which the declaration does not list.", name=name),
                    severity=Severity.HIGH,
                    evidence=tuple(
                        ref(r, packet=r["_packet"], note=r["_what"]) for r in shown[:MAX_EVIDENCE_REFS]
                    ),
                    data={"name": name, "seen_in": sorted({r["_what"] for r in shown})},
                )
            )
        for address, flows in sorted(contacts.addresses.items()):
            explaining = set().union(*(f["_names"] for f in flows)) | contacts.resolved.get(address, set())
            if covered_by(declared, names=sorted(explaining), address=address):
                continue
            if explaining & set(undeclared_names):
                continue  # already reported under its name
            ports = sorted({str(f["server_port"]) for f in flows})
            findings.append(
                Finding(
                    summary=tr(
                        "The device connects to {address} (port {ports}), an address no declared endpoint"
                        " covers and no DNS answer in the capture explains.",
                        address=address,
                        ports=", ".join(ports),
                    ),
                    severity=Severity.HIGH,
                    evidence=first_packet_refs(flows, "flow start"),
                    data={"address": address, "ports": ports},
                )
            )
        return findings


CHECK = DeclaredEndpoints
