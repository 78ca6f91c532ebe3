"""LOG-01: security-relevant events are logged, with reliable time (NTP or RTC).

The firmware shows what starts logging and time synchronisation at boot, the capture which time servers
the device reached. With test access (catalogue 2026.4) the probe reads the unit's clock and, after its
brute-force test, the log files the manufacturer names: the unit's clock must lie within
`probe_clock_tolerance_s` of the probe's, and the failed logins the probe made must be in the log, within
the run. That is the inspection method's hands-on test, done on the unit; it decides with the firmware
showing logging started or configured (whether the log survives a restart it cannot show).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.checks._firmware import FirmwareCheck, boot_starts, declaration_ref, program_names, started
from workbench.checks._probe import MAX_REFS, clip, probe_refs, results_ref, service_label, test_state
from workbench.checks._probe import Row as ProbeRow
from workbench.checks._probe_unit import (
    access_part,
    amended,
    command_refs,
    decide,
    finite,
    listed,
    session_refs,
    undecided,
    unfinished,
    unit_start,
)
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, EvidenceRef, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext

_TIME_PORTS = {"ntp": 123, "sntp": 123, "nts": 4460}
PROCEDURE = (
    "the inspector triggers security events (failed logins, configuration changes) and "
    "checks they are recorded with correct time stamps"
)
NOT_KEPT = (
    "On the unit the failed logins are logged and its clock is right, but the firmware shows no logging"
    " daemon started at boot nor a syslog configuration (no image, or none found): whether the log is kept"
    " (persistent storage, a remote collector) rather than lost at restart is for the inspector."
)
NOT_SHOWN = (
    "Not shown on the unit: whether the log survives a restart (persistent storage or a remote collector);"
    " the firmware's logging configuration is listed here for the inspector, whose verdict overrides."
)


def started_at_boot(ctx: Any, logging_names: set[str], time_names: set[str]) -> tuple[list[str], list[str]]:
    """(loggers, clocks): where a logging daemon and a time service are started at boot, from the
    boot scripts and from the engine's services."""
    loggers = [f"{s['program']} ({s['path']} line {s['line']})" for s in boot_starts(ctx, logging_names)]
    clocks = [f"{s['program']} ({s['path']} line {s['line']})" for s in boot_starts(ctx, time_names)]
    for row in ctx.firmware_rows("services", ("name", "source", "line", "command", "enabled")):
        if not started(row):
            continue
        programs = {(row["name"] or "").lower(), *program_names(row["command"] or "")}
        label = f"{row['name'] or ''} ({row['source'] or ''} line {row['line']})"
        if programs & logging_names and label not in loggers:
            loggers.append(label)
        if programs & time_names and label not in clocks:
            clocks.append(label)
    return loggers, clocks


def time_in_capture(ctx: Any, protocols: list[str]) -> list[str]:
    """Servers the device reached over a time protocol (by the engine's app_proto, else port);
    flows where the device is the server (someone probing its port 123) are not time sources."""
    if not ctx.has(EvidenceKind.CAPTURE):
        return []
    ports = {_TIME_PORTS[p] for p in protocols if p in _TIME_PORTS}
    servers = set()
    for row in ctx.capture_rows("flows", ("server_ip", "server_port", "app_proto", "device_role")):
        if row["device_role"] == "server":
            continue
        if (row["app_proto"] or "").lower() in protocols or row["server_port"] in ports:
            servers.add(row["server_ip"] or "")
    return sorted(servers)


def _reasons(ctx: Any, observed: dict[str, Any], protocols: list[str], logging: Any) -> list[str]:
    loggers, clocks = observed["loggers_at_boot"], observed["time_sync_at_boot"]
    ntp_flows = observed["time_servers_in_capture"]
    reasons = [
        f"logging started at boot: {', '.join(loggers)}"
        if loggers
        else "no logging daemon is started at boot",
        f"time synchronisation at boot: {', '.join(clocks)}"
        if clocks
        else "no time synchronisation service is started at boot",
    ]
    if ctx.has(EvidenceKind.CAPTURE):
        reasons.append(
            f"time servers contacted in the capture: {', '.join(ntp_flows)}"
            if ntp_flows
            else f"no {'/'.join(protocols).upper()} traffic in the capture"
        )
    source = (getattr(logging, "time_source", None) or "").lower()
    if source in protocols and not clocks:
        reasons.append(f"the declaration names {source} as time source, but nothing starts it at boot")
    if getattr(logging, "enabled", None) is True and not loggers:
        reasons.append(
            "the declaration says security events are logged, but no logging daemon starts at boot"
        )
    if logging is not None:
        reasons.append(
            f"the declaration states logging enabled: {logging.enabled}, "
            f"time source: {logging.time_source or 'not stated'}"
        )
    return reasons


