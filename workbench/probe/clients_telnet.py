"""Telnet with telnetlib: wait for the login:/password: prompts, answer them, and judge by what
comes back — a shell prompt (`#`, `$`, `>`) is accepted; "incorrect"/"failed" or another login:
prompt is rejected. Never sends a command."""

from __future__ import annotations

import re
import time
import warnings

from workbench.probe.clients_base import MAX_READ, Outcome, failed, printable

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import telnetlib  # deprecated in 3.11, gone in 3.13 (pyproject declares standard-telnetlib there)

LOGIN = re.compile(rb"(?i)(login|user ?name|user)\s*:\s*$")
PASSWORD = re.compile(rb"(?i)pass(word|code)?\s*:\s*$")
SHELL = re.compile(rb"[#$>]\s*$")
REJECTED = re.compile(rb"(?i)incorrect|failed|invalid|denied|bad password|wrong")
LOCKED = re.compile(rb"(?i)locked|too many|try again later")


class Session:
    """One telnet connection read in bounded steps: at most MAX_READ bytes in all, each step until
    a pattern matches the tail, the device closes, or the deadline passes."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.timeout = timeout
        self.telnet = telnetlib.Telnet(host, port, timeout=timeout)
        self.seen = b""  # everything read so far (bounded)
        self.closed = False

    def read(self, *patterns: re.Pattern[bytes]) -> bytes:
        """The text read in this step; stops at the first pattern matching its tail."""
        step = b""
        deadline = time.monotonic() + self.timeout
        while len(self.seen) < MAX_READ and not self.closed:
            tail = step[-256:]
            if any(p.search(tail) for p in patterns):
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self.telnet.sock.settimeout(remaining)
            try:
                chunk = self.telnet.read_some()
            except TimeoutError:
                break
            except EOFError:
                chunk = b""
            if not chunk:
                self.closed = True
                break
            step += chunk
            self.seen += chunk
        return step

    def send(self, line: str) -> None:
        self.telnet.write(line.encode("utf-8", errors="replace") + b"\r\n")

    def close(self) -> None:
        self.telnet.close()


def first_prompt(session: Session) -> tuple[str, bytes]:
    """`login`, `password`, `shell` or `none`, with the text that led to it."""
    text = session.read(LOGIN, PASSWORD, SHELL)
    tail = text[-256:]
    for name, pattern in (("login", LOGIN), ("password", PASSWORD), ("shell", SHELL)):
        if pattern.search(tail):
            return name, text
    return "none", text


def login(host: str, port: int, user: str, password: str, timeout: float) -> Outcome:
    started = time.time()
    try:
        session = Session(host, port, timeout)
    except (OSError, EOFError) as exc:
        return failed(started, exc)
    try:
        return _login(session, user, password, started)
    except (OSError, EOFError) as exc:
        return failed(started, exc)
    finally:
        session.close()


def _login(session: Session, user: str, password: str, started: float) -> Outcome:
    prompt, text = first_prompt(session)
    if prompt == "shell":
        return Outcome(True, "shell without login", printable(text), started=started).done()
    if prompt == "none":
        if session.closed:
            return Outcome(None, "closed", printable(text), failure="refused", started=started).done()
        return Outcome(None, "no login prompt", printable(text), failure="timeout", started=started).done()
    if prompt == "login":
        session.send(user)
        text = session.read(PASSWORD, SHELL, LOGIN, REJECTED)
        if not PASSWORD.search(text[-256:]):
            return _judge(session, text, started, "after the user name")
    session.send(password)
    text = session.read(SHELL, LOGIN, REJECTED, LOCKED, PASSWORD)
    return _judge(session, text, started, "after the password")


def _judge(session: Session, text: bytes, started: float, when: str) -> Outcome:
    tail = text[-256:]
    detail = printable(text)
    if LOCKED.search(text):
        return Outcome(False, "locked", detail, locked=True, started=started).done()
    if REJECTED.search(text) or LOGIN.search(tail) or PASSWORD.search(tail):
        return Outcome(False, "login prompt again" if not REJECTED.search(text) else "login incorrect",
                       detail, started=started).done()
    if SHELL.search(tail):
        return Outcome(True, "shell prompt", detail, started=started).done()
    if session.closed:
        return Outcome(False, f"closed {when}", detail, started=started).done()
    return Outcome(None, f"no prompt {when}", detail, failure="timeout", started=started).done()
