"""device_session: what the running unit shows of itself through the manufacturer's test shell.

Read-only commands (busybox-level: cat, ls, stat, find, head, tail, wc, readlink, grep, date), each a
`session` row: the unit's clock against this machine's (LOG-01), its listening sockets with the process and
user behind each (ATK-07), owner and mode of SEC-03's sensitive paths, and the lines of its security log
written while the probe ran, with how far back each log read reaches (LOG-01). The parsing is done here, on
the probe's side; nothing from the unit is trusted. COMPLETED when every part ran, PARTIAL when some could not
run or a file listing is cut short (the detail says which), ERROR without a shell. A log the unit cannot
give is a `log_files` row with the error, not a part that failed: the check decides what a missing log means.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from workbench.probe import _session_files as files
from workbench.probe import _session_listeners as net
from workbench.probe import _session_logs as logs
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun, TestStatus
from workbench.probe.shell import ShellError, UnitShell, not_granted

TABLES = ("session", "listeners", "file_modes", "device_log", "log_files", "device_clock")
CLOCK_COMMAND = "date '+%s %z'"


@dataclass
class _Session:
    shell: UnitShell
    test: TestPlan
    tables: dict[str, list[dict[str, Any]]]
    done: list[str] = field(default_factory=list)  # what ran, in words
    failed: list[str] = field(default_factory=list)  # what could not, in words

    def rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.tables[table].extend(rows)


def device_session_test(
    target: str, plan: ProbePlan, test: TestPlan, probe_started: float
) -> tuple[TestRun, dict[str, list[dict[str, Any]]]]:
    run = TestRun(test.name, test.tool, started=time.time())
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    if plan.access is None or plan.access.shell is None:
        run.status, run.detail = TestStatus.SKIPPED, not_granted("shell")
        return run, tables
    shell = UnitShell(target, plan.access, test)
    try:
        shell.connect()
    except ShellError as exc:
        run.status, run.detail, run.finished = TestStatus.ERROR, str(exc), time.time()
        tables["session"] = shell.rows
        return run, tables
    session = _Session(shell, test, tables)
    with shell:
        session.done.append(f"shell {shell.banner} host key {shell.fingerprint}".strip())
        clock = _clock(session)
        users = _listeners(session)
        _file_modes(session, users)
        _logs(session, plan.access.logs, clock, probe_started)
    tables["session"] = shell.rows
    ran_parts = len(session.done) > 1
    run.status = (
        TestStatus.COMPLETED if not session.failed else TestStatus.PARTIAL if ran_parts else TestStatus.ERROR
    )
    failed = ["could not: " + "; ".join(session.failed)] if session.failed else []
    run.detail = "; ".join(failed + session.done)[:2000]
    run.finished = time.time()
    return run, tables


def _clock(s: _Session) -> logs.DeviceClock:
    ran = s.shell.run(CLOCK_COMMAND, "clock")
    fields = ran.text.split()
    probe_time = (ran.started + ran.finished) / 2
    if not ran.ok or not fields or not fields[0].isdigit():
        ran.fail(ran.error or "no Unix time in the answer")
        s.failed.append(f"clock ({ran.error}); log times taken as UTC, the clock as this machine's")
        return logs.DeviceClock(time.time(), 0, 0.0)
    device_time = int(fields[0])
    zone = logs.parse_zone(fields[1]) if len(fields) > 1 else None
    clock = logs.DeviceClock(device_time, zone or 0, device_time - probe_time)
    s.rows("device_clock", [{
        "test": "device_session", "device_time": device_time, "probe_time": probe_time,
        "offset_s": clock.offset_s,
    }])  # fmt: skip
    zone_note = "" if zone is not None else " (its zone unknown: UTC taken)"
    s.done.append(f"clock offset {clock.offset_s:+.1f} s{zone_note}")
    return clock


def _listeners(s: _Session) -> dict[int, str]:
    """The listeners table; the unit's user names (uid -> name), which the file modes use too."""
    passwd = s.shell.run("cat /etc/passwd", "listeners")
    users = net.parse_ids(passwd.text) if passwd.ok else {}
    listing = s.shell.run(net.NET_COMMAND, "listeners")
    if listing.error or "local_address" not in listing.text:
        listing.fail(listing.error or "no /proc/net/tcp in the answer")
        s.failed.append(f"listeners ({listing.error})")
        return users
    sockets = net.parse_net(listing.text)
    holders: dict[int, int] = {}
    if sockets:
        holders = net.parse_fds(s.shell.run(net.FD_COMMAND, "processes").text)
        if not holders:
            holders = net.parse_fds(s.shell.run(net.FD_FALLBACK, "processes").text)
    pids = sorted({holders[k.inode] for k in sockets if k.inode in holders})
    processes = net.parse_processes(s.shell.run(net.process_command(pids), "processes").text) if pids else {}
    rows = net.listener_rows(sockets, holders, processes, users)
    s.rows("listeners", rows)
    unknown = sum(1 for r in rows if r["source"] == "socket")
    note = f", {unknown} without their process (only the socket's owner)" if unknown else ""
    names = "" if users else " (no user names: /etc/passwd unread)"
    s.done.append(f"{len(rows)} listening sockets{note}{names}")
    return users


