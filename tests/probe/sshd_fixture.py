"""A real SSH server for the test-shell tests, inside the test's private network namespace.

paramiko's ServerInterface on 127.0.0.1: it lets in one user with a test key (Ed25519, made here) or a
password, and runs each exec request with `/bin/sh -c` as a real process (stdin passed through, stdout and
stderr sent back, the exit status at the end); a client that closes the channel kills the process group.
`run_session_driver(tmp_path, body)` runs `body` with these helpers in a fresh namespace (netns_run's
launcher); the body calls the probe's code and stores what the test asserts on in RESULT.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from netns_run import PROCESSES, SOCKETS, STOP, run_in_netns, silent_server
from netns_run import stop_servers as stop_processes

__all__ = [  # what a driver body sees
    "PASSWORD", "PROCESSES", "SOCKETS", "USER", "access", "as_json", "drop_connections", "free_port", "plan",
    "silent_server", "ssh_server", "stop_servers",
]  # fmt: skip

USER, PASSWORD = "root", "shell-pass-7"
BUSYBOX = "/usr/bin/busybox"
# the tools a small unit may have at most (no stat, head, grep): the probe must fall back
MINIMAL_TOOLS = ("cat", "ls", "find", "tail", "wc", "readlink", "tr", "date", "sleep")
TRANSPORTS: list[paramiko.Transport] = []
CHILDREN: list[subprocess.Popen[bytes]] = []


# --- the launcher (in the test process) ---------------------------------------------------------
def run_session_driver(tmp_path: Path, body: str, timeout: float = 300) -> dict[str, Any]:
    return run_in_netns(tmp_path, body, timeout, module="sshd_fixture")


# --- the server (in the driver, inside the namespace) -------------------------------------------
def stop_servers() -> None:
    STOP.set()
    for transport in TRANSPORTS:
        transport.close()
    TRANSPORTS.clear()
    for child in CHILDREN:
        _kill(child)
    CHILDREN.clear()
    stop_processes()


atexit.register(stop_servers)


def drop_connections() -> None:
    """Close every client's connection (as a unit that restarts does); the server goes on accepting."""
    for transport in list(TRANSPORTS):
        transport.close()


def make_key(path: Path) -> paramiko.PKey:
    """An Ed25519 key in OpenSSH's format at `path` (mode 0600); the key as paramiko reads it."""
    private = ed25519.Ed25519PrivateKey.generate()
    data = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    path.write_bytes(data)
    path.chmod(0o600)
    return paramiko.Ed25519Key.from_private_key_file(str(path))


def shell_for(work: Path, tools: str) -> tuple[list[str], dict[str, str]]:
    """How each command runs: `host` (/bin/sh and this machine's tools), `busybox` (busybox's ash and its
    applets only), `no-mktemp` (/bin/sh with busybox's applets but mktemp), `minimal` (/bin/sh with only
    MINIMAL_TOOLS, busybox's)."""
    if tools == "host":
        return ["/bin/sh", "-c"], dict(os.environ)
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    chosen = {
        "busybox": applets,
        "no-mktemp": [a for a in applets if a != "mktemp"],
        "minimal": [a for a in applets if a in MINIMAL_TOOLS],
    }[tools]
    bin_dir = work / f"bin-{tools}"
    bin_dir.mkdir(exist_ok=True)
    for applet in chosen:
        link = bin_dir / applet
        if not link.exists():
            link.symlink_to(BUSYBOX)
    # busybox's own sh runs its applets whatever PATH says: a tool set without some runs under /bin/sh
    shell = [BUSYBOX, "sh", "-c"] if tools == "busybox" else ["/bin/sh", "-c"]
    return shell, {**os.environ, "PATH": str(bin_dir)}


