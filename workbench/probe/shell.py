"""The manufacturer's test shell (test-access.yaml `shell`): an SSH client on paramiko that runs one command
at a time and records each as a `session` row.

Only what test-access.yaml names is used to log in (its password or key file; no agent, no ~/.ssh keys).
Any host key is accepted (an engineering sample has no known key) and its SHA-256 fingerprint is kept.
The unit is hostile: every read is bounded (the rest only counted), every command has a timeout after which
its channel is closed, and every failure is a row with its error, never an exception out of `run`.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import paramiko

from workbench.probe.clients_base import failure_of, printable
from workbench.probe.pace import Pacer
from workbench.probe.plan import TestPlan
from workbench.probe.vendor_access import VendorAccess

OUTPUT_LIMIT = 1024 * 1024  # bytes kept of one stream of one command (the rest is counted)
ROW_OUTPUT = 4096
ROW_COMMAND_CHARS = 1024
CONNECT_TIMEOUT_S = 15.0
CHUNK = 32 * 1024


class ShellError(Exception):
    """No shell: the connection or the login failed (one line saying which)."""


def not_granted(grant: str) -> str:
    """Why a test through the test access is SKIPPED: the runner's own words."""
    return f"no test access for it: test-access.yaml grants no `{grant}`"


@dataclass
class Ran:
    """One command as it ran: exit status (None when it did not finish), bounded output, error."""

    command: str
    purpose: str
    started: float
    finished: float = 0.0
    exit_status: int | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    output_bytes: int = 0  # stdout and stderr together, all of it (kept or not)
    error: str = ""
    cut: bool = False  # still running at its timeout: its channel was closed, the command may run on
    row: dict[str, Any] = field(default_factory=dict, repr=False)  # its `session` row

    def fail(self, error: str) -> None:
        """Say why the command's output is of no use (it ran, but could not read what it was for)."""
        self.error = printable(error)
        self.row["error"] = self.error

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.error

    @property
    def complaint(self) -> str:
        """The first line the command wrote to stderr (printable)."""
        return printable(self.stderr.split(b"\n", 1)[0])

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")


class _Sink:
    def __init__(self, limit: int) -> None:
        self.kept = bytearray()
        self.total = 0
        self.limit = limit

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += data[:room]


