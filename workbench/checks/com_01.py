"""COM-01: no credentials sent in clear (telnet, FTP, HTTP Basic, MQTT CONNECT, ...).

Every cleartext login the capture engine recognised (by payload, whatever the port) in which
the device takes part fails the requirement: the device sending its own credentials, or
accepting a user's. Repeated logins with the same user to the same service form one finding.
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import Row, device_of, packet_refs, traffic_gap
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, _, tr

Login = tuple[str, str, str, str, str]  # protocol, client, server, port, user

# A finding's sentence, by who sends the credentials and what is known of the logins.
_SUMMARIES = {
    ("sends", "user-times"): N_(
        "The device sends {protocol} credentials in clear (user {user}, {n} times) from {client} to"
        " {server}:{port}."
    ),
    ("sends", "user"): N_(
        "The device sends {protocol} credentials in clear (user {user}) from {client} to {server}:{port}."
    ),
    ("sends", "times"): N_(
        "The device sends {protocol} credentials in clear ({n} times) from {client} to {server}:{port}."
    ),
    ("sends", ""): N_("The device sends {protocol} credentials in clear from {client} to {server}:{port}."),
    ("accepts", "user-times"): N_(
        "The device accepts {protocol} credentials in clear (user {user}, {n} times) from {client} to"
        " {server}:{port}."
    ),
    ("accepts", "user"): N_(
        "The device accepts {protocol} credentials in clear (user {user}) from {client} to {server}:{port}."
    ),
    ("accepts", "times"): N_(
        "The device accepts {protocol} credentials in clear ({n} times) from {client} to {server}:{port}."
    ),
    ("accepts", ""): N_(
        "The device accepts {protocol} credentials in clear from {client} to {server}:{port}."
    ),
    ("carries", "user-times"): N_(
        "The capture carries {protocol} credentials in clear (user {user}, {n} times) from {client} to"
        " {server}:{port}."
    ),
    ("carries", "user"): N_(
        "The capture carries {protocol} credentials in clear (user {user}) from {client} to {server}:{port}."
    ),
    ("carries", "times"): N_(
        "The capture carries {protocol} credentials in clear ({n} times) from {client} to {server}:{port}."
    ),
    ("carries", ""): N_(
        "The capture carries {protocol} credentials in clear from {client} to {server}:{port}."
    ),
}


class CleartextCredentials(Check):
    requirement_id = "COM-01"
    needs = frozenset({EvidenceKind.CAPTURE})

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        device = device_of(ctx)
        groups: dict[Login, list[Row]] = {}
        elsewhere: list[Row] = []
        columns = ("protocol", "client_ip", "server_ip", "server_port", "username", "secret", "packets",
                   "detail")  # fmt: skip
        for row in ctx.capture_rows("credentials", columns):
            protocol = row["protocol"] or "unknown protocol"
            client, server = row["client_ip"] or "", row["server_ip"] or ""
            if device.source == "case" and not (device.is_device(client) or device.is_device(server)):
                packets = sorted(set(row["packets"] or ()))
                elsewhere.append(
                    {"protocol": protocol, "client": client, "server": server, "packets": packets}
                )
                continue
            port = "" if row["server_port"] is None else str(row["server_port"])
            groups.setdefault((protocol, client, server, port, row["username"] or ""), []).append(row)
        findings = [
            self._finding(device.is_device(k[1]), device.is_device(k[2]), k, g) for k, g in groups.items()
        ]
        protocols = sorted({k[0] for k in groups})
        indicators: dict[str, Any] = {"protocols_with_credentials": protocols, "device": device.describe()}
        if elsewhere:
            indicators["credentials_between_other_hosts"] = elsewhere
        if findings:
            logins = sum(len(g) for g in groups.values())
            lead = tr(
                "{n} login(s) cross the network in clear ({protocols}).",
                n=logins,
                protocols=", ".join(protocols),
            )
            return self.result(ctx, Verdict.FAIL, [lead, device.describe()], findings, indicators)
        gap = traffic_gap(ctx)
        if gap:
            return self.result(ctx, Verdict.INCONCLUSIVE, [gap], indicators=indicators)
        reasons = [
            _("No credentials were seen in clear in the capture (telnet, FTP, HTTP Basic/Digest, MQTT, ...).")
        ]
        if elsewhere:
            reasons.append(tr("{n} cleartext login(s) between other hosts were ignored.", n=len(elsewhere)))
        return self.result(ctx, Verdict.PASS, reasons, indicators=indicators)

    @staticmethod
    def _finding(
        device_client: bool,
        device_server: bool,
        key: Login,
        group: list[Row],
    ) -> Finding:
        protocol, client, server, port, user = key
        role = "sends" if device_client else "accepts" if device_server else "carries"
        shape = ("user" if user else "") + ("-times" if user and len(group) > 1 else "")
        shape = shape or ("times" if len(group) > 1 else "")
        summary = tr(
            _SUMMARIES[role, shape],
            protocol=protocol, user=repr(user), n=len(group), client=client, server=server, port=port,
        )  # fmt: skip
        packets = sorted({p for row in group for p in row["packets"] or ()})
        return Finding(
            summary=summary,
            severity=Severity.HIGH,
            evidence=packet_refs(group[0], packets, note=f"{protocol} credentials"),
            data={
                "protocol": protocol,
                "client_ip": client,
                "server_ip": server,
                "server_port": port,
                "username": user,
                "secrets": sorted({r["secret"] or "" for r in group}),
                "logins": len(group),
                "packets": packets,
                "detail": "; ".join(sorted({r["detail"] for r in group if r["detail"]})),
            },
        )


CHECK = CleartextCredentials
