"""The Debian servers the camera runs, in the foreground: each one's command line (bound to 127.0.0.1 only),
started with its output in the work dir's logs/, stopped by its PID."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .files import ADMIN_PAGE, INDEX_PAGE, LOGIN_SCRIPT, MODEL, dropbear_host_key, weak_certificate, write
from .tcp import HOST

STOP_WAIT_S = 5.0
PR_SET_PDEATHSIG = 1


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


def die_with_parent(parent: int) -> None:
    """In the child before exec: SIGKILL when the device's thread that started it dies (even by SIGKILL)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def launch(name: str, argv: list[str], workdir: Path) -> Daemon:
    parent = os.getpid()
    log = workdir / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=workdir, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True,
                                   preexec_fn=lambda: die_with_parent(parent))  # noqa: PLW1509
    return Daemon(name, process, log)


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


def dropbear_keys_only(port: int, workdir: Path) -> list[str]:
    key = dropbear_host_key(workdir)
    return ["dropbear", "-F", "-E", "-s", "-w", "-j", "-k", "-p", f"{HOST}:{port}", "-r", str(key),
            "-P", str(workdir / "dropbear.pid")]