class _Server(paramiko.ServerInterface):
    def __init__(
        self,
        key: paramiko.PKey | None,
        password: str | None,
        banner: str | None,
        uid: int | None,
        shell: tuple[list[str], dict[str, str]],
    ):
        self.key, self.password, self.banner, self.uid = key, password, banner, uid
        self.shell, self.env = shell

    def get_allowed_auths(self, username: str) -> str:
        return ",".join(m for m, on in (("publickey", self.key), ("password", self.password)) if on)

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == USER and self.password is not None and password == self.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        ok = username == USER and self.key is not None and key.asbytes() == self.key.asbytes()
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (
            paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
        )

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        threading.Thread(target=self._execute, args=(channel, command), daemon=True).start()
        return True

    def get_banner(self) -> tuple[str | None, str | None]:
        return (self.banner, "en") if self.banner else (None, None)

    def _execute(self, channel: paramiko.Channel, command: bytes) -> None:
        demote = (lambda: (os.setgroups([]), os.setgid(self.uid), os.setuid(self.uid))) if self.uid else None
        proc = subprocess.Popen(
            [*self.shell, command.decode("utf-8", errors="surrogateescape")], env=self.env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=demote,
        )  # fmt: skip
        CHILDREN.append(proc)
        pumps = [
            threading.Thread(target=_feed, args=(channel, proc), daemon=True),
            threading.Thread(target=_send, args=(proc.stdout, channel.sendall), daemon=True),
            threading.Thread(target=_send, args=(proc.stderr, channel.sendall_stderr), daemon=True),
        ]
        for pump in pumps:
            pump.start()
        while proc.poll() is None:
            if channel.closed or STOP.is_set():  # the client cut the command
                _kill(proc)
            time.sleep(0.05)
        for pump in pumps[1:]:
            pump.join(5)
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            channel.send_exit_status(proc.returncode)
            channel.shutdown_write()
            channel.close()


def _feed(channel: paramiko.Channel, proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    try:
        while data := channel.recv(65536):
            proc.stdin.write(data)
    except (OSError, EOFError, paramiko.SSHException):
        pass
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()


def _send(stream: Any, send: Any) -> None:
    try:
        while data := stream.read1(65536):
            send(data)
    except (OSError, EOFError, paramiko.SSHException):
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)


def ssh_server(
    work: Path,
    password: str | None = None,
    key: bool = True,
    banner: str | None = None,
    as_uid: int | None = None,
    tools: str = "host",
) -> tuple[int, Path]:
    """An SSH server on 127.0.0.1 (a free port): (port, the client's key file). `as_uid` runs the
    commands as that user instead of root; `tools`: what the commands run with (shell_for)."""
    key_file = work / f"client-key-{len(SOCKETS)}"
    client_key = make_key(key_file)
    host_key = make_key(work / f"host-key-{len(SOCKETS)}")
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    SOCKETS.append(listener)
    server = _Server(client_key if key else None, password, banner, as_uid, shell_for(work, tools))

    def accept_loop() -> None:
        while not STOP.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(host_key)
            TRANSPORTS.append(transport)
            with contextlib.suppress(paramiko.SSHException, EOFError, OSError):
                transport.start_server(server=server)

    threading.Thread(target=accept_loop, daemon=True).start()
    return int(listener.getsockname()[1]), key_file


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def access(
    work: Path, port: int, key_file: Path | None = None, password: str | None = None, **more: Any
) -> Any:
    """A VendorAccess as test-access.yaml would give it (paths relative to WORK)."""
    from workbench.probe.vendor_access import VendorAccess

    shell = {"port": port, "user": USER, "password": password, "key_file": key_file}
    return VendorAccess.model_validate({"shell": shell, "base": work, **more})


def plan(access_: Any, name: str, **settings: Any) -> tuple[Any, Any]:
    """(ProbePlan on 127.0.0.1 with the access, the TestPlan `name` with the 2026.4 catalogue's settings)."""
    from workbench.catalog import load_catalog
    from workbench.probe.plan import ProbePlan, TestPlan

    values = {**load_catalog("2026.4").live_tests[name], **settings}
    test = TestPlan(name, float(values.pop("rate_per_s")), float(values.pop("budget_s")), values)
    return ProbePlan("127.0.0.1", "quick", "lo", [test], access=access_), test


def as_json(value: Any) -> Any:
    from dataclasses import asdict

    return asdict(value)
