"""COM-05: the device contacts only the remote services its declaration lists.

Observed: the names the device looks up (DNS), the names its flows carry (TLS SNI, HTTP Host,
DNS answers), and the remote addresses it connects to. An address is explained when it is
declared itself, or when one of the flow's names, or a name that resolved to it, is declared.
Infrastructure protocols (DNS, NTP, DHCP, local discovery) and local destinations are not
counted; declared endpoints never contacted are shown, not judged. A PASS needs a capture at
least `min_capture_minutes` long: absence of contact in a short capture proves little.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    INFRASTRUCTURE,
    answer_addresses,
    as_int,
    capture_minutes,
    covered_by,
    declaration_ref,
    declared_endpoints,
    device_flows,
    device_of,
    is_local_name,
    is_remote_address,
    normalise_name,
    parse_ip,
    payload_protocol,
    ref,
    rows,
    text,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import FLOW_VIEW, REMOTE, Page, table_cell

_DNS_COLUMNS = ("packet", "client_ip", "resolver_ip", "qname", "answers")


class DeclaredEndpoints(Check):
    requirement_id = "COM-05"
    needs = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})
    parameters = ("min_capture_minutes",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        min_minutes = params.integer("min_capture_minutes")
        device = device_of(ctx)
        declared = declared_endpoints(ctx.declaration)
        names: dict[str, list[dict[str, Any]]] = {}  # name -> rows that show it (DNS query or flow)
        resolved: dict[str, set[str]] = {}  # address -> names that resolved to it
        resolved_to: dict[str, set[str]] = {}  # name -> addresses
        resolvers: set[str] = set()
        for row in rows(ctx.capture_table("dns"), _DNS_COLUMNS):
            if device.known and not device.is_device(row["client_ip"]):
                continue
            name = normalise_name(row["qname"])
            resolver = parse_ip(text(row["resolver_ip"]))
            if is_local_name(name) or (resolver is not None and resolver.is_multicast):
                continue  # mDNS, LLMNR, reverse and home-network names
            names.setdefault(name, []).append({**row, "_packet": row["packet"], "_what": "DNS query"})
            resolvers.add(text(row["resolver_ip"]))
            for address in answer_addresses(row["answers"]):
                resolved.setdefault(address, set()).add(name)
                resolved_to.setdefault(name, set()).add(address)
        addresses: dict[str, list[dict[str, Any]]] = {}
        infrastructure: set[str] = set()
        for row in device_flows(ctx, device, "client"):
            server = text(row["server_ip"])
            if not is_remote_address(server):
                continue
            protocol = payload_protocol(row) or text(row["port_proto"]).lower()
            if protocol in INFRASTRUCTURE:
                infrastructure.add(server)
                continue
            flow_names = {normalise_name(row[c]) for c in ("server_name", "sni")} - {""}
            for name in flow_names:
                names.setdefault(name, []).append({**row, "_packet": row["first_packet"], "_what": "flow"})
            addresses.setdefault(server, []).append({**row, "_names": flow_names})
        infra_names = sorted(
            n
            for n, found in resolved_to.items()
            if found and found <= infrastructure and not found & set(addresses)
        )
        for name in infra_names:
            names.pop(name, None)
        minutes = capture_minutes(ctx)
        indicators: dict[str, Any] = {
            "declared_endpoints": declared,
            "observed_endpoints": [*sorted(names), *sorted(addresses)],
            "infrastructure": {
                "names": infra_names,
                "addresses": sorted(infrastructure),
                "resolvers": sorted(r for r in resolvers if r),
            },
            "capture_minutes": round(minutes, 1),
            "min_capture_minutes": min_minutes,
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if declared is None:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "The declaration does not state cloud_endpoints: the remote services contacted (see"
                    " indicators) cannot be compared; ask the manufacturer to declare them.",
                    *reasons,
                ],
                indicators=indicators,
            )
        findings = self._undeclared(declared, names, addresses, resolved)
        contacted = set(names) | set(addresses)
        not_seen = [e for e in declared if not any(covered_by([e], names=[c], address=c) for c in contacted)]
        indicators["declared_not_observed"] = not_seen
        indicators["undeclared"] = [f.data.get("name") or f.data.get("address") for f in findings]
        if findings:
            count = len(findings)
            findings.append(
                Finding(
                    summary=f"The declaration lists {len(declared)} cloud endpoint(s):"
                    f" {', '.join(declared) or 'none'}.",
                    severity=Severity.INFO,
                    evidence=(declaration_ref(ctx, "cloud_endpoints"),),
                    data={"declared_endpoints": declared},
                )
            )
            return self.result(
                ctx,
                Verdict.FAIL,
                [
                    f"The device contacts {count} remote service(s) its declaration does not list.",
                    device.describe(),
                    *reasons,
                ],
                findings,
                indicators,
            )
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        summary = f"Every remote service contacted ({len(contacted)} name(s) and address(es)) is declared."
        if min_minutes and minutes < min_minutes:
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    summary,
                    f"The capture covers {minutes:.1f} minute(s); at least {min_minutes} are needed to"
                    " conclude that the device contacts nothing else: capture set-up and normal use"
                    " for longer.",
                    *reasons,
                ],
                indicators=indicators,
            )
        reasons = [summary, device.describe(), *reasons]
        if not_seen:
            reasons.append(f"Declared but not seen in this capture: {', '.join(not_seen)}.")
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)

    @staticmethod
    def _undeclared(
        declared: list[str],
        names: dict[str, list[dict[str, Any]]],
        addresses: dict[str, list[dict[str, Any]]],
        resolved: dict[str, set[str]],
    ) -> list[Finding]:
        findings = []
        undeclared_names = sorted(n for n in names if not covered_by(declared, names=[n]))
        for name in undeclared_names:
            shown = sorted(names[name], key=lambda r: as_int(r["_packet"]) or 0)
            findings.append(
                Finding(
                    summary=f"The device contacts {name}, which the declaration does not list.",
                    severity=Severity.HIGH,
                    evidence=tuple(ref(r, packet=r["_packet"], note=r["_what"]) for r in shown[:8]),
                    data={"name": name, "seen_in": sorted({r["_what"] for r in shown})},
                )
            )
        for address, flows in sorted(addresses.items()):
            explaining = set().union(*(f["_names"] for f in flows)) | resolved.get(address, set())
            if covered_by(declared, names=sorted(explaining), address=address):
                continue
            if explaining & set(undeclared_names):
                continue  # already reported under its name
            ports = sorted({text(f["server_port"]) for f in flows})
            findings.append(
                Finding(
                    summary=f"The device connects to {address} (port {', '.join(ports)}), an address no"
                    " declared endpoint covers and no DNS answer in the capture explains.",
                    severity=Severity.HIGH,
                    evidence=tuple(ref(f, packet=f["first_packet"], note="flow start") for f in flows[:8]),
                    data={"address": address, "ports": ports},
                )
            )
        return findings


CHECK = DeclaredEndpoints

# The notebook page of COM-05: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Every remote service the device contacts should be in the declaration's "
    "`cloud_endpoints`: names looked up, and addresses connected to.",
    steps=[
        (
            "Names the device looked up:",
            table_cell(
                "dns",
                "capture",
                "dns",
                ["packet", "client_ip", "qname", "qtype", "answers", "rcode"],
                "DNS queries",
            ),
        ),
        (
            "Flows the device opened to remote services:",
            table_cell(
                "flows",
                "capture",
                "flows",
                FLOW_VIEW,
                "Flows from the device to remote services",
                where=REMOTE,
            ),
        ),
        ("Traffic over time and bytes per destination:", "ui.plots.traffic(session)"),
    ],
    declared=["cloud_endpoints"],
)
