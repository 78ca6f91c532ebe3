"""AUTH-05: brute-force attempts are made impracticable (assisted; final when the probe decided).

The live probe's brute-force test is the hands-on test done by a tool: `hands_on_attempts` wrong
passwords on each login service, timed one by one. A service that locked, refused or slowed down
(an attempt `probe_slowdown_factor` times slower than the median of the first three) limits
guessing; one that rejected them all at full speed fails. Without that test, the capture can show
repeated logins and the inspector's own hands-on test decides.
"""

from __future__ import annotations

from statistics import median
from typing import Any

from workbench.checks._firmware import english_and_here
from workbench.checks._network import Device, Row, device_flows, device_of, packet_refs, payload_protocol
from workbench.checks._probe import (
    clip,
    completed,
    not_done,
    packets,
    port_label,
    probe_refs,
    service_label,
    test_state,
)
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, _, tr
from workbench.probe.results import TestRun
from workbench.probe.services import classify

_CLOCK = 1e-3  # seconds: durations below this are the clock's noise, not the device's speed

Service = tuple[str, str, str, str]  # protocol, client, server, port


class BruteForce(Check):
    requirement_id = "AUTH-05"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.PROBE})
    parameters = ("hands_on_attempts", "repeated_attempts", "login_protocols", "probe_slowdown_factor")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        params = self.params(ctx)
        why_not: list[str] = []
        if ctx.has(EvidenceKind.PROBE):
            decided = self._live(ctx, params, why_not)
            if decided is not None:
                return decided
        return self._indicators(ctx, params, why_not)

    # --- the live brute-force test ------------------------------------------------------------
    def _live(self, ctx: EvidenceContext, params: Parameters, why_not: list[str]) -> CheckResult | None:
        """The probe's verdict, or None (with the reason in `why_not`) when it tried nothing to judge."""
        test, scan = test_state(ctx, "brute_force"), test_state(ctx, "port_scan")
        rows = list(ctx.probe_rows("bruteforce"))
        logins = set(params.lowered("login_protocols"))
        ports = [r for r in ctx.probe_rows("ports") if classify(r) in logins]  # named as the probe names them
        if not rows:
            if completed(scan) and (completed(test) or not ports):
                reason = _(
                    "no password login reachable: the probe's port scan completed and found no login service"
                )
                if ports:
                    reason = _("the probe's brute-force test completed and found no password login to try")
                return self.result(
                    ctx, Verdict.PASS, [reason, *params.notes], decided_by=(EvidenceKind.PROBE,)
                )
            gap = not_done(test, "brute_force") or _("the probe's brute-force test made no attempt")
            why_not.append(tr("The live test did not decide: {gap}.", gap=gap))
            return None
        services: dict[str, list[Row]] = {}
        for row in rows:
            services.setdefault(service_label(row), []).append(row)
        wanted, factor = params.integer("hands_on_attempts"), params.number("probe_slowdown_factor")
        both = {name: _judge(attempts, wanted, factor) for name, attempts in sorted(services.items())}
        judged = {name: j for name, (j, _said) in both.items()}
        said = {name: text for name, (_judged, text) in both.items()}  # `fails` or `limit`, in the language
        findings = [
            self._live_finding(name, services[name], j, said[name], test)
            for name, j in judged.items()
            if j["fails"]
        ]
        open_ = sorted(n for n, j in judged.items() if j["limit"] is None and not j["fails"])
        if not completed(test):
            tried = {port_label(r) for r in rows}
            open_ += sorted(service_label(r) for r in ports if port_label(r) not in tried)
        indicators = {"live": judged, "slowdown_factor": factor, "hands_on_attempts": wanted}
        limited = "; ".join(f"{n}: {said[n]}" for n, j in judged.items() if j["limit"])
        if findings:
            lead = tr("decided by the live test: {findings}", findings="; ".join(f.summary for f in findings))
            return self.result(ctx, Verdict.FAIL, [lead, *params.notes], findings, indicators,
                               (EvidenceKind.PROBE,))  # fmt: skip
        if open_:
            gap = not_done(test, "brute_force")
            services = ", ".join(open_)
            lead = (
                tr("The live test could not tell whether guessing is limited on {services} ({gap}).",
                   services=services, gap=gap)
                if gap
                else tr("The live test could not tell whether guessing is limited on {services}.",
                        services=services)
            )  # fmt: skip
            reasons = [lead, self._procedure(params), *params.notes]
            if limited:
                reasons.insert(1, tr("Limited: {limits}.", limits=limited))
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
        lead = tr("decided by the live test: every login service limits guessing: {limits}", limits=limited)
        reasons = [lead, *params.notes]
        return self.result(
            ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=(EvidenceKind.PROBE,)
        )

    @staticmethod
    def _live_finding(
        name: str, attempts: list[Row], judged: dict[str, Any], said: str, test: TestRun | None
    ) -> Finding:
        return Finding(
            summary=f"{name}: {said}",
            severity=Severity.HIGH,
            evidence=probe_refs(attempts, test),
            data={"service": name, **judged},
        )

    @staticmethod
    def _procedure(params: Parameters) -> str:
        return tr(
            "Try at least {n} wrong passwords in a row on every login interface (web, app, telnet/SSH, RTSP)"
            " and record whether the device delays, limits or locks out; attach the log as evidence.",
            n=params.integer("hands_on_attempts"),
        )

    # --- the capture's indicators, for the inspector's own test -------------------------------
    def _indicators(self, ctx: EvidenceContext, params: Parameters, why_not: list[str]) -> CheckResult:
        procedure = self._procedure(params)
        if not ctx.has(EvidenceKind.CAPTURE):
            reasons = [
                *why_not,
                _("No capture in the case: no login attempts to show."),
                procedure,
                *params.notes,
            ]
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons)
        repeated = params.integer("repeated_attempts")
        login_protocols = set(params.lowered("login_protocols"))
        device = device_of(ctx)
        logins = self._logins(ctx, device)
        findings = [
            self._finding(k, attempts) for k, attempts in sorted(logins.items()) if len(attempts) >= repeated
        ]
        indicators = {
            "login_attempts": {
                f"{p} {c} -> {s}:{port}": len(a) for (p, c, s, port), a in sorted(logins.items())
            },
            "connections_to_login_services": self._connections(ctx, device, login_protocols),
            "repeated_attempts_threshold": repeated,
            "device": device.describe(),
        }
        reasons = [
            *why_not,
            tr("{n} series of {repeated} or more logins against the device seen in the capture.",
               n=len(findings), repeated=repeated)
            if findings
            else _("The capture shows no repeated logins against the device."),
            procedure,
            *params.notes,
        ]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)

    @staticmethod
    def _logins(ctx: EvidenceContext, device: Device) -> dict[Service, list[Row]]:
        """Logins against the device's services, per client and service."""
        logins: dict[Service, list[Row]] = {}
        columns = ("protocol", "client_ip", "server_ip", "server_port", "username", "packets")
        for row in ctx.capture_rows("credentials", columns):
            if not device.concerns(row["server_ip"]):
                continue
            port = "" if row["server_port"] is None else str(row["server_port"])
            key = (row["protocol"] or "", row["client_ip"] or "", row["server_ip"] or "", port)
            logins.setdefault(key, []).append(row)
        return logins

    @staticmethod
    def _connections(
        ctx: EvidenceContext, device: Device, login_protocols: set[str]
    ) -> dict[str, dict[str, int]]:
        """Connections per client to each of the device's login services."""
        connections: dict[str, dict[str, int]] = {}
        for row in device_flows(
            ctx, device, "server", ("transport", "client_ip", "server_port", "app_proto")
        ):
            protocol = payload_protocol(row)
            if protocol.removesuffix("-alt") in login_protocols:
                service = f"{protocol} {(row['transport'] or '').lower()}/{row['server_port']}"
                per_client = connections.setdefault(service, {})
                client = row["client_ip"] or ""
                per_client[client] = per_client.get(client, 0) + 1
        return connections

    @staticmethod
    def _finding(service: Service, attempts: list[Row]) -> Finding:
        protocol, client, server, port = service
        packets = [p for a in attempts for p in a["packets"] or ()]
        users = sorted({a["username"] for a in attempts if a["username"]})
        values = {"n": len(attempts), "protocol": protocol, "client": client, "server": server, "port": port}
        summary = (
            tr("{n} {protocol} login attempts from {client} to {server}:{port} (users: {users}); see whether"
               " the device slowed them.", users=", ".join(users[:5]), **values)
            if users
            else tr("{n} {protocol} login attempts from {client} to {server}:{port} (users: unknown); see"
                    " whether the device slowed them.", **values)
        )  # fmt: skip
        return Finding(
            summary=summary,
            severity=Severity.INFO,
            evidence=packet_refs(attempts[0], packets, note=f"{protocol} login"),
            data={
                "protocol": protocol,
                "client_ip": client,
                "server": f"{server}:{port}",
                "attempts": len(attempts),
                "users": users,
            },
        )


