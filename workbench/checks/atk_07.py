"""ATK-07: services run with least privilege: network services not running as root."""

from __future__ import annotations

from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, program_names, ref, started
from workbench.checks.base import CheckResult, Finding, Severity, Verdict


def _root_finding(row: Row, label: str, user: str, uid: int) -> Finding:
    return Finding(
        summary=f"network service {label} runs as {user} (uid {uid}) ({row['source'] or ''})",
        severity=Severity.MEDIUM,
        evidence=(ref(row, path=row["source"] or None),),
        data={
            "service": row["name"] or "",
            "command": row["command"] or "",
            "port": row["port"],
            "runs_as": user,
        },
    )


class LeastPrivilegeServices(FirmwareCheck):
    requirement_id = "ATK-07"
    parameters = ("network_services", "privileged_uids", "exempt_services")

    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        known = set(params.lowered("network_services"))
        privileged = {int(u) for u in params.strings("privileged_uids")}
        exempt = params.lowered("exempt_services")
        uids = {
            (r["artefact"], r["user"] or ""): r["uid"] for r in ctx.firmware_rows("accounts", ("user", "uid"))
        }
        as_root: list[Finding] = []
        exempted: list[str] = []
        unprivileged: list[str] = []
        unknown: list[str] = []
        columns = ("name", "source", "line", "command", "runs_as", "port", "enabled")
        for row in ctx.firmware_rows("services", columns):
            name, command = row["name"] or "", row["command"] or ""
            programs = {name.lower(), *program_names(command)}
            if not started(row) or (row["port"] is None and not programs & known):
                continue
            label, user = name or command, row["runs_as"] or ""
            uid = int(user) if user.isdigit() else uids.get((row["artefact"], user))
            if uid is None and user == "root":
                uid = 0
            if uid in privileged and programs & set(exempt):
                exempted.append(f"{label} ({user})")
            elif uid in privileged:
                as_root.append(_root_finding(row, label, user, uid))
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
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons + params.notes, as_root, indicators)


CHECK = LeastPrivilegeServices
