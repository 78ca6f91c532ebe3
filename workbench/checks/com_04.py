"""COM-04: no cleartext application protocols from the device to remote (internet) services.

A flow counts when the device opened it, the server is not on a local network, and the protocol
the capture engine recognised from its payload (whatever the port) is one of the catalogue's
cleartext protocols and not exempt. Flows on a cleartext protocol's port whose payload was not
recognised are shown as indicators: the port alone proves nothing.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    as_bool,
    as_int,
    device_flows,
    device_of,
    is_remote_address,
    payload_protocol,
    ref,
    text,
    traffic_gap,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.page import FLOW_VIEW, REMOTE, Page, table_cell


def _family(name: str) -> str:
    """'http-alt' -> 'http', 'telnet-alt' -> 'telnet'; TLS variants keep their own name."""
    return name.lower().removesuffix("-alt").strip()


class CleartextToRemote(Check):
    requirement_id = "COM-04"
    needs = frozenset({EvidenceKind.CAPTURE})
    parameters = ("cleartext_protocols", "exempt_protocols")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        cleartext = set(params.lowered("cleartext_protocols"))
        exempt = set(params.lowered("exempt_protocols"))
        device = device_of(ctx)
        remote_flows = [r for r in device_flows(ctx, device, "client") if is_remote_address(r["server_ip"])]
        grouped: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        remote_protocols: dict[str, int] = {}
        unrecognised: list[str] = []
        for row in remote_flows:
            protocol = payload_protocol(row)
            remote_protocols[protocol or "unrecognised"] = (
                remote_protocols.get(protocol or "unrecognised", 0) + 1
            )
            port_family = _family(text(row["port_proto"]))
            if not protocol and port_family in cleartext and port_family not in exempt:
                unrecognised.append(
                    f"{text(row['server_ip'])}:{text(row['server_port'])} ({port_family} port)"
                )
            if not protocol or protocol in exempt or protocol not in cleartext or as_bool(row["encrypted"]):
                continue
            key = (protocol, text(row["server_ip"]), text(row["server_port"]))
            grouped.setdefault(key, []).append(row)
        findings = []
        for (protocol, server, port), flows in grouped.items():
            first = flows[0]
            name = text(first["server_name"]) or text(first["sni"])
            target = f"{server}:{port}" + (f" ({name})" if name else "")
            findings.append(
                Finding(
                    summary=f"The device talks {protocol.upper()} in clear to the remote service {target}"
                    f" ({len(flows)} flow(s), protocol recognised from its payload).",
                    severity=Severity.HIGH,
                    evidence=tuple(
                        ref(f, packet=f["first_packet"], note=f"{protocol} flow start") for f in flows[:8]
                    ),
                    data={
                        "protocol": protocol,
                        "server_ip": server,
                        "server_port": port,
                        "server_name": name,
                        "flows": len(flows),
                        "bytes_sent": sum(as_int(f["bytes_c2s"]) or 0 for f in flows),
                    },
                )
            )
        indicators = {
            "remote_flows_by_protocol": remote_protocols,
            "unrecognised_payload_on_cleartext_ports": sorted(set(unrecognised)),
            "cleartext_protocols": sorted(cleartext),
            "exempt_protocols": sorted(exempt),
            "device": device.describe(),
        }
        reasons = list(params.notes)
        if findings:
            return self.result(
                ctx,
                Verdict.FAIL,
                [
                    f"The device sends {', '.join(sorted({k[0] for k in grouped}))} in clear to"
                    f" {len(findings)} remote service(s).",
                    device.describe(),
                    *reasons,
                ],
                findings,
                indicators,
            )
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap, *reasons], indicators=indicators)
        if not remote_flows:
            return self.result(
                ctx,
                Verdict.PASS,
                [
                    "The device opened no connection to a remote (non-local) address in the capture.",
                    device.describe(),
                    *reasons,
                ],
                indicators=indicators,
            )
        return self.result(
            ctx,
            Verdict.PASS,
            [
                f"None of the device's {len(remote_flows)} flow(s) to remote addresses uses a cleartext"
                " application protocol.",
                device.describe(),
                *reasons,
            ],
            indicators=indicators,
        )


CHECK = CleartextToRemote

# The notebook page of COM-04: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Flows the device opens to remote (non-local) services. An application protocol in clear "
    "(HTTP, MQTT, telnet, FTP, CoAP) to the internet is the failure.",
    steps=[
        (
            "Device-initiated flows to remote addresses; `encrypted` false with an `app_proto` is "
            "cleartext.",
            table_cell(
                "flows",
                "capture",
                "flows",
                FLOW_VIEW,
                "Flows from the device to remote services",
                where=REMOTE,
            ),
        ),
        (
            "Where the bytes go, over time and per destination (all of the device's remote traffic):",
            "ui.plots.traffic(session)",
        ),
    ],
    declared=["cloud_endpoints"],
)