def _file_modes(s: _Session, users: dict[int, str]) -> None:
    paths = [p for p in s.test.settings.get("sensitive_paths") or [] if isinstance(p, str) and p.strip()]
    if not paths:
        s.done.append("no sensitive_paths to list")
        return
    most = max(1, int(s.test.settings.get("max_files_per_path", 200)))
    group = s.shell.run("cat /etc/group", "file_modes")
    groups = net.parse_ids(group.text) if group.ok else {}
    listed, missing = 0, 0
    for path in paths:
        found = files.list_path(lambda command: s.shell.run(command, "file_modes"), path, most)
        first = found.ran[0]
        if found.entries == [] or first.error:
            first.fail(first.error or "no entry and no owner or mode could be read")
            s.failed.append(f"file modes of {path} ({first.error})")
            continue
        rows = files.file_rows(path, found.entries, most, users, groups)
        s.rows("file_modes", rows)
        listed += len(rows) if found.entries is not None else 0
        missing += found.entries is None
        if found.cut:
            s.failed.append(f"list all of {path} (cut at {len(rows)} entries: max_files_per_path {most})")
        if found.incomplete:
            s.failed.append(f"list all of {path} (part of it could not be read or listed: see its rows)")
    s.done.append(f"{listed} entries under {len(paths)} sensitive paths ({missing} missing)")


def _logs(s: _Session, names: list[str], clock: logs.DeviceClock, probe_started: float) -> None:
    if not names:
        s.done.append("no log file in the test access")
        return
    rules = logs.EventRules.from_settings(s.test.settings.get("log_events"))
    if rules.broken:
        s.failed.append("log_events regexes that do not compile: " + ", ".join(rules.broken)[:300])
    tail_bytes = max(1, int(s.test.settings.get("log_tail_bytes", 262144)))
    for name in names:
        ran = s.shell.run(logs.tail_command(name, tail_bytes), "logs", limit=tail_bytes + 4096)
        tail = logs.read_tail(ran.stdout, tail_bytes) if ran.ok else None
        if tail is None:
            status = "an answer that is not the command's" if ran.ok else f"exit status {ran.exit_status}"
            ran.fail(f"cannot read {name}: {ran.error or ran.complaint or status}")
            s.rows("log_files", [logs.file_row(name, None, None, ran.error)])
            if ran.exit_status is None:  # the probe could not ask (cut, no connection, no budget)
                s.failed.append(ran.error)
            else:  # the unit answered: the log is not there to read
                s.done.append(ran.error)
            continue
        rows, count = logs.log_rows(name, tail.lines, clock, rules, (probe_started, time.time()))
        s.rows("device_log", rows)
        s.rows("log_files", [logs.file_row(name, tail, count)])
        s.done.append(
            f"log {name}: {count.read} lines read, {count.timeless} without a readable time,"
            f" {count.kept} kept (written during the probe, or following such a line)"
        )
