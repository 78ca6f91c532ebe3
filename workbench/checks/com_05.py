"""COM-05: the device contacts only the remote services its declaration lists.

Observed: the names the device looks up (DNS), the names its flows carry (TLS SNI, HTTP Host,
DNS answers), and the remote addresses it connects to. An address is explained when it is
declared itself, or when one of the flow's names, or a declared name that resolved to it, is.
Declared but never contacted endpoints are shown, not judged. DNS resolvers are indicators.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_list,
    covered_by,
    declaration_ref,
    declared_endpoints,
    device_flows,
    device_of,
    is_local_name,
    is_remote_address,
    normalise_name,
    parse_ip,
    ref,
    rows,
    text,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.registry import register

_DNS_COLUMNS = ("packet", "client_ip", "resolver_ip", "qname", "answers")
_RESOLVER_PORTS = {"53", "853"}


@register
class DeclaredEndpoints(Check):
    requirement_id = "COM-05"
    needs = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        device = device_of(ctx)
        declared = declared_endpoints(ctx.declaration)
        names: dict[str, list[dict[str, Any]]] = {}  # name -> rows that show it (dns or flows)
        resolved: dict[str, set[str]] = {}  # address -> names that resolved to it
        resolvers: set[str] = set()
        for row in rows(ctx.capture_table("dns"), _DNS_COLUMNS):
            if device.known and not device.is_device(row["client_ip"]):
                continue
            name = normalise_name(row["qname"])
            if is_local_name(name) or not is_remote_or_unicast_resolver(row["resolver_ip"]):
                continue
            names.setdefault(name, []).append({**row, "_packet": row["packet"], "_what": "DNS query"})
            if is_remote_address(row["resolver_ip"]):
                resolvers.add(text(row["resolver_ip"]))
            for answer in as_list(row["answers"]):
                if parse_ip(text(answer)):
                    resolved.setdefault(str(parse_ip(text(answer))), set()).add(name)
        addresses: dict[str, list[dict[str, Any]]] = {}
        for row in device_flows(ctx, device, "client"):
            server = text(row["server_ip"])
            if not is_remote_address(server):
                continue
            if text(row["server_port"]) in _RESOLVER_PORTS and text(row["app_proto"]).lower() in ("dns", ""):
                resolvers.add(server)
                continue
            flow_names = {normalise_name(row[c]) for c in ("server_name", "sni")} - {""}
            for name in flow_names:
                names.setdefault(name, []).append({**row, "_packet": row["first_packet"], "_what": "flow"})
            addresses.setdefault(server, []).append({**row, "_names": flow_names})
        observed = {
            "names": sorted(names),
            "addresses": sorted(addresses),
            "resolvers": sorted(resolvers),
        }
        indicators: dict[str, Any] = {
            "declared_endpoints": declared,
            "observed": observed,
            "device": device.describe(),
        }
        if declared is None:
            if not names and not addresses:
                return self.result(
                    ctx,
                    Verdict.PASS,
                    ["The declaration lists no cloud endpoints and the device contacted no remote service."],
                    indicators=indicators,
                )
            return self.result(
                ctx,
                Verdict.INCONCLUSIVE,
                [
                    "The declaration does not state cloud_endpoints: the remote services contacted"
                    " (see indicators) cannot be compared; ask the manufacturer to declare them."
                ],
                indicators=indicators,
            )
        findings: list[Finding] = []
        undeclared_names = sorted(n for n in names if not covered_by(declared, names=[n]))
        for name in undeclared_names:
            shown = names[name]
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
                    summary=f"The device connects to {address} (port {', '.join(ports)}),"
                    " an address no declared endpoint covers.",
                    severity=Severity.HIGH,
                    evidence=tuple(ref(f, packet=f["first_packet"], note="flow start") for f in flows[:8]),
                    data={"address": address, "ports": ports, "names": sorted(explaining)},
                )
            )
        contacted = set(names) | set(addresses)
        not_seen = [e for e in declared if not any(covered_by([e], names=[c], address=c) for c in contacted)]
        indicators["declared_not_observed"] = not_seen
        indicators["undeclared"] = [f.data.get("name") or f.data.get("address") for f in findings]
        if findings:
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
                    f"The device contacts {len(findings) - 1} remote service(s) its declaration does"
                    " not list.",
                    device.describe(),
                ],
                findings,
                indicators,
            )
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap], indicators=indicators)
        reasons = [
            f"Every remote service contacted ({len(contacted)} name(s)/address(es)) is declared.",
            device.describe(),
        ]
        if resolvers:
            reasons.append(f"DNS resolvers used: {', '.join(sorted(resolvers))} (shown, not judged).")
        if not_seen:
            reasons.append(f"Declared but not seen in this capture: {', '.join(not_seen)}.")
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)


def is_remote_or_unicast_resolver(resolver: Any) -> bool:
    """A query to a unicast resolver (local or remote); mDNS/LLMNR queries to a group are local."""
    addr = parse_ip(text(resolver))
    return addr is None or not addr.is_multicast
