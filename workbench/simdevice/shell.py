"""The test shell the manufacturer grants the lab (both cameras): dropbear on tcp/22, root by public key only
(a fresh ed25519 key pair per start; password logins disabled, no forwarding), every session inside the
device's own file system.

Dropbear looks root's home and shell up in /etc/passwd, so it runs in a mount namespace of its own where a
passwd of the device's is bound over /etc/passwd (and a list with its shell over /etc/shells, which it
checks): home = rootfs/root, shell = a wrapper that runs `chroot ROOTFS /bin/sh "$@"`. The device's other
processes (and the command it runs) keep the host's. It runs as PID 1 of a PID namespace of its own under
`unshare --kill-child` (the process the device starts): when it stops, or the device dies, every session
and whatever a session left running dies with it (dropbear's sessions start sessions of their own, out of
reach of a signal to its process group). On the clean camera dropbear's own log lines (key
logins, failures) go to the unit's /var/log/messages too."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .daemons import Daemon, launch
from .devlog import DeviceLog
from .files import write
from .rootfs import host_key
from .tcp import HOST
from .unit import Unit

PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
NAMESPACES = ["unshare", "-m", "--propagation", "private", "-p", "--kill-child", "--"]
# foreground, log to stderr, no password login (key only), no local or remote forwarding
DROPBEAR_OPTIONS = ["-F", "-E", "-s", "-j", "-k"]
BIND_THEN_RUN = 'mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/shells && shift 2 && exec "$@"'
DROPBEAR_LINE = re.compile(r"^\[(\d{1,9})\] \w{3} [ \d]\d \d\d:\d\d:\d\d (.*)$")


def test_key(unit: Unit, private_key: Path) -> None:
    """A fresh ed25519 key pair: the private half (OpenSSH format, 0600) for the lab, the public half in
    root's authorized_keys on the unit."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    write(private_key, private.decode(), 0o600)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    write(unit.rootfs / "root/.ssh/authorized_keys", public.decode() + " acme-c100-test-access\n", 0o600)


def login_files(unit: Unit) -> tuple[Path, Path]:
    """The passwd and shells dropbear is shown: root's home on the unit, the chroot wrapper as its shell."""
    if ":" in str(unit.rootfs) or "\n" in str(unit.rootfs):
        raise RuntimeError(f"the work dir's path cannot go into a passwd line: {unit.workdir}")
    folder = unit.workdir / "shell"
    wrapper = write(
        folder / "login-shell",
        "#!/bin/sh\n# the test shell's sessions run in the device's own file system\n"
        f"PATH={PATH} HOME=/root SHELL=/bin/sh\nexport PATH HOME SHELL\n"
        f'exec chroot {shlex.quote(str(unit.rootfs))} /bin/sh "$@"\n',
        0o755,
    )
    passwd = write(folder / "passwd", f"root:x:0:0:root:{unit.rootfs / 'root'}:{wrapper}\n")
    shells = write(folder / "shells", f"{wrapper}\n/bin/sh\n")
    return passwd, shells


def command(port: int, unit: Unit) -> list[str]:
    passwd, shells = login_files(unit)
    dropbear = ["dropbear", *DROPBEAR_OPTIONS, "-p", f"{HOST}:{port}", "-r", str(host_key(unit))]
    pid_file = ["-P", str(unit.workdir / "dropbear.pid")]
    return [*NAMESPACES, "sh", "-c", BIND_THEN_RUN, "sh", str(passwd), str(shells), *dropbear, *pid_file]


def start(port: int, unit: Unit) -> Daemon:
    relay = None if unit.security_log is None else DropbearRelay(DeviceLog(unit.security_log, "dropbear"))
    return launch(f"dropbear-{port}", command(port, unit), unit.workdir, relay)


class DropbearRelay:
    """Dropbear's `[pid] Mon dd hh:mm:ss message` lines into the security log, with the log's own times."""

    def __init__(self, log: DeviceLog) -> None:
        self.log = log

    def __call__(self, text: str) -> None:
        found = DROPBEAR_LINE.match(text)
        if found:
            self.log.write(found.group(2), int(found.group(1)))
