"""The unit's security log, /var/log/messages of its file system: one syslog-like line per event, with an
ISO 8601 UTC time from the real clock, e.g.

    2026-12-07T00:31:02Z c100 uhttpd[1234]: login failed for admin from 127.0.0.1 port 51234 (https)

Each line is one write to a descriptor opened for appending (several processes share the file, and a
server that dropped its privileges keeps writing through the descriptor it opened before)."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

HOSTNAME = "c100"
MAX_FIELD = 64
MAX_MESSAGE = 512
UNPRINTABLE = re.compile(r"[^\x21-\x7e]")


def timestamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def field(text: str, limit: int = MAX_FIELD) -> str:
    """What a client sent (a user name), safe for one log line: printable ASCII without spaces, clipped."""
    return UNPRINTABLE.sub("?", text[:limit]) or "''"


def line(tag: str, message: str, pid: int | None = None) -> str:
    message = re.sub(r"[^\x20-\x7e]", "?", message[:MAX_MESSAGE])
    return f"{timestamp()} {HOSTNAME} {tag}[{os.getpid() if pid is None else pid}]: {message}\n"


class DeviceLog:
    """Appends to the log; a log opened with no path (the defective camera's services) writes nothing."""

    def __init__(self, path: Path | None, tag: str) -> None:
        self.tag = tag
        self.fd = (
            None
            if path is None
            else os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o640)
        )

    def write(self, message: str, pid: int | None = None) -> None:
        if self.fd is not None:
            os.write(self.fd, line(self.tag, message, pid).encode())

    def client_event(
        self, what: str, user: str, client: tuple[str, int], service: str, detail: str = ""
    ) -> None:
        """`<what> for <user> from <address> port <port> (<service>)[: <detail>]`."""
        self.write(
            f"{what} for {field(user)} from {client[0]} port {client[1]} ({service})"
            + (f": {detail}" if detail else "")
        )

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
