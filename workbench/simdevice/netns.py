"""A private network and mount namespace: can one be made here, and the command line that runs a program
inside one.

Inside it only `lo` exists; servers on 127.0.0.1 there are invisible to the host and nothing leaves it. The
device's mounts (its file system's /usr, /dev, /proc; the test shell's /etc/passwd) stay in it too: mount
propagation is private, and they vanish with the namespace."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

LOOPBACK_UP = 'ip link set lo up && exec "$@"'
UNSHARE = ["unshare", "-n", "-m", "--propagation", "private", "--"]


@functools.lru_cache(maxsize=1)
def netns_problem() -> str | None:
    """Why no private network and mount namespace can be made here, or None when it works (tried for real,
    with the very command line in_netns builds)."""
    if os.geteuid() != 0:
        return "not root: a private network namespace (unshare -n -m) needs root"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"no `{tool}` on PATH (util-linux / iproute2)"
    try:
        tried = subprocess.run(in_netns(["true"]), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as failure:
        return f"`{' '.join(UNSHARE)} true` could not run: {failure}"
    if tried.returncode != 0:
        return f"`{' '.join(UNSHARE)} true` refused (exit {tried.returncode}): {tried.stderr.strip()[:300]}"
    return None


def in_netns(argv: list[str]) -> list[str]:
    """The command line that runs argv in a fresh network and mount namespace whose `lo` is up."""
    return [*UNSHARE, "sh", "-c", LOOPBACK_UP, "sh", *argv]


def only_loopback() -> bool:
    """True when this process's network namespace has no interface but `lo` (a private namespace)."""
    try:
        lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    except OSError:
        return False
    names = {line.split(":", 1)[0].strip() for line in lines if ":" in line}
    return names <= {"lo"}


def mount_namespace(pid: int | str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/mnt").st_ino
    except OSError:
        return None


def private_mounts() -> bool:
    """True when this process has a mount namespace of its own (not the one of PID 1 or, where PID 1's
    cannot be read, of some ancestor) and no mount in it propagates anywhere (no `shared:` peer group)."""
    own = mount_namespace("self")
    if own is None:
        return False
    reference = mount_namespace(1)
    if reference is not None:
        separate = own != reference
    else:
        separate = any(mount_namespace(pid) not in (own, None) for pid in ancestors())
    try:
        mounts = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return False
    return separate and " shared:" not in mounts


def ancestors() -> list[int]:
    found, pid = [], os.getppid()
    while pid > 1 and len(found) < 64:
        found.append(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            break
    return found
