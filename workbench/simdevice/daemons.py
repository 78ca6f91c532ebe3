"""The Debian servers the camera runs, in the foreground: each one's command line (bound to 127.0.0.1 only),
started with its output in the work dir's logs/, stopped by its PID."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .files import ADMIN_PAGE, INDEX_PAGE, LOGIN_SCRIPT, MODEL, weak_certificate, write
from .privileges import die_with_parent
from .tcp import HOST

STOP_WAIT_S = 5.0
MAX_LINE = 4096


@dataclass
class Daemon:
    """A running server process."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def exited(self) -> int | None:
        return self.process.poll()

    def log_tail(self, limit: int = 2000) -> str:
        try:
            with self.log.open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - limit))
                return log.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to its process group (it runs in its own session), SIGKILL if it lingers."""
        for sig, wait in ((signal.SIGTERM, STOP_WAIT_S), (signal.SIGKILL, STOP_WAIT_S)):
            if self.process.poll() is not None:
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue


def launch(name: str, argv: list[str], workdir: Path, relay: Callable[[str], None] | None = None,
           env: dict[str, str] | None = None) -> Daemon:
    """Start argv in a session of its own, its output in logs/NAME.log (and each line to `relay` too)."""
    parent = os.getpid()
    log = workdir / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL,
                                   stdout=out if relay is None else subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                   preexec_fn=lambda: die_with_parent(parent))  # noqa: PLW1509
    if relay is not None and process.stdout is not None:
        threading.Thread(target=copy_lines, args=(process.stdout, log, relay), name=f"relay-{name}",
                         daemon=True).start()
    return Daemon(name, process, log)


def copy_lines(pipe: IO[bytes], log: Path, relay: Callable[[str], None]) -> None:
    """A server's output to its log file, and each line (bounded) to `relay`, until the pipe closes."""
    with pipe, log.open("ab") as out:
        while raw := pipe.readline(MAX_LINE):
            out.write(raw)
            out.flush()
            with contextlib.suppress(Exception):
                relay(raw.decode("utf-8", "replace").rstrip("\n"))


def telnetd(port: int, workdir: Path) -> list[str]:
    login = write(workdir / "telnet-login.sh", LOGIN_SCRIPT, 0o755)
    issue = write(workdir / "issue.net", f"{MODEL} (Linux 3.10.14)\n")
    return ["busybox", "telnetd", "-F", "-b", f"{HOST}:{port}", "-l", str(login), "-f", str(issue)]


def httpd_open(port: int, workdir: Path) -> list[str]:
    home = workdir / f"www-{port}"
    write(home / "index.html", INDEX_PAGE)
    conf = write(workdir / f"httpd-{port}.conf", "# no restriction: every page is public\n")
    return ["busybox", "httpd", "-f", "-v", "-p", f"{HOST}:{port}", "-h", str(home), "-c", str(conf)]


def httpd_basic(port: int, workdir: Path) -> list[str]:
    home = workdir / f"www-{port}"
    write(home / "index.html", ADMIN_PAGE)
    conf = write(workdir / f"httpd-{port}.conf", "/:admin:admin\n")
    return ["busybox", "httpd", "-f", "-v", "-p", f"{HOST}:{port}", "-h", str(home), "-c", str(conf)]


def mosquitto(port: int, workdir: Path) -> list[str]:
    conf = write(workdir / "mosquitto.conf",
                 f"listener {port} {HOST}\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
                 # no switch of user: that would clear the die-with-parent signal
                 "user root\n")
    return ["mosquitto", "-c", str(conf)]


def tls_server_weak(port: int, workdir: Path) -> list[str]:
    cert, key = weak_certificate(workdir)
    return ["openssl", "s_server", "-accept", f"{HOST}:{port}", "-cert", str(cert), "-key", str(key),
            "-tls1", "-cipher", "ALL:@SECLEVEL=0", "-www", "-quiet"]
