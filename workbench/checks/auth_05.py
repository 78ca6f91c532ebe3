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
                reason = (
                    "no password login reachable: the probe's port scan completed and found no login service"
                )
                if ports:
                    reason = "the probe's brute-force test completed and found no password login to try"
                return self.result(
                    ctx, Verdict.PASS, [reason, *params.notes], decided_by=(EvidenceKind.PROBE,)
                )
            gap = not_done(test, "brute_force") or "the probe's brute-force test made no attempt"
            why_not.append(f"The live test did not decide: {gap}.")
            return None
        services: dict[str, list[Row]] = {}
        for row in rows:
            services.setdefault(service_label(row), []).append(row)
        wanted, factor = params.integer("hands_on_attempts"), params.number("probe_slowdown_factor")
        judged = {name: _judge(attempts, wanted, factor) for name, attempts in sorted(services.items())}
        findings = [
            self._live_finding(name, services[name], j, test) for name, j in judged.items() if j["fails"]
        ]
        open_ = sorted(n for n, j in judged.items() if j["limit"] is None and not j["fails"])
        if not completed(test):
            tried = {port_label(r) for r in rows}
            open_ += sorted(service_label(r) for r in ports if port_label(r) not in tried)
        indicators = {"live": judged, "slowdown_factor": factor, "hands_on_attempts": wanted}
        limited = [f"{n}: {j['limit']}" for n, j in judged.items() if j["limit"]]
        if findings:
            reasons = ["decided by the live test: " + "; ".join(f.summary for f in findings), *params.notes]
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators, (EvidenceKind.PROBE,))
        if open_:
            gap = not_done(test, "brute_force")
            lead = f"The live test could not tell whether guessing is limited on {', '.join(open_)}"
            reasons = [lead + (f" ({gap})." if gap else "."), self._procedure(params), *params.notes]
            if limited:
                reasons.insert(1, "Limited: " + "; ".join(limited) + ".")
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)
        reasons = ["decided by the live test: every login service limits guessing: " + "; ".join(limited),
                   *params.notes]  # fmt: skip
        return self.result(
            ctx, Verdict.PASS, reasons, indicators=indicators, decided_by=(EvidenceKind.PROBE,)
        )

    @staticmethod
    def _live_finding(
        name: str, attempts: list[Row], judged: dict[str, Any], test: TestRun | None
    ) -> Finding:
        return Finding(
            summary=f"{name}: {judged['fails']}",
            severity=Severity.HIGH,
            evidence=probe_refs(attempts, test),
            data={"service": name, **judged},
        )

    @staticmethod
    def _procedure(params: Parameters) -> str:
        return (
            f"Try at least {params.integer('hands_on_attempts')} wrong passwords in a row on every login"
            " interface (web, app, telnet/SSH, RTSP) and record whether the device delays, limits or locks"
            " out; attach the log as evidence."
        )

    # --- the capture's indicators, for the inspector's own test -------------------------------
    def _indicators(self, ctx: EvidenceContext, params: Parameters, why_not: list[str]) -> CheckResult:
        procedure = self._procedure(params)
        if not ctx.has(EvidenceKind.CAPTURE):
            reasons = [
                *why_not,
                "No capture in the case: no login attempts to show.",
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
            f"{len(findings)} series of {repeated} or more logins against the device seen in the capture."
            if findings
            else "The capture shows no repeated logins against the device.",
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
        return Finding(
            summary=f"{len(attempts)} {protocol} login attempts from {client} to {server}:{port}"
            f" (users: {', '.join(users[:5]) or 'unknown'}); see whether the device slowed them.",
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


def _judge(attempts: list[Row], wanted: int, factor: float) -> dict[str, Any]:
    """One service's wrong attempts: how it limited them (`limit`), or why it fails (`fails`)."""
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
    if "accepted" in outcomes:
        judged["fails"] = f"wrong password accepted at attempt {outcomes.index('accepted') + 1}"
    elif "locked" in outcomes:
        judged["limit"] = _limit_text("locked", outcomes.index("locked"))
    elif "refused" in outcomes and "rejected" in outcomes[: outcomes.index("refused")]:
        # refusing from the start is a service already down (e.g. after a malformed input), not a limit
        judged["limit"] = _limit_text("refused connections", outcomes.index("refused"))
    elif slowed:
        judged["limit"] = (f"attempt {slowed[0]} took {timings[slowed[0] - 1]} s, over {factor:g} x the first"
                           f" attempts' median {baseline:.3f} s")  # fmt: skip
    elif outcomes.count("rejected") >= wanted and baseline is not None:
        rejected = outcomes.count("rejected")
        judged["fails"] = (f"all {rejected} wrong passwords rejected at full speed (median {baseline:.3f} s,"
                           f" slowest {max(known):.3f} s), no lock-out")  # fmt: skip
    judged["packets"] = sorted({p for r in attempts for p in packets(r)})[:64]
    return judged


def _limit_text(what: str, before: int) -> str:
    if before == 0:  # the default-credential test's wrong pairs came first, on the same client
        return f"{what} from the first attempt (the lock-out the probe's earlier wrong logins set off lasts)"
    return f"{what} after {before} wrong attempt(s)"


CHECK = BruteForce
