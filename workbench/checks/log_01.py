"""LOG-01: security-relevant events are logged, with reliable time (NTP or RTC).

The firmware shows what starts logging and time synchronisation at boot, the capture which time servers
the device reached. With test access (catalogue 2026.4) the probe reads the unit's clock and, after its
brute-force test, the log files the manufacturer names (`_probe_logs`): the failed logins the probe made
must be in the log, within the run, and the unit's clock within `probe_clock_tolerance_s` of the probe's.
That is the inspection method's hands-on test, done on the unit; it decides with the firmware showing
logging started or configured (whether the log survives a restart it cannot show). The failed logins
missing from a log that could show them fail; a clock beyond the tolerance does not decide (on an isolated
bench an NTP client cannot reach its server).
"""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, boot_starts, declaration_ref, program_names, started
from workbench.checks._probe_logs import ClockOffset, FailedLogins
from workbench.checks._probe_unit import amended, decide, listed, undecided, unit_start
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.i18n import N_, _, tr

_TIME_PORTS = {"ntp": 123, "sntp": 123, "nts": 4460}
PROCEDURE = N_(
    "the inspector triggers security events (failed logins, configuration changes) and "
    "checks they are recorded with correct time stamps"
)
NOT_KEPT = N_(
    "On the unit the failed logins are logged and its clock is right, but the firmware shows no logging"
    " daemon started at boot nor a syslog configuration (no image, or none found): whether the log is kept"
    " (persistent storage, a remote collector) rather than lost at restart is for the inspector."
)
NOT_SHOWN = N_(
    "Not shown on the unit: whether the log survives a restart (persistent storage or a remote collector);"
    " the firmware's logging configuration is listed here for the inspector, whose verdict overrides."
)


def started_at_boot(ctx: Any, logging_names: set[str], time_names: set[str]) -> tuple[list[str], list[str]]:
    """(loggers, clocks): where a logging daemon and a time service are started at boot, from the
    boot scripts and from the engine's services."""
    loggers = [_started_at(s["program"], s["path"], s["line"]) for s in boot_starts(ctx, logging_names)]
    clocks = [_started_at(s["program"], s["path"], s["line"]) for s in boot_starts(ctx, time_names)]
    for row in ctx.firmware_rows("services", ("name", "source", "line", "command", "enabled")):
        if not started(row):
            continue
        programs = {(row["name"] or "").lower(), *program_names(row["command"] or "")}
        label = _started_at(row["name"] or "", row["source"] or "", row["line"])
        if programs & logging_names and label not in loggers:
            loggers.append(label)
        if programs & time_names and label not in clocks:
            clocks.append(label)
    return loggers, clocks


def _started_at(program: str, path: str, line: Any) -> str:
    return tr("{program} ({path} line {line})", program=program, path=path, line=line)


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
        tr("logging started at boot: {where}", where=", ".join(loggers))
        if loggers
        else _("no logging daemon is started at boot"),
        tr("time synchronisation at boot: {where}", where=", ".join(clocks))
        if clocks
        else _("no time synchronisation service is started at boot"),
    ]
    if ctx.has(EvidenceKind.CAPTURE):
        reasons.append(
            tr("time servers contacted in the capture: {servers}", servers=", ".join(ntp_flows))
            if ntp_flows
            else tr("no {protocols} traffic in the capture", protocols="/".join(protocols).upper())
        )
    source = (getattr(logging, "time_source", None) or "").lower()
    if source in protocols and not clocks:
        reasons.append(tr("the declaration names {source} as time source, but nothing starts it at boot",
                          source=source))
    if getattr(logging, "enabled", None) is True and not loggers:
        reasons.append(
            _("the declaration says security events are logged, but no logging daemon starts at boot")
        )
    if logging is not None:
        if logging.time_source:
            reasons.append(tr("the declaration states logging enabled: {enabled}, time source: {source}",
                              enabled=logging.enabled, source=logging.time_source))
        else:
            reasons.append(tr("the declaration states logging enabled: {enabled}, time source: not stated",
                              enabled=logging.enabled))
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
        clock = ClockOffset.of(ctx, params.number("probe_clock_tolerance_s"))
        logins = FailedLogins.of(ctx, clock.offset)
        reasons = [clock.reason(), logins.reason(), *params.notes]
        indicators = {"clock": clock.indicators(), "failed_logins": logins.indicators()}
        unlogged = logins.finding(ctx)
        if unlogged is not None:
            lead = tr("decided on the unit: {finding}", finding=unlogged.summary)
            found = [unlogged, *today.findings]
            return decide(ctx, today, Verdict.FAIL, [lead, *reasons], found, (PROCEDURE,), indicators)
        if today.verdict is Verdict.FAIL:
            lead = _(
                "The declaration's statement (security events not logged) stands, whatever the unit showed."
            )
            return amended(ctx, today, reasons=[lead, *reasons], indicators=indicators)
        gap = (
            _("the unit rejected none of the probe's wrong passwords, so a failed-login line does not show"
              " the probe's attempts were logged") if not logins.tried
            else _("it did not show the failed logins it made in the unit's log") if not logins.logged
            else _("it could not read the unit's clock") if clock.offset is None
            else tr("the unit's clock is beyond {tolerance} s of the probe's; on an isolated bench an NTP"
                    " client cannot reach its server, so the offset does not show the unit keeps no reliable"
                    " time: the inspector compares the unit's clock with its time source",
                    tolerance=format(clock.tolerance, "g")) if clock.wrong
            else None
        )  # fmt: skip
        if gap:
            return amended(ctx, today, reasons=[undecided(gap), *reasons], indicators=indicators)
        kept = _kept_by_firmware(today, params.lowered("syslog_configs"))
        if not kept:
            return amended(ctx, today, reasons=[_(NOT_KEPT), *reasons], indicators=indicators)
        lead = _(
            "decided on the unit: the failed logins the probe made are logged, with the unit's clock right"
        )
        logging = tr("The firmware starts or configures logging: {where}.", where=listed(kept, 4))
        reasons = [lead, logging, *reasons, _(NOT_SHOWN)]
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
                summary=_("the declaration states security events are not logged"),
                severity=Severity.MEDIUM,
                evidence=(declaration_ref(ctx, "logging.enabled"),),
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
        reasons = _reasons(ctx, indicators["observed"], protocols, logging) + params.notes
        reasons.append(_(PROCEDURE))
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)


def _kept_by_firmware(today: CheckResult, syslog_configs: list[str]) -> list[str]:
    """The logging daemons started at boot and the syslog configurations today's result found."""
    observed = today.indicators.get("observed")
    if not isinstance(observed, dict):
        return []
    configs = [c for c in observed.get("configs") or () if str(c).lower() in syslog_configs]
    return [*(observed.get("loggers_at_boot") or ()), *configs]


CHECK = SecurityLogging
