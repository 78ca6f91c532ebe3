"""LOG-01: security-relevant events are logged, with reliable time (NTP or RTC)."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    SERVICE_COLUMNS,
    FirmwareCheck,
    as_int,
    boot_starts,
    declaration_ref,
    default_note,
    parameter_list,
    program_names,
    records,
    started,
    table,
    text,
)
from workbench.checks._procedural import declared
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.page import FLOW_VIEW, SERVICE_VIEW, Page, table_cell

# Defaults only for a catalogue that gives no logging_daemons, time_services or time_configs.
DEFAULT_LOGGING_DAEMONS = (
    "syslogd",
    "rsyslogd",
    "syslog-ng",
    "logd",
    "klogd",
    "journald",
    "systemd-journald",
    "metalog",
)
DEFAULT_TIME_SERVICES = (
    "ntpd",
    "chronyd",
    "ntpclient",
    "ntpdate",
    "sntp",
    "openntpd",
    "systemd-timesyncd",
    "htpdate",
    "sysntpd",
    "ntp",
)
DEFAULT_SYSLOG_CONFIGS = ("/etc/syslog.conf", "/etc/rsyslog.conf", "/etc/syslog-ng/syslog-ng.conf")
DEFAULT_TIME_PROTOCOLS = ("ntp", "nts", "sntp")
DEFAULT_TIME_CONFIGS = (
    "/etc/ntp.conf",
    "/etc/chrony.conf",
    "/etc/chrony/chrony.conf",
    "/etc/systemd/timesyncd.conf",
)
_TIME_PORTS = {"ntp": 123, "sntp": 123, "nts": 4460}


class SecurityLogging(FirmwareCheck):
    requirement_id = "LOG-01"
    optional = frozenset({EvidenceKind.CAPTURE, EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        daemons, daemons_default = parameter_list(ctx, "logging_daemons", DEFAULT_LOGGING_DAEMONS)
        services, services_default = parameter_list(ctx, "time_services", DEFAULT_TIME_SERVICES)
        time_configs, time_configs_default = parameter_list(ctx, "time_configs", DEFAULT_TIME_CONFIGS)
        logging_names, time_names = set(daemons), set(services)
        loggers: list[str] = []
        clocks: list[str] = []
        for found, names in ((loggers, logging_names), (clocks, time_names)):
            found += [f"{s['program']} ({s['path']} line {s['line']})" for s in boot_starts(ctx, names)]
        for row in table(ctx, "services", SERVICE_COLUMNS):
            programs = {text(row["name"]).lower(), *program_names(text(row["command"]))}
            label = f"{text(row['name'])} ({text(row['source'])} line {row['line']})"
            if not started(row):
                continue
            if programs & logging_names and label not in loggers:
                loggers.append(label)
            if programs & time_names and label not in clocks:
                clocks.append(label)
        syslog_configs, configs_default = parameter_list(ctx, "syslog_configs", DEFAULT_SYSLOG_CONFIGS)
        protocols, protocols_default = parameter_list(ctx, "time_protocols", DEFAULT_TIME_PROTOCOLS)
        wanted = set(syslog_configs) | set(time_configs)
        configs = sorted(
            {text(r["path"]) for r in table(ctx, "files", ("path",)) if text(r["path"]).lower() in wanted}
        )
        ntp_flows = self._time_in_capture(ctx, protocols)
        defaults = (
            ("logging_daemons", daemons_default),
            ("time_services", services_default),
            ("syslog_configs", configs_default),
            ("time_configs", time_configs_default),
            ("time_protocols", protocols_default),
        )
        notes = default_note([name for name, used in defaults if used])
        declaration = ctx.declaration
        logging = getattr(declaration, "logging", None) if declaration is not None else None
        indicators = {
            "declared": {"logging": declared(declaration, "logging")},
            "observed": {
                "loggers_at_boot": loggers,
                "time_sync_at_boot": clocks,
                "configs": configs,
                "time_servers_in_capture": ntp_flows,
            },
        }
        if logging is not None and logging.enabled is False:
            finding = Finding(
                summary="the declaration states security events are not logged",
                severity=Severity.MEDIUM,
                evidence=(declaration_ref(ctx, "logging.enabled"),),
            )
            return self.result(ctx, Verdict.FAIL, [finding.summary], [finding], indicators)
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
        source = text(getattr(logging, "time_source", None)).lower()
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
        reasons += notes
        reasons.append(
            "the inspector triggers security events (failed logins, configuration changes) and "
            "checks they are recorded with correct time stamps"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, indicators=indicators)

    @staticmethod
    def _time_in_capture(ctx: Any, protocols: list[str]) -> list[str]:
        """Servers the device reached over a time protocol (by the engine's app_proto, else port);
        flows where the device is the server (someone probing its port 123) are not time sources."""
        if not ctx.has(EvidenceKind.CAPTURE):
            return []
        ports = {_TIME_PORTS[p] for p in protocols if p in _TIME_PORTS}
        servers = set()
        columns = ("server_ip", "server_port", "app_proto", "device_role")
        for row in records(ctx.capture_table("flows"), columns):
            if text(row["device_role"]) == "server":
                continue
            if text(row["app_proto"]).lower() in protocols or as_int(row["server_port"]) in ports:
                servers.add(text(row["server_ip"]))
        return sorted(servers)


CHECK = SecurityLogging

# The notebook page of LOG-01: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Security events are only useful with a reliable time: look for a syslog configuration "
    "and for NTP in the image and the capture.",
    steps=[
        (
            "Logging and time services started at boot:",
            table_cell(
                "services",
                "firmware",
                "services",
                SERVICE_VIEW,
                "Logging and time services",
                where={"name~": "syslog|klog|ntp|chrony|timesync"},
            ),
        ),
        (
            "NTP (port 123) and syslog (port 514) traffic in the capture:",
            table_cell(
                "flows",
                "capture",
                "flows",
                FLOW_VIEW,
                "Time and logging traffic",
                where={"server_port": [123, 514]},
            ),
        ),
    ],
    declared=["logging"],
    procedure=True,
)
