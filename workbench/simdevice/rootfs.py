"""The device's own file system, WORKDIR/rootfs, built at every start: what its test shell sees as / (through
chroot), where its services log, and where its update is installed.

    etc/passwd group shadow hostname version   root (home /root, shell /bin/sh) and nobody (65534)
    etc/dropbear/                                the host key the SSH server uses (0600)
    etc/keys/vendor.pub                          the manufacturer's update key
    root/.ssh/authorized_keys                    the test access's public key
    sbin/acme-upgrade, sbin/fw_update.sh         the local update command (clean, defective: the image's name)
    tmp (1777), var/log/messages                 uploads; the security log (boot lines first)
    bin lib lib64 -> usr/...                     as the host has them; /usr, /dev, /proc are bound in (mounts)

/etc/shadow is 0600 on the clean camera and world-readable (0644) on the defective one: the planted SEC-03
defect."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .devlog import line
from .files import FIRMWARE, MODEL, TOOL_TIMEOUT_S, run_tool, write
from .mounts import bind_readonly, unmount, unmount_under
from .privileges import NOBODY
from .unit import Unit
from .update import FW_UPGRADE_CLEAN, FW_UPGRADE_DEFECTIVE

HOSTNAME = "c100"
SYSTEM_DIRS = ("usr", "dev", "proc")  # bound in from the host (read-only) inside the mount namespace
HOST_LINKS = ("bin", "lib", "lib64")  # as the host has them (Debian: symlinks into /usr)
PASSWD = f"""root:x:0:0:root:/root:/bin/sh
nobody:x:{NOBODY}:{NOBODY}:nobody:/nonexistent:/usr/sbin/nologin
"""
GROUP = f"""root:x:0:
nogroup:x:{NOBODY}:
"""
BOOT = (
    ("kernel", 0, f"Linux version 3.10.14 ({MODEL} firmware {FIRMWARE})"),
    ("init", 1, f"{MODEL} firmware {FIRMWARE} starting"),
    ("init", 1, "network: lo 127.0.0.1 up"),
    ("init", 1, "starting services"),
)


def build(unit: Unit) -> None:
    """The tree, fresh: a previous start's is removed (after anything still mounted in it is let go)."""
    root = unit.rootfs
    if root.exists():
        unmount_under(root)
        shutil.rmtree(root)
    for folder in ("etc/dropbear", "etc/keys", "sbin", "var/log", *SYSTEM_DIRS):
        (root / folder).mkdir(parents=True, exist_ok=True)
    for folder, mode in (("root", 0o700), ("root/.ssh", 0o700), ("tmp", 0o1777)):
        (root / folder).mkdir(exist_ok=True)
        (root / folder).chmod(mode)
    for name in HOST_LINKS:
        host = Path("/") / name
        if host.is_symlink() and not (root / name).is_symlink():
            (root / name).symlink_to(os.readlink(host))
        elif host.is_dir() and not host.is_symlink():
            (root / name).mkdir(exist_ok=True)
    write(root / "etc/passwd", PASSWD)
    write(root / "etc/group", GROUP)
    write(root / "etc/shadow", shadow(unit.workdir), 0o600 if unit.secure else 0o644)
    write(root / "etc/hostname", HOSTNAME + "\n")
    write(root / "etc/version", FIRMWARE + "\n")
    updater = root / unit.updater.lstrip("/")
    write(updater, FW_UPGRADE_CLEAN if unit.secure else FW_UPGRADE_DEFECTIVE, 0o755)
    write(unit.messages, "".join(line(tag, message, pid) for tag, pid, message in BOOT), 0o640)
    run_tool(["dropbearkey", "-t", "ed25519", "-f", str(host_key(unit))], unit.workdir)
    host_key(unit).chmod(0o600)


def host_key(unit: Unit) -> Path:
    return unit.rootfs / "etc/dropbear/dropbear_ed25519_host_key"


def shadow(workdir: Path) -> str:
    """root with a real SHA-512 crypt hash of a random password nobody is told; nobody locked."""
    days = int(time.time() // 86400)
    done = subprocess.run(
        ["openssl", "passwd", "-6", "-stdin"],
        input=os.urandom(18).hex(),
        text=True,
        capture_output=True,
        cwd=workdir,
        timeout=TOOL_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith("$6$"):
        raise RuntimeError(f"openssl passwd failed: {done.stderr.strip()[-300:]}")
    return f"root:{done.stdout.strip()}:{days}:0:99999:7:::\nnobody:*:{days}:0:99999:7:::\n"


def mount_system(unit: Unit) -> list[Path]:
    """Bind /usr, /dev, /proc (and bin, lib, lib64 where the host has folders, not links) read-only into the
    tree; the mount points, for unmount() at the end. RuntimeError when one cannot be made read-only."""
    names = [
        *SYSTEM_DIRS,
        *(name for name in HOST_LINKS if not (Path("/") / name).is_symlink() and (Path("/") / name).is_dir()),
    ]
    done: list[Path] = []
    try:
        for name in names:
            done.append(bind_readonly(Path("/") / name, unit.rootfs / name))
    except RuntimeError:
        unmount(done)
        raise
    return done