class SecurityLogging(FirmwareCheck):
    requirement_id = "LOG-01"
    needs = frozenset()
    optional = frozenset(
        {EvidenceKind.FIRMWARE, EvidenceKind.CAPTURE, EvidenceKind.DECLARATION, EvidenceKind.PROBE}
    )
    parameters = (
        "logging_daemons", "time_services", "syslog_configs", "time_configs", "time_protocols",
        "probe_clock_tolerance_s",
    )  # fmt: skip

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today, done = unit_start(self, ctx, "device_session")
        if done is not None:
            return done
        params = self.params(ctx)
        clock = UnitClock.of(ctx, params.number("probe_clock_tolerance_s"))
        logins = FailedLogins.of(ctx, clock.offset)
        findings = [f for f in (clock.finding(ctx), logins.finding(ctx)) if f is not None]
        reasons = [clock.reason(), logins.reason(), *params.notes]
        indicators = {"clock": clock.indicators(), "failed_logins": logins.indicators()}
        if findings:
            lead = "decided on the unit: " + "; ".join(f.summary for f in findings)
            found = [*findings, *today.findings]
            return decide(ctx, today, Verdict.FAIL, [lead, *reasons], found, (PROCEDURE,), indicators)
        if today.verdict is Verdict.FAIL:
            lead = (
                "The declaration's statement (security events not logged) stands, whatever the unit showed."
            )
            return amended(ctx, today, reasons=[lead, *reasons], indicators=indicators)
        if clock.offset is None or not logins.logged:
            lead = undecided("it did not show both the clock and the failed logins")
            return amended(ctx, today, reasons=[lead, *reasons], indicators=indicators)
        kept = _kept_by_firmware(today, params.lowered("syslog_configs"))
        if not kept:
            return amended(ctx, today, reasons=[NOT_KEPT, *reasons], indicators=indicators)
        lead = "decided on the unit: the failed logins the probe made are logged, with the unit's clock right"
        logging = f"The firmware starts or configures logging: {listed(kept, 4)}."
        reasons = [lead, logging, *reasons, NOT_SHOWN]
        return decide(ctx, today, Verdict.PASS, reasons, [logins.shown(ctx)], (PROCEDURE,), indicators)

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        loggers, clocks = started_at_boot(
            ctx, set(params.lowered("logging_daemons")), set(params.lowered("time_services"))
        )
        wanted = set(params.lowered("syslog_configs")) | set(params.lowered("time_configs"))
        configs = sorted(
            {r["path"] for r in ctx.firmware_rows("files", ("path",)) if (r["path"] or "").lower() in wanted}
        )
        protocols = params.lowered("time_protocols")
        declaration = ctx.declaration
        logging = getattr(declaration, "logging", None) if declaration is not None else None
        indicators = {
            "declared": {"logging": declared(declaration, "logging")},
            "observed": {
                "loggers_at_boot": loggers,
                "time_sync_at_boot": clocks,
                "configs": configs,
                "time_servers_in_capture": time_in_capture(ctx, protocols),
            },
        }
        if logging is not None and logging.enabled is False:
            finding = Finding(
                summary="the declaration states security events are not logged",
                severity=Severity.MEDIUM,
                evidence=(declaration_ref(ctx, "logging.enabled"),),
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
        reasons = _reasons(ctx, indicators["observed"], protocols, logging) + params.notes
        reasons.append(PROCEDURE)
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)


def _kept_by_firmware(today: CheckResult, syslog_configs: list[str]) -> list[str]:
    """The logging daemons started at boot and the syslog configurations today's result found."""
    observed = today.indicators.get("observed")
    if not isinstance(observed, dict):
        return []
    configs = [c for c in observed.get("configs") or () if str(c).lower() in syslog_configs]
    return [*(observed.get("loggers_at_boot") or ()), *configs]


_GUESSING = ("default_credentials", "brute_force")  # the probe's tests that try wrong passwords
_SLACK_S = 2.0  # a log's time has whole seconds; the clock offset is read to a fraction of one


def _guessing_windows(ctx: EvidenceContext) -> list[tuple[float, float]]:
    """When the probe's tests tried wrong passwords (this machine's clock)."""
    windows = []
    for run in (test_state(ctx, name) for name in _GUESSING):
        started, finished = (finite(run.started), finite(run.finished)) if run else (None, None)
        if started is not None and finished is not None:
            windows.append((started - _SLACK_S, finished + _SLACK_S))
    return windows


def _while_guessing(row: ProbeRow, offset: float | None, windows: list[tuple[float, float]]) -> bool:
    """A log line written while the probe tried wrong passwords (its time taken back to this machine's
    clock); with no test times known, any line of the run."""
    if not windows:
        return row["in_window"] is True
    logged = finite(row["logged_at"])
    when = None if logged is None else logged - (offset or 0.0)
    return when is not None and any(start <= when <= end for start, end in windows)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if abs(value) < 1e7 else f"{value:.3g} s"


