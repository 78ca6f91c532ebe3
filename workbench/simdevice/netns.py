"""A private network namespace: can one be made here, and the command line that runs a program inside one.

Inside it only `lo` exists; servers on 127.0.0.1 there are invisible to the host and nothing leaves it."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from pathlib import Path

LOOPBACK_UP = 'ip link set lo up && exec "$@"'


@functools.lru_cache(maxsize=1)
def netns_problem() -> str | None:
    """Why no private network namespace can be made here, or None when `unshare -n` works (tried for real)."""
    if os.geteuid() != 0:
        return "not root: a private network namespace (unshare -n) needs root"
    for tool in ("unshare", "ip"):
        if shutil.which(tool) is None:
            return f"no `{tool}` on PATH (util-linux / iproute2)"
    try:
        tried = subprocess.run(["unshare", "-n", "--", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as failure:
        return f"`unshare -n true` could not run: {failure}"
    if tried.returncode != 0:
        return f"`unshare -n true` refused (exit {tried.returncode}): {tried.stderr.strip()[:300]}"
    return None


def in_netns(argv: list[str]) -> list[str]:
    """The command line that runs argv in a fresh network namespace whose `lo` is up."""
    return ["unshare", "-n", "--", "sh", "-c", LOOPBACK_UP, "sh", *argv]


def only_loopback() -> bool:
    """True when this process's network namespace has no interface but `lo` (a private namespace)."""
    try:
        lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    except OSError:
        return False
    names = {line.split(":", 1)[0].strip() for line in lines if ":" in line}
    return names <= {"lo"}