def _judge(attempts: list[Row], wanted: int, factor: float) -> tuple[dict[str, Any], str]:
    """One service's wrong attempts: how it limited them (`limit`), or why it fails (`fails`), in English
    (the indicators); and the same in the current language ('' when neither)."""
    attempts = sorted(attempts, key=lambda r: (r["attempt"] is None, r["attempt"] or 0))
    outcomes = [clip(r["outcome"], 20).lower() for r in attempts]
    timings = [
        round(r["finished"] - r["started"], 3)
        if r["started"] is not None and r["finished"] is not None
        else None
        for r in attempts
    ]
    judged: dict[str, Any] = {"attempts": len(attempts), "outcomes": outcomes, "timings_s": timings,
                              "limit": None, "fails": None}  # fmt: skip
    known = [t for t in timings if t is not None]
    baseline = max(median(known[:3]), _CLOCK) if len(known) >= 3 else None
    slowed = [i + 1 for i, t in enumerate(timings) if baseline and t is not None and t > factor * baseline]
    key, message, values = None, "", {}
    if "accepted" in outcomes:
        key, message = "fails", N_("wrong password accepted at attempt {n}")
        values = {"n": outcomes.index("accepted") + 1}
    elif "locked" in outcomes:
        key, message, values = "limit", *_limit_text("locked", outcomes.index("locked"))
    elif "refused" in outcomes and "rejected" in outcomes[: outcomes.index("refused")]:
        # refusing from the start is a service already down (e.g. after a malformed input), not a limit
        key, message, values = "limit", *_limit_text("refused", outcomes.index("refused"))
    elif slowed and baseline is not None:
        key = "limit"
        message = N_("attempt {n} took {took} s, over {factor} x the first attempts' median {median} s")
        values = {"n": slowed[0], "took": timings[slowed[0] - 1], "factor": f"{factor:g}",
                  "median": f"{baseline:.3f}"}  # fmt: skip
    elif outcomes.count("rejected") >= wanted and baseline is not None:
        key = "fails"
        message = N_("all {n} wrong passwords rejected at full speed (median {median} s, slowest {slowest}"
                     " s), no lock-out")  # fmt: skip
        values = {"n": outcomes.count("rejected"), "median": f"{baseline:.3f}",
                  "slowest": f"{max(known):.3f}"}  # fmt: skip
    said = ""
    if key:
        judged[key], said = english_and_here(message, **values)
    judged["packets"] = sorted({p for r in attempts for p in packets(r)})[:64]
    return judged, said


_LIMITED = {  # (how the service limited guessing, from the first attempt) -> the message
    ("locked", True): N_("locked from the first attempt (the lock-out the probe's earlier wrong logins set"
                         " off lasts)"),
    ("locked", False): N_("locked after {n} wrong attempt(s)"),
    ("refused", True): N_("refused connections from the first attempt (the lock-out the probe's earlier wrong"
                          " logins set off lasts)"),
    ("refused", False): N_("refused connections after {n} wrong attempt(s)"),
}  # fmt: skip


def _limit_text(how: str, before: int) -> tuple[str, dict[str, Any]]:
    """The message saying how the service limited guessing, and its values."""
    # from the first attempt: the default-credential test's wrong pairs came first, on the same client
    return _LIMITED[how, before == 0], {"n": before}


CHECK = BruteForce