class UnitShell:
    """An SSH session on the unit for one test: `run()` each command, `rows` the `session` rows. (The grant
    it logs in with is vendor_access.Shell.)"""

    def __init__(self, target: str, access: VendorAccess, test: TestPlan, pacer: Pacer | None = None) -> None:
        if access.shell is None:
            raise ShellError(not_granted("shell"))
        self.target, self.access, self.test = target, access, test
        self.config = access.shell
        self.port = self.config.port
        self.pacer = pacer or Pacer(test.rate_per_s, test.budget_s)
        self.exchange_timeout = float(test.settings.get("exchange_timeout_s", 10))
        self.rows: list[dict[str, Any]] = []
        self.fingerprint = ""
        self.banner = ""
        self._transport: paramiko.Transport | None = None

    # --- the connection --------------------------------------------------------------------
    def connect(self) -> UnitShell:
        """Log in; ShellError (and a `connect` row saying why) when the unit does not let us."""
        self.close()
        cfg = self.config
        method = f"key {cfg.key_file.name}" if cfg.key_file else "password"
        ran = Ran(f"ssh -p {self.port} {cfg.user}@{self.target} ({method})", "connect", time.time())
        try:
            self._transport = self._login(min(self.exchange_timeout, CONNECT_TIMEOUT_S))
            ran.exit_status = 0
            ran.stdout = f"{self.banner} host key {self.fingerprint}".strip().encode()
        except paramiko.PasswordRequiredException:
            ran.error = f"the key file {cfg.key_file} needs a passphrase (test-access.yaml gives none)"
        except paramiko.AuthenticationException as exc:
            ran.error = f"login refused for {cfg.user} ({method}): {printable(str(exc))}"
        except Exception as exc:  # noqa: BLE001 - a hostile unit or an unreadable key: a row, not a crash
            ran.error = _failure(exc)
        ran.finished = time.time()
        self._record(ran)
        if ran.error:
            raise ShellError(f"no test shell on tcp/{self.port}: {ran.error}")
        return self

    def _login(self, timeout: float) -> paramiko.Transport:
        cfg = self.config
        sock = socket.create_connection((self.target, self.port), timeout=timeout)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.auth_timeout = transport.handshake_timeout = timeout
        try:
            transport.start_client(timeout=timeout)
            if transport.session_id is None:
                raise TimeoutError("no SSH handshake before the timeout")
            key = transport.get_remote_server_key()
            self.fingerprint = key.fingerprint
            self.banner = printable(transport.remote_version or "")
            if cfg.key_file is not None:
                transport.auth_publickey(cfg.user, paramiko.PKey.from_path(self.access.path(cfg.key_file)))
            else:
                transport.auth_password(cfg.user, cfg.password or "")
            greeting = transport.get_banner()  # the userauth banner, if the unit sent one
            if greeting:
                self.banner = printable(f"{self.banner} banner: {printable(greeting)}")
            if not transport.is_authenticated():
                raise paramiko.AuthenticationException("more authentication asked for")
        except BaseException:
            transport.close()
            raise
        return transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> UnitShell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        return self._transport is not None and self._transport.is_active()

    # --- commands ---------------------------------------------------------------------------
    def run(
        self,
        command: str,
        purpose: str,
        timeout_s: float | None = None,
        stdin: bytes | None = None,
        limit: int = OUTPUT_LIMIT,
    ) -> Ran:
        """Run `command` (after the test's pace), feed it `stdin` (then EOF), read at most `limit` bytes of
        each stream; a command still running at the timeout is cut (its channel closed)."""
        if not self.pacer.expired:
            self.pacer.wait()
        ran = Ran(command, purpose, time.time())
        if self.pacer.expired:
            ran.error = f"not run: the test's budget of {self.pacer.budget_s:g} s was spent"
        elif not self.connected:
            ran.error = "not run: the shell's connection is gone"
        else:
            self._exchange(ran, stdin, self.pacer.timeout(timeout_s or self.exchange_timeout), limit)
        ran.finished = time.time()
        self._record(ran)
        return ran

    def _exchange(self, ran: Ran, stdin: bytes | None, timeout: float, limit: int) -> None:
        assert self._transport is not None
        deadline = time.monotonic() + timeout
        out, err = _Sink(limit), _Sink(limit)
        channel = None
        try:
            channel = self._transport.open_session(timeout=timeout)
            channel.settimeout(timeout)
            channel.exec_command(ran.command)
            pending = memoryview(stdin) if stdin is not None else None
            if pending is None:
                channel.shutdown_write()  # EOF at once: a command reading stdin does not wait
            ended = False
            while not ended:
                if pending is not None and (channel.closed or channel.exit_status_ready()):
                    pending = None  # the command ended without reading all of it
                if pending is not None and len(pending) and channel.send_ready():
                    pending = pending[channel.send(pending[:CHUNK]) :]
                if pending is not None and not len(pending):
                    channel.shutdown_write()  # all of stdin sent: EOF
                    pending = None
                _drain(channel, out, err)
                ended = channel.closed or (channel.eof_received and pending is None)
                if not ended:
                    if time.monotonic() >= deadline:
                        ran.error = f"cut after {timeout:g} s: the command had not ended"
                        ran.cut = True
                        break
                    select.select([channel], [], [], min(0.05, max(0.0, deadline - time.monotonic())))
            if not ran.error:
                channel.status_event.wait(max(0.0, deadline - time.monotonic()))
                _drain(channel, out, err)
                if channel.exit_status_ready() and channel.exit_status >= 0:
                    ran.exit_status = channel.exit_status
                elif channel.closed:
                    ran.error = "the unit closed the channel without an exit status"
                else:
                    ran.error = f"cut after {timeout:g} s: no exit status"
                    ran.cut = True
        except (OSError, EOFError, paramiko.SSHException) as exc:
            ran.error = _failure(exc)
        finally:
            if channel is not None:
                channel.close()
        ran.stdout, ran.stderr = bytes(out.kept), bytes(err.kept)
        ran.output_bytes = out.total + err.total

    def _record(self, ran: Ran) -> None:
        ran.row.update(
            {
                "test": self.test.name,
                "port": self.port,
                "purpose": ran.purpose,
                "command": printable(ran.command, ROW_COMMAND_CHARS),
                "exit_status": ran.exit_status,
                "output": printable(ran.stdout[:ROW_OUTPUT] + ran.stderr[:ROW_OUTPUT], ROW_OUTPUT),
                "output_bytes": ran.output_bytes,
                "error": printable(ran.error),
                "started": ran.started,
                "finished": ran.finished,
            }
        )
        self.rows.append(ran.row)


def _drain(channel: paramiko.Channel, out: _Sink, err: _Sink) -> None:
    while channel.recv_ready():
        data = channel.recv(CHUNK * 2)
        if not data:
            break
        out.add(data)
    while channel.recv_stderr_ready():
        data = channel.recv_stderr(CHUNK * 2)
        if not data:
            break
        err.add(data)


def _failure(exc: BaseException) -> str:
    return failure_of(exc)[1] or printable(type(exc).__name__)
