"""AUTH-06: network access to the device requires authentication (assisted; final when the probe decided).

The live probe's access test asked every service its port scan found for something without
credentials: a service that served it fails; every service asking for credentials or refusing
passes, decided by the probe; a service it could not try is the inspector's.
From a capture, FAIL on what it shows unambiguously: an anonymous FTP login the device accepted (user
names from the catalogue's `anonymous_users`).
Every other service of the device is laid out with whether a login was seen on it, and a
telnet session with no login exchanged is pointed out (it may have reached a shell directly).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._network import (
    Device,
    Row,
    declared_port_labels,
    device_of,
    device_services,
    packet_refs,
    ref,
)
from workbench.checks._probe import clip, missing, not_done, port_label, probe_refs, test_state
from workbench.checks.base import Check, CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.i18n import _, tr
from workbench.probe.results import TestRun

_ACCEPTED = ("230", "accepted", "logged in", "success", "granted")
_REFUSED = ("530", "reject", "refused", "denied", "fail", "incorrect", "invalid")


def login_outcome(detail: str) -> bool | None:
    """True when the engine's detail says the login was accepted, False when refused, else None."""
    low = detail.lower()
    if any(word in low for word in _REFUSED):
        return False
    if any(word in low for word in _ACCEPTED):
        return True
    return None


