"""ATK-07: services run with least privilege: network services not running as root."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import (
    SERVICE_COLUMNS,
    FirmwareCheck,
    as_int,
    default_note,
    parameter_list,
    program_names,
    ref,
    started,
    table,
    text,
)
from workbench.checks.base import CheckResult, Finding, Severity, Verdict
from workbench.checks.page import SERVICE_VIEW, Page, table_cell

DEFAULT_NETWORK_SERVICES = (
    "telnetd",
    "utelnetd",
    "ftpd",
    "vsftpd",
    "proftpd",
    "tftpd",
    "in.tftpd",
    "httpd",
    "lighttpd",
    "uhttpd",
    "nginx",
    "boa",
    "goahead",
    "mini_httpd",
    "thttpd",
    "dropbear",
    "sshd",
    "dnsmasq",
    "mosquitto",
    "upnpd",
    "miniupnpd",
    "avahi-daemon",
    "smbd",
    "nmbd",
    "rtspd",
    "onvif",
    "snmpd",
    "inetd",
    "xinetd",
    "adbd",
    "gdbserver",
    "mdnsd",
    "lldpd",
    "rpcbind",
    "mqtt",
)
DEFAULT_EXEMPT: tuple[str, ...] = ()  # nothing is exempt unless the catalogue says so


class LeastPrivilegeServices(FirmwareCheck):
    requirement_id = "ATK-07"

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        known, known_default = parameter_list(ctx, "network_services", DEFAULT_NETWORK_SERVICES)
        known_set = set(known)
        raw_uids = ctx.parameters.get("privileged_uids")
        privileged = {as_int(u) for u in (raw_uids if isinstance(raw_uids, list) else [0])} - {None}
        exempt, _ = parameter_list(ctx, "exempt_services", DEFAULT_EXEMPT)  # none unless listed
        uids = {
            (text(r["artefact"]), text(r["user"])): as_int(r["uid"])
            for r in table(ctx, "accounts", ("user", "uid"))
        }
        as_root: list[Finding] = []
        exempted: list[str] = []
        unprivileged: list[str] = []
        unknown: list[str] = []
        for row in table(ctx, "services", SERVICE_COLUMNS):
            if not started(row):
                continue
            name, command = text(row["name"]), text(row["command"])
            programs = {name.lower(), *program_names(command)}
            if as_int(row["port"]) is None and not programs & known_set:
                continue
            label = name or command
            user = text(row["runs_as"])
            uid = as_int(user) if user.isdigit() else uids.get((text(row["artefact"]), user))
            if uid is None and user == "root":
                uid = 0
            if uid in privileged and programs & set(exempt):
                exempted.append(f"{label} ({user})")
            elif uid in privileged:
                as_root.append(
                    Finding(
                        summary=f"network service {label} runs as {user} (uid {uid}) ({text(row['source'])})",
                        severity=Severity.MEDIUM,
                        evidence=(ref(row, path=text(row["source"]) or None),),
                        data={
                            "service": name,
                            "command": command,
                            "port": as_int(row["port"]),
                            "runs_as": user,
                        },
                    )
                )
            elif user:
                unprivileged.append(f"{label} ({user})")
            else:
                unknown.append(label)
        indicators = {
            "observed": {
                "privileged": [f.data["service"] or f.data["command"] for f in as_root],
                "exempt": exempted,
                "unprivileged": unprivileged,
                "unknown_user": unknown,
            },
            "privileged_uids": sorted(privileged),
            "exempt_services": exempt,
        }
        notes = default_note(
            [n for n, d in (("network_services", known_default), ("privileged_uids", raw_uids is None)) if d]
        )
        if as_root:
            lead = f"{len(as_root)} network service(s) started at boot run with a privileged uid"
        elif unprivileged or unknown:
            lead = "no network service started at boot is known to run as root"
        else:
            lead = "no network service started at boot was identified in the image"
        reasons = [lead]
        if exempted:
            reasons.append("privileged by design (exempt in the catalogue): " + ", ".join(exempted))
        if unprivileged:
            reasons.append("running as unprivileged users: " + ", ".join(unprivileged))
        if unknown:
            reasons.append("user not determinable from the boot scripts: " + ", ".join(unknown))
        reasons.append(
            "the inspector checks on the running device (ps, /proc) which services need root, and "
            "whether the others drop privileges after start-up"
        )
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + notes, as_root, indicators)


CHECK = LeastPrivilegeServices

# The notebook page of ATK-07: its analysis section and the declaration fields compared.
PAGE = Page(
    intro="A network service running as root turns any bug in it into full control of the device.",
    steps=[
        (
            "Services started at boot with the user they run as (`runs_as`):",
            table_cell("services", "firmware", "services", SERVICE_VIEW, "Services started at boot"),
        ),
        ("Services per user:", 'ui.plots.value_counts(services, "runs_as", "Services per user")'),
    ],
    procedure=True,
)
