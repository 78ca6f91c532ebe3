"""The host's /usr, /dev and /proc bound read-only into the device's file system, inside the device's private
mount namespace (never the host's: the device refuses to start elsewhere), and let go at the end."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

TIMEOUT_S = 30


def mount_points() -> list[tuple[Path, set[str]]]:
    """Every mount point of this namespace with its options (/proc/self/mountinfo)."""
    found = []
    for entry in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = entry.split()
        if len(fields) > 5:
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])  # \040: a space
            found.append((Path(point), set(fields[5].split(","))))
    return found


def bind_readonly(source: Path, target: Path) -> Path:
    """`mount -o bind,ro`; RuntimeError unless the target ends up mounted read-only."""
    done = subprocess.run(
        ["mount", "-o", "bind,ro", str(source), str(target)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    mounted = [options for point, options in mount_points() if point == target]
    if done.returncode != 0 or not mounted:
        raise RuntimeError(f"cannot bind {source} to {target}: {done.stderr.strip()[-300:]}")
    if "ro" not in mounted[-1]:
        unmount([target])
        raise RuntimeError(f"{target}: the read-only bind of {source} came out writable")
    return target


def unmount(targets: list[Path]) -> None:
    """Let go (lazily: a session still inside does not hold it), the last mounted first."""
    for target in reversed(targets):
        subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=TIMEOUT_S, check=False)


def unmount_under(folder: Path) -> None:
    """Everything mounted at or below `folder` (a previous start's mounts in this namespace)."""
    folder = folder.resolve()
    unmount([point for point, _ in mount_points() if point == folder or folder in point.parents])
