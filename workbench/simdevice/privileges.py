"""Dying with the device, and giving up root for good (the clean camera's servers run as `nobody`)."""

from __future__ import annotations

import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15
NOBODY = 65534  # uid and gid of `nobody` / `nogroup` in the unit's /etc/passwd and /etc/group


def die_with_parent(parent: int) -> None:
    """SIGKILL when the parent (the device's thread that started us) dies, even by SIGKILL; exit at once if it
    is already gone. Changing credentials clears this, so it is set again after a drop of privileges."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def name_process(name: str) -> None:
    """The process's name as /proc/PID/comm and ps show it (15 bytes at most), like a camera's daemon."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_NAME, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)


def drop_to(uid: int = NOBODY, gid: int = NOBODY) -> None:
    """Root no more, for good: no supplementary groups, real, effective and saved ids all `uid`/`gid` (and so
    no capabilities). RuntimeError when anything of root is left."""
    parent = os.getppid()
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise RuntimeError(f"privileges not dropped: uid {os.getresuid()}, gid {os.getresgid()}")
    try:
        os.setuid(0)
    except PermissionError:
        pass
    else:
        raise RuntimeError("root regained after the drop")
    die_with_parent(parent)
    os.chdir("/")
