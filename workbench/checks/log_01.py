"""LOG-01: security-relevant events are logged, with reliable time (NTP or RTC)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    SERVICE_COLUMNS,
    FirmwareCheck,
    as_int,
    declaration_ref,
    program_names,
    started,
    table,
    text,
)
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.registry import register

_LOGGERS = {"syslogd", "rsyslogd", "syslog-ng", "logd", "klogd", "journald", "systemd-journald", "metalog"}
_TIME = {"ntpd", "chronyd", "ntpclient", "ntpdate", "sntp", "openntpd", "systemd-timesyncd", "htpdate",
         "sysntpd", "ntp"}
_LOG_CONFIGS = ("syslog.conf", "rsyslog.conf", "syslog-ng.conf", "journald.conf")
_TIME_CONFIGS = ("ntp.conf", "chrony.conf", "timesyncd.conf", "ntpd.conf")


@register
class SecurityLogging(FirmwareCheck):
    requirement_id = "LOG-01"
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        loggers, clocks = [], []
        for row in table(ctx, "services", SERVICE_COLUMNS):
            programs = {text(row["name"]).lower(), *program_names(text(row["command"]))}
            label = f"{text(row['name']) or text(row['command'])} ({text(row['source'])})"
            if not started(row):
                continue
            if programs & _LOGGERS:
                loggers.append(label)
            if programs & _TIME:
                clocks.append(label)
        configs = sorted({text(r["path"]) for r in table(ctx, "files", ("path",))
                          if PurePosixPath(text(r["path"])).name in _LOG_CONFIGS + _TIME_CONFIGS})
        ntp_flows = self._ntp_in_capture(ctx)
        declaration = ctx.declaration
        logging = getattr(declaration, "logging", None) if declaration is not None else None
        indicators = {
            "declared": {"logging": declared(declaration, "logging")},
            "observed": {"loggers_at_boot": loggers, "time_sync_at_boot": clocks, "configs": configs,
                         "ntp_servers_in_capture": ntp_flows},
        }
        if logging is not None and logging.enabled is False:
            finding = Finding(summary="the declaration states security events are not logged",
                              severity=Severity.MEDIUM, evidence=(declaration_ref(ctx, "logging.enabled"),))
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
        reasons = [
            f"logging started at boot: {', '.join(loggers)}" if loggers
            else "no logging daemon is started at boot",
            f"time synchronisation at boot: {', '.join(clocks)}" if clocks
            else "no time synchronisation service is started at boot",
        ]
        if ctx.has(EvidenceKind.CAPTURE):
            reasons.append(f"NTP servers contacted in the capture: {', '.join(ntp_flows)}" if ntp_flows
                           else "no NTP traffic in the capture")
        if logging is not None:
            reasons.append(f"the declaration states logging enabled: {logging.enabled}, "
                           f"time source: {logging.time_source or 'not stated'}")
        reasons.append("the inspector triggers security events (failed logins, configuration changes) and "
                       "checks they are recorded with correct time stamps")
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)

    @staticmethod
    def _ntp_in_capture(ctx: Any) -> list[str]:
        if not ctx.has(EvidenceKind.CAPTURE):
            return []
        flows = ctx.capture_table("flows")
        servers = set()
        for column in ("server_port", "server_ip"):
            if column not in flows.columns:
                return []
        for port, server in zip(flows["server_port"], flows["server_ip"], strict=True):
            if as_int(port) == 123:
                servers.add(text(server))
        return sorted(servers)
