"""ATK-03: debug interfaces disabled in software: no debug daemon or login-less console shell at boot."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from workbench.checks._firmware import (
    DEFAULT_CONSOLES,
    DEFAULT_SHELLS,
    SERVICE_COLUMNS,
    FirmwareCheck,
    asks_login,
    boot_starts,
    cap,
    console_pattern,
    default_note,
    flag,
    is_shell,
    on_console,
    parameter_list,
    program_names,
    ref,
    started,
    table,
    text,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.page import SERVICE_VIEW, Page, table_cell

DEFAULT_DEBUG_SERVICES = ("adbd", "gdbserver", "frida-server", "lldb-server")


class DebugInterfacesDisabled(FirmwareCheck):
    requirement_id = "ATK-03"
    optional = frozenset({EvidenceKind.DECLARATION})

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        debug, defaulted = parameter_list(ctx, "debug_services", DEFAULT_DEBUG_SERVICES)
        debug_names = {PurePosixPath(d).name for d in debug}
        consoles_param, consoles_default = parameter_list(ctx, "serial_consoles", DEFAULT_CONSOLES)
        shells, shells_default = parameter_list(ctx, "shells", DEFAULT_SHELLS)
        pattern = console_pattern(consoles_param)
        findings: list[Finding] = []
        disabled: list[str] = []
        consoles: list[dict[str, Any]] = []
        for row in table(ctx, "services", SERVICE_COLUMNS):
            name, command = text(row["name"]), text(row["command"])
            programs = {name.lower(), *program_names(command)}
            hit = sorted(programs & debug_names)
            console = on_console(row, pattern)
            login_less = (
                console
                and flag(row["auth"]) is not True
                and is_shell(command, shells)
                and not asks_login(command)
            )
            if console:
                consoles.append(
                    {
                        "command": command,
                        "source": text(row["source"]),
                        "line": row["line"],
                        "auth": row["auth"],
                    }
                )
            if not (hit or login_less):
                continue
            if not started(row):
                disabled.append(name or command)
                continue
            if hit:
                where = f"{text(row['source'])}: {command or name}"
                summary = f"debug service {hit[0]} is started at boot ({where})"
                problem = "debug service"
            else:
                where = f"{text(row['source'])}: {command}"
                summary = f"a shell without login is started on a serial console ({where})"
                problem = "console shell without login"
            findings.append(
                Finding(
                    summary=summary,
                    severity=Severity.HIGH,
                    evidence=(ref(row, path=text(row["source"]) or None),),
                    data={
                        "service": name,
                        "command": command,
                        "problem": problem,
                        "runs_as": text(row["runs_as"]),
                    },
                )
            )
        # debug tools the engine does not know as services, started by a boot script
        seen = {(e.path, e.note) for f in findings for e in f.evidence}
        for start in boot_starts(ctx, debug_names):
            if (start["path"], f"line {start['line']}") in seen:
                continue
            findings.append(
                Finding(
                    summary=f"debug tool {start['program']} is started at boot "
                    f"({start['path']}: {start['command']})",
                    severity=Severity.HIGH,
                    evidence=(ref(start, path=start["path"]),),
                    data={
                        "service": start["program"],
                        "command": start["command"],
                        "problem": "debug service",
                        "runs_as": "",
                    },
                )
            )
        declared = list(getattr(ctx.declaration, "debug_interfaces", None) or []) if ctx.declaration else None
        indicators = {
            "declared": {"debug_interfaces": declared},
            "observed": {
                "debug_services_at_boot": [f.data["command"] or f.data["service"] for f in findings],
                "serial_consoles": consoles,
                "disabled_debug_services": disabled,
            },
        }
        notes = default_note(
            [
                n
                for n, d in (
                    ("debug_services", defaulted),
                    ("serial_consoles", consoles_default),
                    ("shells", shells_default),
                )
                if d
            ]
        )
        if findings:
            reasons = [f.summary for f in findings]
            if declared:
                reasons.append(f"the declaration lists debug interfaces: {', '.join(declared)}")
            reasons += notes
            return self.result(ctx, Verdict.FAIL, reasons, cap(findings, reasons), indicators)
        reasons = [
            "no debug service (" + ", ".join(sorted(debug_names)) + ") and no login-less shell on a "
            "serial console is started at boot"
        ]
        if consoles:
            reasons.append(f"{len(consoles)} serial console(s) ask for a login")
        if disabled:
            reasons.append("present but disabled: " + ", ".join(disabled))
        return self.result(ctx, Verdict.PASS, reasons + notes, indicators=indicators)


CHECK = DebugInterfacesDisabled

# The notebook page of ATK-03: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="Debug services (adbd, gdbserver, a root shell on the serial console) left on in "
    "production give full control of the device.",
    steps=[
        (
            "Services started at boot; look at `kind`, `command` and `auth`:",
            table_cell("services", "firmware", "services", SERVICE_VIEW, "Services started at boot"),
        )
    ],
    declared=["debug_interfaces"],
)
