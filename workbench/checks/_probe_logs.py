"""LOG-01 on the unit (device session, catalogue 2026.4): its clock against the probe's, and the failed
logins the probe made, looked for in the log files the test access names.

A failed login the probe made is a wrong password the unit rejected: a `bruteforce` row `rejected`, a
`logins` row whose answer refuses the password (not a lock-out, a refused connection, a timeout or an
error, where the unit never checked a password). Such a login counts as logged when a `failed_login` line
was written while the probe tried wrong passwords (the unit's clock offset taken off). Their absence says
something only where the log could show them: each file read (`log_files`) back to before the first wrong
password, or whole, with no line of the run whose time cannot be read.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from workbench.checks._probe import MAX_REFS, clip, probe_refs, service_label, test_state
from workbench.checks._probe import Row as ProbeRow
from workbench.checks._probe_unit import access_part, command_refs, finite, listed, session_refs, unfinished
from workbench.checks.base import EvidenceRef, Finding, Severity
from workbench.checks.context import EvidenceContext
from workbench.i18n import _, tr

_GUESSING = ("default_credentials", "brute_force")  # the probe's tests that try wrong passwords
_SLACK_S = 2.0  # a log's time has whole seconds; the clock offset is read to a fraction of one
# the `logins` statuses of a password the unit checked and refused (HTTP/RTSP, FTP, SSH, telnet, MQTT)
_REFUSED = {"401", "403", "530", "password rejected", "login incorrect", "login prompt again", "connack 4",
            "connack 5"}  # fmt: skip


def refused_password(row: ProbeRow) -> bool:
    """A `logins` row where the unit checked the password and refused it."""
    status, detail = clip(row["status"], 40).lower(), clip(row["detail"], 40).lower()
    return row["accepted"] is False and status in _REFUSED and not detail.startswith("locked")


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


def seconds(value: float) -> str:
    return f"{value:.1f} s" if abs(value) < 1e7 else f"{value:.3g} s"


@dataclass
class ClockOffset:
    """The unit's clock against the probe's (`device_clock`)."""

    offset: float | None
    tolerance: float
    row: ProbeRow | None = None

    @classmethod
    def of(cls, ctx: EvidenceContext, tolerance: float) -> ClockOffset:
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
            return _("The unit's clock could not be read (no usable device_clock row).")
        if self.wrong:
            return tr("The unit's clock is {offset} off the probe's, beyond {tolerance} s; on an isolated"
                      " bench an NTP client cannot reach its server, so the offset does not show the unit"
                      " keeps no reliable time: the inspector compares the unit's clock with its time"
                      " source.",
                      offset=seconds(self.offset), tolerance=format(self.tolerance, "g"))  # fmt: skip
        return tr("The unit's clock is {offset} off the probe's, within {tolerance} s.",
                  offset=seconds(self.offset), tolerance=format(self.tolerance, "g"))

    def indicators(self) -> dict[str, Any]:
        row = self.row or {}
        times = {name: finite(row.get(name)) for name in ("device_time", "probe_time")}
        return {"offset_s": self.offset, "tolerance_s": self.tolerance, **times}


def log_blind_spots(ctx: EvidenceContext, files: list[str], first_wrong: float | None) -> list[str]:
    """Why the named logs, as read, could hold the probe's failed logins unseen: a file not read, a read
    that does not reach back to the first wrong password, lines whose time cannot be read."""
    reads: dict[str, ProbeRow] = {}
    for row in ctx.probe_rows("log_files"):
        reads.setdefault(clip(row["file"], 200), row)
    untimed = Counter(clip(r["file"], 200) for r in ctx.probe_rows("device_log") if r["logged_at"] is None)
    blind: list[str] = []
    for name in files:
        read = reads.get(name)
        if read is None:
            blind.append(tr("the results do not say how far back the read of {name} reaches"
                            " (no log_files row)", name=name))
        elif read["exists"] is not True or read["error"]:
            blind.append(tr("{name} could not be read ({error})", name=name, error=clip(read["error"], 120))
                         if read["error"] else tr("{name} could not be read", name=name))
        else:
            blind += _read_blind_spots(name, read, first_wrong, untimed[name])
    return blind


def _read_blind_spots(name: str, read: ProbeRow, first_wrong: float | None, untimed: int) -> list[str]:
    """One log's read (`log_files`): how it may miss the probe's failed logins."""
    earliest, latest = finite(read["earliest"]), finite(read["latest"])
    blind = []
    if read["whole_file"] is not True and first_wrong is not None:
        if earliest is None:
            blind.append(tr("no line read from the end of {name} states a time the probe can read",
                            name=name))
        elif earliest > first_wrong:
            blind.append(tr("what was read of {name} ({lines} lines from its end) starts {after} after"
                            " the first wrong password", name=name, lines=read["lines_read"],
                            after=seconds(earliest - first_wrong)))  # fmt: skip
    if untimed:
        blind.append(tr("{n} line(s) of {name} written during the run state no time the probe can read",
                        n=untimed, name=name))
    elif (finite(read["untimed_lines"]) or 0) > 0 and (latest is None or latest < (first_wrong or -math.inf)):
        blind.append(tr("{name} ends with lines whose time the probe cannot read, after its last timed line",
                        name=name))
    return blind


@dataclass
class FailedLogins:
    """The failed logins the probe made, and the unit's log lines of failed logins written while it made
    them."""

    tried: list[ProbeRow]  # wrong passwords the unit rejected
    uncounted: int  # wrong attempts the unit did not check (locked out, refused, timed out, error)
    logged: list[ProbeRow]  # failed_login lines written while the probe tried wrong passwords
    earlier: int  # failed_login lines at other times
    files: list[str]  # the log files the test access names
    blind: list[str]  # why the log, as read, cannot show their absence

    @classmethod
    def of(cls, ctx: EvidenceContext, offset: float | None) -> FailedLogins:
        brute = list(ctx.probe_rows("bruteforce"))
        defaults = [r for r in ctx.probe_rows("logins") if r["accepted"] is False]
        tried = [r for r in brute if clip(r["outcome"], 20).lower() == "rejected"]
        tried += [r for r in defaults if refused_password(r)]
        uncounted = sum(clip(r["outcome"], 20).lower() not in ("rejected", "accepted") for r in brute)
        uncounted += sum(not refused_password(r) for r in defaults)
        failed = [r for r in ctx.probe_rows("device_log") if clip(r["event"], 40).lower() == "failed_login"]
        named = access_part(ctx, "logs")
        files = [clip(f, 200) for f in named if isinstance(f, str)] if isinstance(named, list) else []
        windows = _guessing_windows(ctx)
        logged = [r for r in failed if _while_guessing(r, offset, windows)]
        starts = [t for t in (finite(r["started"]) for r in tried) if t is not None]
        blind = [*unfinished(ctx, "logs"), *log_blind_spots(ctx, files, min(starts, default=None))]
        if offset is None:
            blind.append(_("without the unit's clock its log's times cannot be set against the probe's"))
        return cls(tried, uncounted, logged, len(failed) - len(logged), files, blind)

    @property
    def missing(self) -> bool:
        """The probe made failed logins, the named logs could show them, and they are not there."""
        return bool(self.tried and self.files and not self.blind and not self.logged)

    def services(self) -> str:
        return listed(sorted({service_label(r) for r in self.tried}), 6)

    def reason(self) -> str:
        if self.logged and not self.tried:
            return tr("{n} failed-login line(s) written while the probe tried wrong passwords, but the unit"
                      " rejected none of them ({uncounted} attempt(s) locked out, refused or unanswered): the"
                      " lines are not shown to be the probe's.",
                      n=len(self.logged), uncounted=self.uncounted)  # fmt: skip
        if self.logged:
            first = self.logged[0]
            return tr("{n} failed login(s) logged on the unit while the probe tried wrong passwords, e.g."
                      " {file} line {line}: {text}.", n=len(self.logged), file=clip(first["file"], 120),
                      line=first["line"], text=repr(clip(first["text"], 160)))  # fmt: skip
        if not self.tried:
            if self.uncounted:
                return tr("The unit rejected no wrong password of the probe's ({uncounted} attempt(s) locked"
                          " out, refused or unanswered): no failed login to look for.",
                          uncounted=self.uncounted)
            return _("The unit rejected no wrong password of the probe's: no failed login to look for.")
        if not self.files:
            return _(
                "The test access names no log file (test-access.yaml `logs`): the unit's log was not read."
            )
        files = listed(self.files, 4)
        if self.blind:
            blind = listed(self.blind, 4)
            if self.earlier:
                return tr("No failed login from the probe's wrong passwords in {files} ({earlier}"
                          " failed-login line(s) at other times), but the log as read cannot show they are"
                          " missing: {blind}.",
                          files=files, earlier=self.earlier, blind=blind)  # fmt: skip
            return tr("No failed login from the probe's wrong passwords in {files}, but the log as read"
                      " cannot show they are missing: {blind}.", files=files, blind=blind)
        if self.earlier:
            return tr("No failed login from the probe's wrong passwords in {files} ({earlier} failed-login"
                      " line(s) at other times).", files=files, earlier=self.earlier)
        return tr("No failed login from the probe's wrong passwords in {files}.", files=files)

    def finding(self, ctx: EvidenceContext) -> Finding | None:
        if not self.missing:
            return None
        return Finding(
            summary=tr("the {n} failed login(s) the probe made ({services}) are not in the log the"
                       " manufacturer names ({files})",
                       n=len(self.tried), services=self.services(), files=listed(self.files, 4)),
            severity=Severity.MEDIUM,
            evidence=(*probe_refs(self.tried, test_state(ctx, "brute_force"), 4), *session_refs(ctx, "logs")),
            data=self.indicators(),
        )

    def shown(self, ctx: EvidenceContext) -> Finding:
        lines = [EvidenceRef(artefact=r["artefact"] or "probe", sha256=r["artefact_sha256"] or "",
                             path=clip(r["file"], 200), note=tr("line {line} on the unit", line=r["line"]))
                 for r in self.logged[:MAX_REFS]]  # fmt: skip
        return Finding(
            summary=tr("{n} failed login(s) of the probe's run logged on the unit", n=len(self.logged)),
            severity=Severity.INFO,
            evidence=(*lines, *command_refs(ctx, "logs", "clock")),
            data=self.indicators(),
        )

    def indicators(self) -> dict[str, Any]:
        return {
            "rejected_attempts": len(self.tried),
            "attempts_not_checked": self.uncounted,
            "services": sorted({service_label(r) for r in self.tried}),
            "logged": [
                f"{clip(r['file'], 120)}:{r['line']}: {clip(r['text'], 160)}" for r in self.logged[:20]
            ],
            "at_other_times": self.earlier,
            "log_files": self.files,
            "blind_spots": self.blind,
        }
