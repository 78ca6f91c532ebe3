"""The camera's variants: which service listens on which port, what it plants, and how it starts.

defective  the Acme C100 as sample_captures/cases/defective shows it: default and empty passwords on telnet,
           anonymous FTP and MQTT, an open web page, admin:admin, TLS 1.0 only with a 1024-bit key, RTSP open,
           every server root, the test shell on an undeclared port
clean      the same camera done right: HTTPS (TLS >= 1.2) and Digest RTSP behind the unit's own password
           with a lockout, run as `nobody`; the test shell by key only; nothing else
Both cameras grant the lab test access (access.py) through their test shell on tcp/22.
hostile    bad answers for bad-input tests: silence, resets, a 10 MB banner, `<script>` in a title
Variants combine with "+" (e.g. "defective+hostile"): their ports do not overlap."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from . import daemons, ftp, hostile, shell
from .files import strong_certificate
from .tcp import Server
from .unit import Unit

PACKAGE_ROOT = Path(__file__).resolve().parents[2]   # where `workbench` is importable from


class Running(Protocol):
    name: str

    @property
    def pid(self) -> int: ...

    def exited(self) -> int | None: ...

    def log_tail(self, limit: int = 2000) -> str: ...

    def stop(self) -> None: ...


@dataclass
class InProcess:
    """A Python server running in a thread of this process."""

    name: str
    server: Server

    @property
    def pid(self) -> int:
        return os.getpid()

    def exited(self) -> int | None:
        return None

    def log_tail(self, limit: int = 2000) -> str:
        return ""

    def stop(self) -> None:
        self.server.stop()


Starter = Callable[[int, Unit], Running]


def daemon(command: Callable[[int, Path], list[str]]) -> Starter:
    def start(port: int, unit: Unit) -> Running:
        return daemons.launch(f"{command.__name__}-{port}", command(port, unit.workdir), unit.workdir)
    return start


def in_process(make: Callable[[int, Unit], Server]) -> Starter:
    def start(port: int, unit: Unit) -> Running:
        return InProcess(f"python-{port}", make(port, unit))
    return start


def own_process(server: str, port: int, unit: Unit, *options: str) -> daemons.Daemon:
    """A Python server (server_process.py: web or rtsp) in a process of its own."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(PACKAGE_ROOT),
                                                                      os.environ.get("PYTHONPATH"))))}
    argv = [sys.executable, "-m", "workbench.simdevice.server_process", server, "--port", str(port),
            "--workdir", str(unit.workdir), *options]
    return daemons.launch(f"{server}-{port}", argv, unit.workdir, env=env)


def clean_web(port: int, unit: Unit) -> daemons.Daemon:
    cert, key = strong_certificate(unit.workdir)
    return own_process("web", port, unit, "--cert", str(cert), "--key", str(key), *clean_options(unit))


def clean_rtsp(port: int, unit: Unit) -> daemons.Daemon:
    return own_process("rtsp", port, unit, "--password", *clean_options(unit))


def clean_options(unit: Unit) -> list[str]:
    """Bound as root, then `nobody` for good; failed logins and password changes in the security log."""
    return ["--drop", *(["--log", str(unit.security_log)] if unit.security_log else [])]


def defective_rtsp(port: int, unit: Unit) -> daemons.Daemon:
    """Stays root, logs nothing, and dies on a request line of 1 KiB or more."""
    return own_process("rtsp", port, unit, "--crash-over", "1024")


@dataclass(frozen=True)
class Service:
    port: int
    service: str
    software: str
    defect: str | None      # what is planted; None on the clean camera
    detail: str             # how it behaves, for the docs, the demo and the training keys
    start: Starter
    protocol: str = "tcp"

    def describe(self) -> dict[str, object]:
        return {"port": self.port, "protocol": self.protocol, "service": self.service,
                "software": self.software, "defect": self.defect, "detail": self.detail}


SHELL_DETAIL = ("the test shell granted to the lab: root by public key only (the test access's key; -s: "
                "the only method offered is publickey), no forwarding; a fresh ed25519 host key per start; "
                "every session runs in the unit's own file system (chroot)")

