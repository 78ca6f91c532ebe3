"""COM-04: no cleartext application protocols from the device to remote (internet) services.

A flow counts when the device opened it, the server is not on a local network, and the protocol
the capture engine recognised from its payload (whatever the port) is one of the catalogue's
cleartext protocols and not exempt. Flows on a cleartext protocol's port whose payload was not
recognised are shown as indicators: the port alone proves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.checks._network import (
    Device,
    Row,
    device_flows,
    device_of,
    first_packet_refs,
    is_remote_address,
    payload_protocol,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr

Service = tuple[str, str, str]  # protocol, server address, server port


def _family(name: str) -> str:
    """'http-alt' -> 'http', 'telnet-alt' -> 'telnet'; TLS variants keep their own name."""
    return name.lower().removesuffix("-alt").strip()


@dataclass
class Observed:
    """The device's flows to remote addresses, sorted by what they carry."""

    flows: int = 0
    cleartext: dict[Service, list[Row]] = field(default_factory=dict)
    by_protocol: dict[str, int] = field(default_factory=dict)
    unrecognised: set[str] = field(default_factory=set)  # cleartext ports whose payload was not recognised


class CleartextToRemote(Check):
    requirement_id = "COM-04"
    needs = frozenset({EvidenceKind.CAPTURE})
    parameters = ("cleartext_protocols", "exempt_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        cleartext = set(params.lowered("cleartext_protocols"))
        exempt = set(params.lowered("exempt_protocols"))
        device = device_of(ctx)
        observed = self._observe(ctx, device, cleartext, exempt)
        findings = [self._finding(service, flows) for service, flows in observed.cleartext.items()]
        indicators = {
            "remote_flows_by_protocol": observed.by_protocol,
            "unrecognised_payload_on_cleartext_ports": sorted(observed.unrecognised),
            "cleartext_protocols": sorted(cleartext),
            "exempt_protocols": sorted(exempt),
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if findings:
            protocols = ", ".join(sorted({k[0] for k in observed.cleartext}))
            lead = tr(
                "The device sends {protocols} in clear to {n} remote service(s).",
                protocols=protocols,
                n=len(findings),
            )
            return self.result(ctx, Verdict.FAIL, [lead, device.describe(), *reasons], findings, indicators)
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        if not observed.flows:
            lead = _("The device opened no connection to a remote (non-local) address in the capture.")
        else:
            lead = tr(
                "None of the device's {n} flow(s) to remote addresses uses a cleartext application protocol.",
                n=observed.flows,
            )
        return self.result(ctx, Verdict.PASS, [lead, device.describe(), *reasons], indicators=indicators)

    @staticmethod
    def _observe(ctx: EvidenceContext, device: Device, cleartext: set[str], exempt: set[str]) -> Observed:
        observed = Observed()
        columns = ("server_ip", "server_port", "first_packet", "bytes_c2s", "app_proto", "port_proto",
                   "server_name", "sni", "encrypted")  # fmt: skip
        for row in device_flows(ctx, device, "client", columns):
            if not is_remote_address(row["server_ip"]):
                continue
            observed.flows += 1
            protocol = payload_protocol(row)
            shown = protocol or "unrecognised"
            observed.by_protocol[shown] = observed.by_protocol.get(shown, 0) + 1
            port_family = _family(row["port_proto"] or "")
            if not protocol and port_family in cleartext and port_family not in exempt:
                observed.unrecognised.add(
                    tr(
                        "{address}:{port} ({protocol} port)",
                        address=row["server_ip"],
                        port=row["server_port"],
                        protocol=port_family,
                    )
                )
            if not protocol or protocol in exempt or protocol not in cleartext or row["encrypted"]:
                continue
            key = (protocol, row["server_ip"], str(row["server_port"]))
            observed.cleartext.setdefault(key, []).append(row)
        return observed

    @staticmethod
    def _finding(service: Service, flows: list[Row]) -> Finding:
        protocol, server, port = service
        name = flows[0]["server_name"] or flows[0]["sni"] or ""
        values = {"protocol": protocol.upper(), "server": server, "port": port, "name": name, "n": len(flows)}
        summary = (
            tr(
                "The device talks {protocol} in clear to the remote service {server}:{port} ({name})"
                " ({n} flow(s), protocol recognised from its payload).",
                **values,
            )
            if name
            else tr(
                "The device talks {protocol} in clear to the remote service {server}:{port}"
                " ({n} flow(s), protocol recognised from its payload).",
                **values,
            )
        )
        return Finding(
            summary=summary,
            severity=Severity.HIGH,
            evidence=first_packet_refs(flows, f"{protocol} flow start"),
            data={
                "protocol": protocol,
                "server_ip": server,
                "server_port": port,
                "server_name": name,
                "flows": len(flows),
                "bytes_sent": sum(f["bytes_c2s"] or 0 for f in flows),
            },
        )


CHECK = CleartextToRemote
