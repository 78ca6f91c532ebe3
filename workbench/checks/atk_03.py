"""ATK-03: debug interfaces disabled in software: no debug daemon or login-less console shell at boot."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    FirmwareCheck,
    Row,
    asks_login,
    boot_starts,
    cap,
    console_pattern,
    is_shell,
    on_console,
    program_names,
    ref,
    started,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.parameters import Parameters
from workbench.i18n import tr

_COLUMNS = ("name", "kind", "source", "line", "command", "runs_as", "enabled", "auth")


def serial_console_pattern(params: Parameters) -> re.Pattern[str]:
    """The catalogue's serial console names as written: device names are case-sensitive (`ttyS0`
    is a serial port, `ttys003` a pseudo-terminal)."""
    return console_pattern(params.strings("serial_consoles"))


@dataclass
class BootDebug:
    """What starts at boot that gives debug access, and the serial consoles seen."""

    findings: list[Finding] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    consoles: list[dict[str, Any]] = field(default_factory=list)


def _service_finding(row: Row, hit: list[str]) -> Finding:
    name, command, source = row["name"] or "", row["command"] or "", row["source"] or ""
    if hit:
        summary = tr(
            "debug service {service} is started at boot ({source}: {command})",
            service=hit[0],
            source=source,
            command=command or name,
        )
        problem = "debug service"
    else:
        summary = tr(
            "a shell without login is started on a serial console ({source}: {command})",
            source=source,
            command=command,
        )
        problem = "console shell without login"
    return Finding(
        summary=summary,
        severity=Severity.HIGH,
        evidence=(ref(row, path=source or None),),
        data={"service": name, "command": command, "problem": problem, "runs_as": row["runs_as"] or ""},
    )


def debug_services(ctx: Any, debug_names: set[str], pattern: re.Pattern[str], shells: list[str]) -> BootDebug:
    """Debug daemons and login-less console shells among the engine's boot services."""
    found = BootDebug()
    for row in ctx.firmware_rows("services", _COLUMNS):
        name, command = row["name"] or "", row["command"] or ""
        hit = sorted({name.lower(), *program_names(command)} & debug_names)
        console = on_console(row, pattern)
        login_less = (
            console and row["auth"] is not True and is_shell(command, shells) and not asks_login(command)
        )
        if console:
            found.consoles.append(
                {"command": command, "source": row["source"] or "", "line": row["line"], "auth": row["auth"]}
            )
        if not (hit or login_less):
            continue
        if not started(row):
            found.disabled.append(name or command)
        else:
            found.findings.append(_service_finding(row, hit))
    return found


def debug_tools_in_scripts(ctx: Any, debug_names: set[str], known: list[Finding]) -> list[Finding]:
    """Debug tools the engine does not know as services, started by a boot script."""
    seen = {(e.path, e.note) for f in known for e in f.evidence}
    return [
        Finding(
            summary=tr(
                "debug tool {program} is started at boot ({path}: {command})",
                program=start["program"],
                path=start["path"],
                command=start["command"],
            ),
            severity=Severity.HIGH,
            evidence=(ref(start, path=start["path"]),),
            data={
                "service": start["program"],
                "command": start["command"],
                "problem": "debug service",
                "runs_as": "",
            },
        )  # fmt: skip
        for start in boot_starts(ctx, debug_names)
        if (start["path"], f"line {start['line']}") not in seen
    ]


class DebugInterfacesDisabled(FirmwareCheck):
    requirement_id = "ATK-03"
    optional = frozenset({EvidenceKind.DECLARATION})
    parameters = ("debug_services", "serial_consoles", "shells")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        debug_names = {PurePosixPath(d).name for d in params.lowered("debug_services")}
        pattern = serial_console_pattern(params)
        found = debug_services(ctx, debug_names, pattern, params.lowered("shells"))
        findings = found.findings + debug_tools_in_scripts(ctx, debug_names, found.findings)
        declared = list(getattr(ctx.declaration, "debug_interfaces", None) or []) if ctx.declaration else None
        indicators = {
            "declared": {"debug_interfaces": declared},
            "observed": {
                "debug_services_at_boot": [f.data["command"] or f.data["service"] for f in findings],
                "serial_consoles": found.consoles,
                "disabled_debug_services": found.disabled,
            },
        }
        if findings:
            reasons = [f.summary for f in findings]
            if declared:
                reasons.append(
                    tr("the declaration lists debug interfaces: {interfaces}", interfaces=", ".join(declared))
                )
            reasons += params.notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = [
            tr(
                "no debug service ({services}) and no login-less shell on a serial console is started"
                " at boot",
                services=", ".join(sorted(debug_names)),
            )
        ]
        if found.consoles:
            reasons.append(tr("{n} serial console(s) ask for a login", n=len(found.consoles)))
        if found.disabled:
            reasons.append(tr("present but disabled: {services}", services=", ".join(found.disabled)))
        return self.result(ctx, Verdict.PASS, reasons + params.notes, indicators=indicators)


CHECK = DebugInterfacesDisabled