DEFECTIVE = (
    Service(21, "ftp", "Python FTP server", "anonymous FTP login accepted",
            "USER anonymous (or ftp) with any password gets 230; lists an empty folder, read-only",
            in_process(lambda port, unit: ftp.start(port, unit.workdir / "ftp"))),
    Service(22, "ssh", "dropbear", "undeclared SSH port (the manufacturer's test shell, left on)",
            SHELL_DETAIL, shell.start),
    Service(23, "telnet", "busybox telnetd", "telnet with default credentials root/xc3511 and admin with no "
            "password; no slowdown after failures",
            "the login prompt lets in root/xc3511 and admin with an empty password, then a fake shell "
            "answers `sh: <cmd>: not found`", daemon(daemons.telnetd)),
    Service(2323, "telnet", "busybox telnetd", "undeclared second telnet port with the same "
            "default credentials",
            "the same login as tcp/23", daemon(daemons.telnetd)),
    Service(80, "http", "busybox httpd", "web interface in clear HTTP without authentication",
            'GET / gives 200 and a page naming "Acme C100" and "firmware 2.1"', daemon(daemons.httpd_open)),
    Service(8080, "http", "busybox httpd", "undeclared admin web interface with the default "
            "login admin:admin, over clear HTTP", "HTTP Basic: 401 without credentials, 200 with admin:admin",
            daemon(daemons.httpd_basic)),
    Service(443, "https", "openssl s_server", "TLS 1.0 only, weak suites (RSA key exchange, CBC with SHA-1), "
            "self-signed 1024-bit RSA certificate signed with SHA-1",
            "-tls1 -cipher ALL:@SECLEVEL=0 -www: a status page over TLS 1.0",
            daemon(daemons.tls_server_weak)),
    Service(554, "rtsp", "Python RTSP server", "live video stream without authentication; the server dies on"
            " a request line of 1 KiB or more (input not validated); it runs as root",
            "OPTIONS and DESCRIBE answer 200 with no credentials; DESCRIBE returns the stream's SDP; a long"
            " URL stops the server (rtspd, its own process, exits 139), as a fixed-size buffer overflow"
            " stops a real camera's RTSP daemon", defective_rtsp),
    Service(1883, "mqtt", "mosquitto", "undeclared MQTT broker in clear accepting anonymous clients",
            "allow_anonymous true: CONNECT without credentials gets CONNACK 0", daemon(daemons.mosquitto)),
)

CLEAN = (
    Service(22, "ssh", "dropbear", None, SHELL_DETAIL, shell.start),
    Service(443, "https", "Python http.server + ssl", None,
            "TLS 1.2 and 1.3 only, ECDHE with AES-GCM or ChaCha20, fresh P-256 certificate; HTTP Basic as "
            "admin with the unit's random password (work dir admin-password.txt); wrong passwords answered "
            "ever later (0.1 s, doubling), the 5th locks the client out for 300 s (429 with Retry-After); "
            "HSTS, CSP, X-Content-Type-Options, X-Frame-Options on every page; the 401 login page names the "
            "model and firmware; POST /password changes the password (HTTPS and RTSP); uhttpd, its own "
            "process, bound as root then nobody (65534) for good; failed logins, lockouts, password changes "
            "in /var/log/messages", clean_web),
    Service(554, "rtsp", "Python RTSP server", None,
            "OPTIONS open; DESCRIBE needs Digest (admin and the unit's password), otherwise 401 with "
            "WWW-Authenticate: Digest; the same slowdown and lockout (503 with Retry-After); rtspd, its own "
            "process, as nobody (65534); failed logins and lockouts in /var/log/messages", clean_rtsp),
)

HOSTILE = (
    Service(2600, "unknown", "Python", "a service that accepts and never answers",
            "reads and discards for up to 120 s",
            in_process(lambda port, *_: hostile.start(port, hostile.Silent))),
    Service(2700, "telnet", "Python", "a 10 MB banner starting with <script>",
            "sends `<script>...` then 10 MB of 'A', then `login: `, then closes",
            in_process(lambda port, *_: hostile.start(port, hostile.HugeBanner))),
    Service(4433, "https", "Python", "a TLS port that resets every handshake",
            "reads the ClientHello, then closes with a TCP RST",
            in_process(lambda port, *_: hostile.start(port, hostile.ResetHandshake))),
    Service(8081, "http", "Python", "<script> in the HTTP title and Server header",
            "any request gets 200, `Server: <script>...` and a page titled `<script>...Acme C100`",
            in_process(lambda port, *_: hostile.start(port, hostile.ScriptHttp))),
)

VARIANTS: dict[str, tuple[Service, ...]] = {"defective": DEFECTIVE, "clean": CLEAN, "hostile": HOSTILE}


def services(variant: str) -> tuple[Service, ...]:
    """The services of a variant, or of variants joined with "+"; ValueError for an unknown name."""
    chosen: list[Service] = []
    for name in variant.split("+"):
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}: choose from {', '.join(VARIANTS)}")
        chosen.extend(VARIANTS[name])
    ports = [service.port for service in chosen]
    if len(set(ports)) != len(ports):
        raise ValueError(f"variants {variant!r} share a port")
    return tuple(sorted(chosen, key=lambda service: service.port))


def describe(variant: str) -> list[dict[str, object]]:
    """Each service of the variant: port, protocol, service, software, the defect planted, how it behaves."""
    return [service.describe() for service in services(variant)]
