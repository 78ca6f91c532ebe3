"""ATK-07: services run with least privilege: network services not running as root.

Two views. The firmware's start scripts say as which user each network service is started (the engine's
`services` table). The probe's device session (test access; catalogue 2026.4) lists every listening
socket on the running unit with the process and the user behind it, and what runs decides: a listener
whose process holds a uid in `privileged_uids` (real, effective or saved: a saved uid 0 can take root
back) and is not in `exempt_services` fails; none passes. A socket whose process the probe could not see is
known only by its owner, which a server that binds as root and then drops its privileges keeps: from it the
probe cannot tell. A socket bound only to a loopback address (127.0.0.0/8, ::1) serves the unit itself, not
the network: it is named, not judged; unless the probe's target is itself a loopback address and its port
scan found that port open there (a simulated unit in its own network namespace, reached at 127.0.0.1): then
it is what the probe reached.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from workbench.checks._firmware import FirmwareCheck, Row, program_names, ref, started
from workbench.checks._probe import clip, port_label, results_ref
from workbench.checks._probe_unit import (
    access_part,
    amended,
    decide,
    listed,
    session_refs,
    undecided,
    unit_start,
)
from workbench.checks.base import CheckResult, EvidenceKind, Finding, Severity, Verdict
from workbench.checks.context import EvidenceContext
from workbench.checks.parameters import Parameters
from workbench.i18n import N_, _, tr

PROCEDURE = N_(  # translated where shown (the unit's `settled` steps match it in either language)
    "the inspector checks on the running device (ps, /proc) which services need root, and "
    "whether the others drop privileges after start-up"
)
# The uids a process holds, as a sentence names them (the finding's data keeps "saved uid 0").
_UID_NAMES = {
    "real": N_("real uid {uid}"),
    "effective": N_("effective uid {uid}"),
    "saved": N_("saved uid {uid}"),
}


def _root_finding(row: Row, label: str, user: str, uid: int) -> Finding:
    return Finding(
        summary=tr(
            "network service {service} runs as {user} (uid {uid}) ({source})",
            service=label,
            user=user,
            uid=uid,
            source=row["source"] or "",
        ),
        severity=Severity.MEDIUM,
        evidence=(ref(row, path=row["source"] or None),),
        data={
            "service": row["name"] or "",
            "command": row["command"] or "",
            "port": row["port"],
            "runs_as": user,
        },
    )


@dataclass
class Policy:
    privileged: set[int]
    exempt: set[str]

    @classmethod
    def of(cls, params: Parameters) -> Policy:
        return cls(
            {int(u) for u in params.strings("privileged_uids")}, set(params.lowered("exempt_services"))
        )


class LeastPrivilegeServices(FirmwareCheck):
    requirement_id = "ATK-07"
    needs = frozenset()
    optional = frozenset({EvidenceKind.FIRMWARE, EvidenceKind.PROBE})
    parameters = ("network_services", "privileged_uids", "exempt_services")

    def evaluate(self, ctx: EvidenceContext) -> CheckResult:
        today, done = unit_start(self, ctx, "device_session")
        rows = list(ctx.probe_rows("listeners")) if done is None else []
        if done is not None or not rows:
            return done or amended(ctx, today, reasons=[undecided(_("the unit listed no listening socket"))])
        params = self.params(ctx)
        shell = access_part(ctx, "shell")
        shell_port = shell.get("port") if isinstance(shell, dict) else None
        judged = [r for r in rows if not _test_shell(r, shell_port)]
        unit = UnitListeners.of(judged, Policy.of(params), reached_at_loopback(ctx))
        if len(unit.rows) < len(rows):
            unit.exempted.append(
                tr("the manufacturer's test shell on tcp/{port} (granted to the lab)", port=shell_port)
            )
        differ = unit.differences(_boot_users(today), Policy.of(params))
        indicators = unit.indicators()
        if unit.failing:
            described = [self._unit_finding(ctx, group) for group in unit.failing.values()]
            findings = [finding for finding, _short in described]
            lead = tr(
                "decided on the unit: {n} process(es) listen with a privileged uid: {processes}",
                n=len(findings),
                processes=listed([short for _finding, short in described], 6),
            )
            reasons = [lead, *unit.notes(), *differ]
            return decide(ctx, today, Verdict.FAIL, reasons, findings, (PROCEDURE,), indicators)
        if unit.unknown:
            lead = tr(
                "On the unit, {sockets}: the probe saw no process behind it and cannot tell whether the"
                " process dropped its privileges after binding.",
                sockets=listed(unit.unknown),
            )
            return amended(ctx, today, reasons=[lead, *unit.notes(), *differ], indicators=indicators)
        lead = _("decided on the unit: no listening process runs with a privileged uid unless exempt")
        reasons = [lead, *unit.notes(), *differ, *params.notes]
        return decide(ctx, today, Verdict.PASS, reasons, [], (PROCEDURE,), indicators)

    def _unit_finding(self, ctx: EvidenceContext, group: list[Row]) -> tuple[Finding, str]:
        """The finding of one process listening with a privileged uid, and the same without "on the unit"
        (the verdict's reason lists them)."""
        first = group[0]
        ports = sorted({port_label(r) for r in group})
        process, user = clip(first["process"] or "?", 64), clip(first["user"] or "?", 64)
        policy = Policy.of(self.params(ctx))
        held = privileged_ids(first, policy.privileged)
        held_names = ", ".join(privileged_names(first, policy.privileged))
        values = {"process": process, "pid": first["pid"], "ports": listed(ports, 6), "user": user,
                  "uid": first["uid"], "held": held_names}  # fmt: skip
        if not held or any(h.startswith("effective") for h in held):
            summary = tr(
                "on the unit, {process} (pid {pid}) listens on {ports} as {user} (uid {uid})", **values
            )
            short = tr("{process} (pid {pid}) listens on {ports} as {user} (uid {uid})", **values)
        else:
            summary = tr(
                "on the unit, {process} (pid {pid}) listens on {ports} as {user} (uid {uid}, but {held}: it"
                " can take that uid back)",
                **values,
            )
            short = tr(
                "{process} (pid {pid}) listens on {ports} as {user} (uid {uid}, but {held}: it can take that"
                " uid back)",
                **values,
            )
        evidence = session_refs(ctx, "listeners", "processes") or (
            results_ref(first, "listeners on the unit"),
        )
        data = {"process": process, "pid": first["pid"], "ports": ports, "uid": first["uid"],
                "privileged_ids": held,
                "user": user, "command_line": clip(first["command_line"], 200),
                "uids": clip(first["uids"], 64)}  # fmt: skip
        return Finding(summary, Severity.MEDIUM, evidence, data), short

    # --- the firmware's start scripts (what the check did before the probe) -------------------------
    def evaluate_firmware(self, ctx: Any) -> CheckResult:
        params = self.params(ctx)
        boot = BootServices.of(ctx, params, Policy.of(params))
        indicators = {
            "observed": {
                "privileged": [f.data["service"] or f.data["command"] for f in boot.as_root],
                "exempt": boot.exempted,
                "unprivileged": boot.unprivileged,
                "unknown_user": boot.unknown,
            },
            "privileged_uids": sorted(Policy.of(params).privileged),
            "exempt_services": params.lowered("exempt_services"),
            "boot_users": boot.users,
        }
        reasons = [*boot.reasons(), *params.notes]
        return self.result(ctx, Verdict.NEEDS_INSPECTOR, reasons, boot.as_root, indicators)


@dataclass
class BootServices:
    """Network services the start scripts start, by the user they run as."""

    as_root: list[Finding] = field(default_factory=list)
    exempted: list[str] = field(default_factory=list)
    unprivileged: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    users: dict[str, list[Any]] = field(default_factory=dict)  # program -> [user, uid] its start script gives

    @classmethod
    def of(cls, ctx: Any, params: Parameters, policy: Policy) -> BootServices:
        known = set(params.lowered("network_services"))
        uids = {
            (r["artefact"], r["user"] or ""): r["uid"] for r in ctx.firmware_rows("accounts", ("user", "uid"))
        }
        boot = cls()
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
            boot.users.update({p: [user, uid] for p in programs if p and (p in known or p == name.lower())})
            if uid in policy.privileged and programs & policy.exempt:
                boot.exempted.append(f"{label} ({user})")
            elif uid in policy.privileged:
                boot.as_root.append(_root_finding(row, label, user, uid))
            elif user:
                boot.unprivileged.append(f"{label} ({user})")
            else:
                boot.unknown.append(label)
        return boot

    def reasons(self) -> list[str]:
        if self.as_root:
            lead = tr("{n} network service(s) started at boot run with a privileged uid", n=len(self.as_root))
        elif self.unprivileged or self.unknown:
            lead = _("no network service started at boot is known to run as root")
        else:
            lead = _("no network service started at boot was identified in the image")
        reasons = [lead]
        if self.exempted:
            reasons.append(
                tr(
                    "privileged by design (exempt in the catalogue): {services}",
                    services=", ".join(self.exempted),
                )
            )
        if self.unprivileged:
            reasons.append(
                tr("running as unprivileged users: {services}", services=", ".join(self.unprivileged))
            )
        if self.unknown:
            reasons.append(
                tr(
                    "user not determinable from the boot scripts: {services}",
                    services=", ".join(self.unknown),
                )
            )
        reasons.append(_(PROCEDURE))
        return reasons


def _test_shell(row: Row, shell_port: Any) -> bool:
    """The listener of the shell the test access grants the lab (not the product's own service)."""
    return shell_port is not None and row["port"] == shell_port and (row["transport"] or "tcp") == "tcp"


def loopback_only(address: Any) -> bool:
    """The socket is bound to a loopback address only (127.0.0.0/8, ::1, ::ffff:127.x), not the network."""
    text = clip(address, 64).strip("[]").split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def reached_at_loopback(ctx: EvidenceContext) -> frozenset[tuple[str, Any]]:
    """(transport, port) the port scan found open when the probe's target is a loopback address: there the
    unit's loopback is the network the probe came through."""
    probe = ctx.probe()
    if probe is None or not loopback_only(probe[1].target):
        return frozenset()
    return frozenset(
        (clip(r["transport"] or "tcp", 8).lower(), r["port"])
        for r in ctx.probe_rows("ports")
        if clip(r["state"], 20).lower().startswith("open")
    )


def _boot_users(today: CheckResult) -> dict[str, list[Any]]:
    users = today.indicators.get("boot_users")
    return users if isinstance(users, dict) else {}


_UID_KINDS = ("real", "effective", "saved")


def privileged_ids(row: Row, privileged: set[int]) -> list[str]:
    """Which of the process's real, effective and saved uids (`uids`: "real effective saved fs") are
    privileged, e.g. ["saved uid 0"]: a process holding one can take it back. Without a readable `uids`,
    the effective uid of the `uid` column."""
    parts = clip(row["uids"], 64).split()[:3]
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return [
            f"{kind} uid {int(p)}" for kind, p in zip(_UID_KINDS, parts, strict=True) if int(p) in privileged
        ]
    uid = row["uid"]
    return [f"effective uid {uid}"] if isinstance(uid, int) and uid in privileged else []


def privileged_names(row: Row, privileged: set[int]) -> list[str]:
    """`privileged_ids` as a sentence says them, in the current language."""
    return [
        tr(_UID_NAMES[kind], uid=uid)
        for kind, _word, uid in (h.split() for h in privileged_ids(row, privileged))
    ]


@dataclass
class UnitListeners:
    """The unit's listening sockets, judged by the user behind them."""

    rows: list[Row]
    failing: dict[tuple[Any, ...], list[Row]] = field(default_factory=dict)  # by process
    unknown: list[str] = field(default_factory=list)
    exempted: list[str] = field(default_factory=list)
    unprivileged: list[str] = field(default_factory=list)
    local: list[str] = field(default_factory=list)  # bound to loopback only: not network services
    reached: list[str] = field(default_factory=list)  # bound to loopback, but where the probe reached them
    processes: dict[str, tuple[str, Any]] = field(default_factory=dict)  # program -> (user, uid) on the unit

    @classmethod
    def of(
        cls, rows: list[Row], policy: Policy, reached: frozenset[tuple[str, Any]] = frozenset()
    ) -> UnitListeners:
        """`reached`: (transport, port) the probe reached at a loopback target (see reached_at_loopback)."""
        unit = cls(rows)
        for row in rows:
            port, uid = port_label(row), row["uid"]
            name, command = clip(row["process"], 64), clip(row["command_line"], 200)
            seen = row["source"] == "process" and bool(name or command)
            programs = {name.lower(), *program_names(command)} - {""}
            label = (
                (
                    tr("{process} on {port}", process=name, port=port)
                    if name
                    else tr("a process on {port}", port=port)
                )
                if seen
                else port
            )
            if seen:
                unit.processes.update({p: (clip(row["user"], 64), uid) for p in programs})
            local = loopback_only(row["address"])
            where = tr("{socket} at {address}", socket=label, address=clip(row["address"], 64))
            if local and (clip(row["transport"] or "tcp", 8).lower(), row["port"]) in reached:
                unit.reached.append(where)
            elif local:
                unit.local.append(
                    tr("{socket} (uid {uid})", socket=where, uid=uid)
                    if uid is not None
                    else tr("{socket} (user unknown)", socket=where)
                )
                continue
            held = privileged_ids(row, policy.privileged) if seen else []
            if uid is None and not held:
                unit.unknown.append(tr("{socket} (user unknown)", socket=label))
            elif uid not in policy.privileged and not held:
                unit.unprivileged.append(f"{label} (uid {uid})")
            elif not seen:
                unit.unknown.append(tr("{port} (socket owner uid {uid})", port=port, uid=uid))
            elif programs & policy.exempt:
                unit.exempted.append(label)
            else:
                unit.failing.setdefault((row["pid"], name, uid), []).append(row)
        return unit

    def notes(self) -> list[str]:
        notes = []
        if self.exempted:
            notes.append(
                tr(
                    "Privileged by design on the unit (exempt in the catalogue): {items}",
                    items=listed(self.exempted),
                )
            )
        if self.unprivileged:
            notes.append(tr("Unprivileged on the unit: {items}", items=listed(self.unprivileged)))
        if self.unknown and self.failing:
            notes.append(
                tr("No process seen behind (privileges dropped or not): {items}", items=listed(self.unknown))
            )
        if self.local:
            notes.append(
                tr(
                    "Bound only to a loopback address, so not a network service (not judged): {items}",
                    items=listed(self.local),
                )
            )
        if self.reached:
            notes.append(
                tr(
                    "Bound to a loopback address, which is where the probe reached the unit (its target), so"
                    " judged as network services: {items}",
                    items=listed(self.reached),
                )
            )
        return notes

    def differences(self, boot_users: dict[str, list[Any]], policy: Policy) -> list[str]:
        """Where the start scripts and the unit disagree about a program's user."""
        differ = []
        for program, (user, uid) in sorted(boot_users.items()):
            if program not in self.processes:
                if uid in policy.privileged and program not in policy.exempt:
                    differ.append(
                        tr(
                            "{program}: started as {user} by the start scripts, not listening on the unit",
                            program=clip(program, 64),
                            user=clip(user, 64),
                        )
                    )
                continue
            unit_user, unit_uid = self.processes[program]
            if uid != unit_uid and user != unit_user:
                differ.append(
                    tr(
                        "{program}: started as {user} by the start scripts, runs as {unit_user} (uid {uid})"
                        " on the unit",
                        program=clip(program, 64),
                        user=clip(user, 64) or "?",
                        unit_user=unit_user or "?",
                        uid=unit_uid,
                    )
                )
        return (
            [
                tr(
                    "The start scripts and the unit differ (the unit decides): {items}.",
                    items=listed(differ, 6),
                )
            ]
            if differ
            else []
        )

    def indicators(self) -> dict[str, Any]:
        failing = {
            f"{name} (pid {pid})": [r["port"] for r in rows]
            for (pid, name, _uid), rows in self.failing.items()
        }
        return {"failing": failing, "unknown": self.unknown, "exempt": self.exempted,
                "unprivileged": self.unprivileged, "loopback_only": self.local}  # fmt: skip


CHECK = LeastPrivilegeServices