@dataclass
class UnitClock:
    """The unit's clock against the probe's (`device_clock`)."""

    offset: float | None
    tolerance: float
    row: ProbeRow | None = None

    @classmethod
    def of(cls, ctx: EvidenceContext, tolerance: float) -> UnitClock:
        for row in ctx.probe_rows("device_clock"):
            offset = finite(row["offset_s"])
            if offset is not None:
                return cls(offset, tolerance, row)
        return cls(None, tolerance)

    @property
    def wrong(self) -> bool:
        return self.offset is not None and abs(self.offset) > self.tolerance

    def reason(self) -> str:
        if self.offset is None:
            return "The unit's clock could not be read (no usable device_clock row)."
        within = "beyond" if self.wrong else "within"
        return f"The unit's clock is {_seconds(self.offset)} off the probe's, {within} {self.tolerance:g} s."

    def finding(self, ctx: EvidenceContext) -> Finding | None:
        if not self.wrong or self.row is None:
            return None
        return Finding(
            summary=f"the unit's clock is {_seconds(self.offset or 0.0)} off, beyond {self.tolerance:g} s:"
            " its log's times are not reliable",
            severity=Severity.MEDIUM,
            evidence=session_refs(ctx, "clock") or (results_ref(self.row, "device_clock"),),
            data=self.indicators(),
        )

    def indicators(self) -> dict[str, Any]:
        row = self.row or {}
        times = {name: finite(row.get(name)) for name in ("device_time", "probe_time")}
        return {"offset_s": self.offset, "tolerance_s": self.tolerance, **times}


@dataclass
class FailedLogins:
    """The failed logins the probe made (wrong passwords its brute-force and default-credential tests had
    refused), and the unit's log lines of failed logins written while those tests ran."""

    tried: list[ProbeRow]  # refused attempts
    logged: list[ProbeRow]  # failed_login lines written while the probe tried wrong passwords
    earlier: int  # failed_login lines at other times
    files: list[str]  # the log files the test access names
    unread: list[str]  # log commands that did not finish

    @classmethod
    def of(cls, ctx: EvidenceContext, offset: float | None) -> FailedLogins:
        tried = [r for r in ctx.probe_rows("bruteforce") if (r["outcome"] or "").lower() == "rejected"]
        tried += [r for r in ctx.probe_rows("logins") if r["accepted"] is False]
        failed = [r for r in ctx.probe_rows("device_log") if (r["event"] or "").lower() == "failed_login"]
        named = access_part(ctx, "logs")
        files = [clip(f, 200) for f in named if isinstance(f, str)] if isinstance(named, list) else []
        windows = _guessing_windows(ctx)
        logged = [r for r in failed if _while_guessing(r, offset, windows)]
        return cls(tried, logged, len(failed) - len(logged), files, unfinished(ctx, "logs"))

    @property
    def missing(self) -> bool:
        """The probe made failed logins, read the named logs, and found none of them there."""
        return bool(self.tried and self.files and not self.unread and not self.logged)

    def services(self) -> str:
        return listed(sorted({service_label(r) for r in self.tried}), 6)

    def reason(self) -> str:
        if self.logged:
            first = self.logged[0]
            where = f"{clip(first['file'], 120)} line {first['line']}"
            return (f"{len(self.logged)} failed login(s) logged on the unit while the probe tried wrong"
                    f" passwords, e.g. {where}: {clip(first['text'], 160)!r}.")  # fmt: skip
        if not self.tried:
            return "The probe had no wrong password refused: no failed login to look for in the log."
        if not self.files:
            return "The test access names no log file (test-access.yaml `logs`): the unit's log was not read."
        if self.unread:
            return "The unit's log could not be read: " + listed(self.unread, 3) + "."
        older = f" ({self.earlier} failed-login line(s) at other times)" if self.earlier else ""
        return f"No failed login from the probe's wrong passwords in {listed(self.files, 4)}{older}."

    def finding(self, ctx: EvidenceContext) -> Finding | None:
        if not self.missing:
            return None
        return Finding(
            summary=f"the {len(self.tried)} failed login(s) the probe made ({self.services()}) are not in the"
            f" log the manufacturer names ({listed(self.files, 4)})",
            severity=Severity.MEDIUM,
            evidence=(*probe_refs(self.tried, test_state(ctx, "brute_force"), 4), *session_refs(ctx, "logs")),
            data=self.indicators(),
        )

    def shown(self, ctx: EvidenceContext) -> Finding:
        lines = [EvidenceRef(artefact=r["artefact"] or "probe", sha256=r["artefact_sha256"] or "",
                             path=clip(r["file"], 200), note=f"line {r['line']} on the unit")
                 for r in self.logged[:MAX_REFS]]  # fmt: skip
        return Finding(
            summary=f"{len(self.logged)} failed login(s) of the probe's run logged on the unit",
            severity=Severity.INFO,
            evidence=(*lines, *command_refs(ctx, "logs", "clock")),
            data=self.indicators(),
        )

    def indicators(self) -> dict[str, Any]:
        return {
            "rejected_attempts": len(self.tried),
            "services": sorted({service_label(r) for r in self.tried}),
            "logged": [
                f"{clip(r['file'], 120)}:{r['line']}: {clip(r['text'], 160)}" for r in self.logged[:20]
            ],
            "at_other_times": self.earlier,
            "log_files": self.files,
        }


CHECK = SecurityLogging
