"""The end of each security log on the unit: its lines with their real numbers, the time each states and the
event it records, kept when written while the probe ran (and the lines without a time that follow them);
per file, how much was read and how far back in time it reaches.

A line's time is read from ISO 8601 (`2026-03-01T10:00:00Z`, an offset, or none: the unit's zone) or from
syslog's `Mar  1 10:00:00` (the year and zone are the unit's own, from its `date`). Events are named by the
catalogue's `log_events` regexes (case-insensitive, first match wins), else `other`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from workbench.probe.clients_base import printable

TEXT_CHARS = 300
WINDOW_SLACK_S = 2.0
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_SYSLOG = re.compile(
    r"^\s*(?:<\d{1,3}>\d?\s*)?(" + "|".join(MONTHS) + r")\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\b"
)
_ZONE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
ISO_SEARCH_CHARS = 80  # a time is looked for near the start of a line, not in its message


def tail_command(path: str, tail_bytes: int) -> str:
    """The file's size and line count, then its last `tail_bytes` + 1 bytes, all of one prefix of the file
    (a log written meanwhile does not shift the line numbers); without `head -c`, the file as it is."""
    f, n = shlex.quote(path), int(tail_bytes) + 1
    return (
        f'f={f}; s=$(wc -c < "$f") || exit 1; echo "#size $s"; '
        f'if head -c 1 "$f" >/dev/null 2>&1; then echo "#lines $(head -c $s "$f" | wc -l)"; '
        f'head -c $s "$f" | tail -c {n}; '
        f'else echo "#lines $(wc -l < "$f")"; tail -c {n} "$f"; fi'
    )


@dataclass
class LogTail:
    """What was read of one log: its size, whether the read reaches its first line, the numbered lines."""

    size: int
    whole_file: bool
    lines: list[tuple[int, bytes]]


def read_tail(output: bytes, tail_bytes: int) -> LogTail | None:
    """(line number from 1, line) of the tail, the first one dropped when it may be cut; None when the
    output is not the command's."""
    head = output.split(b"\n", 2)
    if len(head) < 3 or not head[0].startswith(b"#size ") or not head[1].startswith(b"#lines "):
        return None
    try:
        size, lines = int(head[0][6:].strip()), int(head[1][7:].strip())
    except ValueError:
        return None
    data = head[2]
    if not data:
        return LogTail(size, size == 0, [])
    number = lines - data.count(b"\n") + 1  # the number of the tail's first line
    parts = data.split(b"\n")
    if data.endswith(b"\n"):
        parts.pop()
    whole = not (size > len(data) or len(data) > tail_bytes)
    if not whole:  # the tail starts inside the file: its first line is cut
        parts, number = parts[1:], number + 1
    return LogTail(size, whole, [(number + i, part.rstrip(b"\r")) for i, part in enumerate(parts)])


@dataclass(frozen=True)
class DeviceClock:
    """The unit's clock as `date '+%s %z'` gave it: its time, its zone, its offset from this machine."""

    device_time: float
    zone_s: int
    offset_s: float  # device - probe

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(seconds=self.zone_s))


def parse_zone(text: str) -> int | None:
    found = _ZONE.match(text.strip())
    if not found or int(found[2]) > 23 or int(found[3]) > 59:
        return None
    seconds = int(found[2]) * 3600 + int(found[3]) * 60
    return -seconds if found[1] == "-" else seconds


def logged_at(text: str, clock: DeviceClock) -> float | None:
    """The time a line states (Unix seconds, the unit's clock), or None when it states none readable."""
    try:
        if found := _SYSLOG.match(text):
            month, day = MONTHS.index(found[1]) + 1, int(found[2])
            hms = int(found[3]), int(found[4]), int(found[5])
            year = datetime.fromtimestamp(clock.device_time, clock.zone).year
            when = datetime(year, month, day, *hms, tzinfo=clock.zone).timestamp()
            if when > clock.device_time + 86400:  # December's lines read in January
                when = datetime(year - 1, month, day, *hms, tzinfo=clock.zone).timestamp()
            return when
        if found := _ISO.search(text[:ISO_SEARCH_CHARS]):
            zone = clock.zone
            if found[8]:
                zone = UTC if found[8] == "Z" else timezone(timedelta(seconds=_zone_of(found[8])))
            fields = [int(found[i]) for i in range(1, 7)]
            when = datetime(*fields, tzinfo=zone).timestamp()
            return when + (float("0." + found[7]) if found[7] else 0.0)
    except (ValueError, OverflowError):
        return None
    return None


def _zone_of(text: str) -> int:
    digits = text[1:].replace(":", "")
    seconds = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) >= 4 else 0)
    if seconds >= 86400:
        raise ValueError(text)
    return -seconds if text[0] == "-" else seconds


@dataclass
class EventRules:
    """`log_events` (event -> regexes) compiled; a regex that does not compile is left out and named."""

    rules: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)

    @classmethod
    def from_settings(cls, events: Any) -> EventRules:
        made = cls()
        for event, patterns in (events or {}).items() if isinstance(events, Mapping) else ():
            for pattern in patterns if isinstance(patterns, list) else [patterns]:
                try:
                    made.rules.append((str(event), re.compile(str(pattern), re.IGNORECASE)))
                except re.error:
                    made.broken.append(f"{event}: {pattern}")
        return made

    def event(self, text: str) -> str:
        return next((event for event, rule in self.rules if rule.search(text)), "other")


@dataclass
class LogCount:
    read: int = 0
    timeless: int = 0
    kept: int = 0
    earliest: float | None = None  # this machine's time (the unit's clock offset taken off)
    latest: float | None = None

    def saw(self, when: float) -> None:
        self.earliest = when if self.earliest is None else min(self.earliest, when)
        self.latest = when if self.latest is None else max(self.latest, when)


def log_rows(
    file: str,
    lines: list[tuple[int, bytes]],
    clock: DeviceClock,
    rules: EventRules,
    window: tuple[float, float],
) -> tuple[list[dict[str, Any]], LogCount]:
    """Rows for the lines logged within `window` (this machine's time; the unit's clock offset removed), and
    for the lines without a readable time that follow a kept line (a message's continuation, or a unit that
    stamps only some lines): `in_window` empty."""
    rows, count = [], LogCount(read=len(lines))
    first, last = window[0] - WINDOW_SLACK_S, window[1] + WINDOW_SLACK_S
    keeping = False  # the line before was kept
    for number, raw in lines:
        text = raw.decode("utf-8", errors="replace")
        when = logged_at(text, clock)
        if when is None:
            count.timeless += 1
        else:
            count.saw(when - clock.offset_s)
            keeping = first <= when - clock.offset_s <= last
        if not keeping:
            continue
        count.kept += 1
        in_window = True if when is not None else None
        rows.append(
            {
                "test": "device_session", "file": file, "line": number, "text": printable(text, TEXT_CHARS),
                "event": rules.event(text), "logged_at": when, "in_window": in_window,
            }
        )  # fmt: skip
    return rows, count


def file_row(file: str, tail: LogTail | None, count: LogCount | None, error: str = "") -> dict[str, Any]:
    """The `log_files` row: how much of the log was read and how far back in time it reaches."""
    return {
        "test": "device_session", "file": file, "exists": tail is not None,
        "bytes": tail.size if tail else None, "lines_read": count.read if count else None,
        "whole_file": tail.whole_file if tail else None,
        "earliest": count.earliest if count else None, "latest": count.latest if count else None,
        "untimed_lines": count.timeless if count else None, "error": printable(error) or None,
    }  # fmt: skip