class NetworkAuthentication(Check):
    requirement_id = "AUTH-06"
    needs = frozenset()
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION, EvidenceKind.PROBE})
    parameters = ("anonymous_users",)

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        if not (ctx.has(EvidenceKind.CAPTURE) or ctx.has(EvidenceKind.PROBE)):
            return missing(self, ctx, EvidenceKind.CAPTURE)
        params = self.params(ctx)
        captured = self._captured(ctx, params) if ctx.has(EvidenceKind.CAPTURE) else None
        if captured is not None and not ctx.has(EvidenceKind.PROBE):
            return captured
        return self._live(ctx, params, captured)

    def _live(self, ctx: EvidenceContext, params: Parameters, captured: CheckResult | None) -> CheckResult:
        """The access test's judgement, with the capture's findings beside it."""
        test, scan = test_state(ctx, "access"), test_state(ctx, "port_scan")
        rows = list(ctx.probe_rows("access"))
        live = [self._served(r, test) for r in rows if clip(r["outcome"], 20).lower() == "open"]
        found = {
            port_label(r): clip(r["service"], 40) for r in ctx.probe_rows("ports") if r["state"] == "open"
        }
        # a refused connection says the service was down (or killed by an earlier test), not that it asks
        asked = {port_label(r) for r in rows if clip(r["outcome"], 20).lower() == "auth_required"}
        untried = sorted(
            f"{label} ({service or 'unknown'})" for label, service in found.items() if label not in asked
        )  # the indicator's words (English); a reason says them in the current language
        untried_here = sorted(
            f"{label} ({service})" if service else tr("{port} (unknown service)", port=label)
            for label, service in found.items()
            if label not in asked
        )
        indicators = {**(captured.indicators if captured else {}), "live": {"services": sorted(found),
                      "asking_for_credentials": sorted(asked), "not_tried": untried}}  # fmt: skip
        capture_fails = captured is not None and captured.verdict is Verdict.FAIL
        if live or capture_fails:
            decided = ((EvidenceKind.PROBE,) if live else ()) + (
                (EvidenceKind.CAPTURE,) if capture_fails else ()
            )
            findings = [*live, *(captured.findings if captured else ())]
            reasons = [f.summary for f in live] + list(captured.reasons if capture_fails and captured else ())
            return self.result(ctx, Verdict.FAIL, [*reasons, *params.notes], findings, indicators, decided)
        gaps = [g for g in (not_done(scan, "port_scan"),) if g]
        if untried:
            why, services = not_done(test, "access"), ", ".join(untried_here)
            gaps.append(
                tr("the access test could not try {services} ({why})", services=services, why=why)
                if why
                else tr("the access test could not try {services}", services=services)
            )
        if gaps:
            reasons = [tr("The live test did not decide: {gap}.", gap="; ".join(gaps)),
                       *(captured.reasons if captured else ()), *params.notes]  # fmt: skip
            findings = captured.findings if captured else ()
            return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)
        lead = (tr("decided by the live test: each of the {n} service(s) the port scan found asks for"
                   " credentials ({services})", n=len(found), services=", ".join(sorted(found)))
                if found else _("decided by the live test: the port scan found no open service"))  # fmt: skip
        reasons = [lead]
        if captured and captured.findings:
            shown = "; ".join(f.summary for f in captured.findings)
            outweighed = tr("The capture's indicator(s), outweighed by the live test: {shown}", shown=shown)
            reasons.append(outweighed)
        return self.result(ctx, Verdict.PASS, [*reasons, *params.notes], indicators=indicators,
                           decided_by=(EvidenceKind.PROBE,))  # fmt: skip

    @staticmethod
    def _served(row: Row, test: TestRun | None) -> Finding:
        where = f"{clip(row['protocol'], 20)} {port_label(row)}"
        values = {"service": where, "request": repr(clip(row["request"], 80)),
                  "detail": clip(row["detail"], 120)}  # fmt: skip
        status = clip(row["status"], 40)
        summary = (
            tr("{service} served {request} without credentials ({status}: {detail}) (live test)",
               status=status, **values)
            if status
            else tr("{service} served {request} without credentials (no status: {detail}) (live test)",
                    **values)
        )  # fmt: skip
        return Finding(
            summary=summary,
            severity=Severity.HIGH,
            evidence=probe_refs([row], test),
            data={"service": where, "request": clip(row["request"], 80), "status": clip(row["status"], 40),
                  "detail": clip(row["detail"])},
        )  # fmt: skip

    def _captured(self, ctx: EvidenceContext, params: Parameters) -> CheckResult:
        """Today's judgement from the capture: anonymous FTP accepted fails, the rest are indicators."""
        anonymous = set(params.lowered("anonymous_users"))
        device = device_of(ctx)
        logins_on: dict[str, int] = {}  # "tcp/21" -> logins seen on the device's service
        findings = self._anonymous_logins(ctx, device, anonymous, logins_on)
        layout: dict[str, dict[str, Any]] = {}
        for label, entry in sorted(device_services(ctx, device).items()):
            layout[label] = {
                "protocols": entry["protocols"],
                "clients": entry["clients"],
                "sessions": entry["sessions"],
                "logins_seen": logins_on.get(label, 0),
            }
            if "telnet" in entry["protocols"] and entry["sessions"] and not logins_on.get(label):
                findings.append(self._telnet_without_login(label, entry["rows"]))
        unauthenticated = sorted(k for k, v in layout.items() if not v["logins_seen"])
        indicators = {
            "observed_ports": layout,
            "services_without_login_seen": unauthenticated,
            "declared_ports": declared_port_labels(ctx.declaration, services=False),
            "device": device.describe(),
            "anonymous_users": sorted(anonymous),
        }
        if any(f.data.get("accepted") for f in findings):
            reasons = [_("The device accepts anonymous network logins."), device.describe(), *params.notes]
            return self.result(ctx, Verdict.FAIL, reasons, findings, indicators)
        reasons = [
            tr("The capture shows {n} service(s) of the device; no login was seen on {without} of them.",
               n=len(layout), without=len(unauthenticated))
            if layout
            else _("The capture shows no service of the device."),
            _("Connect to every open service without credentials (web pages and APIs, RTSP, telnet,"
              " debug ports) and record whether each asks for authentication."),
            *params.notes,
        ]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, findings, indicators)

    @staticmethod
    def _anonymous_logins(
        ctx: EvidenceContext, device: Device, anonymous: set[str], logins_on: dict[str, int]
    ) -> list[Finding]:
        """Anonymous FTP logins to the device not refused; counts every login per service meanwhile."""
        findings = []
        columns = ("protocol", "server_ip", "server_port", "username", "packets", "detail")
        for row in ctx.capture_rows("credentials", columns):
            if not device.concerns(row["server_ip"]):
                continue
            port = "" if row["server_port"] is None else str(row["server_port"])
            label = f"tcp/{port}" if port else "unknown"
            logins_on[label] = logins_on.get(label, 0) + 1
            user = (row["username"] or "").lower()
            if not ((row["protocol"] or "").lower().startswith("ftp") and user in anonymous):
                continue
            detail = row["detail"] or ""
            accepted = login_outcome(detail)
            if accepted is False:
                continue
            where = f"{row['server_ip'] or ''}:{port}"
            summary = (
                tr("The FTP server at {server} accepted an anonymous login ({user}).", server=where,
                   user=repr(user))
                if accepted
                else tr("The FTP server at {server} was sent an anonymous login ({user}).", server=where,
                        user=repr(user))
            )  # fmt: skip
            findings.append(
                Finding(
                    summary=summary,
                    severity=Severity.HIGH if accepted else Severity.MEDIUM,
                    evidence=packet_refs(row, row["packets"] or (), note="anonymous FTP login"),
                    data={"accepted": accepted, "server": where, "detail": detail},
                )
            )
        return findings

    @staticmethod
    def _telnet_without_login(label: str, rows: list[Row]) -> Finding:
        session = next(r for r in rows if (r.get("app_proto") or "").lower() == "telnet")
        return Finding(
            summary=tr("A telnet session on the device at {port} carried data with no login seen: check"
                       " whether it opened a shell without authentication.", port=label),
            severity=Severity.MEDIUM,
            evidence=(ref(session, packet=session.get("first_packet"), note="telnet session start"),),
            data={"port": label, "client_ip": session.get("client_ip") or ""},
        )


CHECK = NetworkAuthentication
