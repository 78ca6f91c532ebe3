"""The unit's admin password, one holder for every interface that uses it (HTTPS Basic, RTSP Digest).

It lives in the work dir's admin-password.txt, read through a file descriptor opened at start: the servers
may run in processes of their own and as `nobody` (which cannot open anything in the work dir), yet a
change made through the web interface applies to RTSP at once."""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path

FILE_NAME = "admin-password.txt"
MIN_LENGTH = 8
MAX_LENGTH = 128


def new_password(workdir: Path) -> str:
    """A random password per start (as if printed on each unit's label), written to the holder's file."""
    password = secrets.token_urlsafe(12)
    path = workdir / FILE_NAME
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def unacceptable(new: str, current: str) -> str | None:
    """Why `new` may not replace `current`, or None when it may."""
    if not new:
        return "the new password is empty"
    if len(new) < MIN_LENGTH:
        return f"the new password is shorter than {MIN_LENGTH} characters"
    if len(new) > MAX_LENGTH:
        return f"the new password is longer than {MAX_LENGTH} characters"
    if not new.isprintable():
        return "the new password holds a control character"
    if new == current:
        return "the new password is the current one"
    return None


class PasswordHolder:
    """The current password, shared through one file by every process that opened it (before a drop of
    privileges)."""

    def __init__(self, workdir: Path) -> None:
        self.fd = os.open(workdir / FILE_NAME, os.O_RDWR | os.O_CLOEXEC)

    def get(self) -> str:
        fcntl.flock(self.fd, fcntl.LOCK_SH)
        try:
            return os.pread(self.fd, 4 * MAX_LENGTH, 0).decode("utf-8", "replace").rstrip("\n")
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def set(self, password: str) -> None:
        data = (password + "\n").encode()
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        try:
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, data, 0)
        finally:
            fcntl.flock(self.fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self.fd)
