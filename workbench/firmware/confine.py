"""Confinement of the extraction worker: it may write only under its extraction folder.

Applied in the worker process before any byte of the image is parsed; every external tool
it starts inherits the same bounds:
- Landlock (Linux >= 5.13, through unblob's sandbox binding): writes outside the folder fail;
- RLIMIT_FSIZE: no single file larger than the size limit (a decompression bomb fails with
  EFBIG instead of filling the disk; SIGXFSZ is ignored so tools get an error, not a kill);
- a seccomp filter (`workbench.firmware.nomknod`): no device node, FIFO or socket can be created,
  whoever runs it (as root too, where mknod would otherwise succeed);
- CAP_MKNOD dropped when running as root, in case seccomp is unavailable;
- no core dumps.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from pathlib import Path

from workbench.firmware.nomknod import forbid_special_files

CAP_MKNOD = 27
PR_CAPBSET_DROP = 24
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_mknod() -> bool:
    """Remove CAP_MKNOD from this process and everything it starts."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_CAPBSET_DROP, CAP_MKNOD, 0, 0, 0)
        header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
        data = (_CapData * 2)()
        if libc.capget(ctypes.byref(header), data) != 0:
            return False
        mask = ~(1 << CAP_MKNOD) & 0xFFFFFFFF
        data[0].effective &= mask
        data[0].permitted &= mask
        data[0].inheritable &= mask
        return libc.capset(ctypes.byref(header), data) == 0
    except (OSError, AttributeError):
        return False


def landlock(root: Path) -> bool:
    try:
        from unblob._rust.sandbox import AccessFS, SandboxError, restrict_access
    except ImportError:
        return False
    try:
        restrict_access(
            AccessFS.read("/"),
            AccessFS.read_write(str(root)),
            AccessFS.remove_dir(str(root)),
            AccessFS.remove_file(str(root)),
            AccessFS.read_write("/dev/null"),
        )
    except (SandboxError, OSError, ValueError):
        return False
    return True


def confine(root: Path, max_file_size: int) -> list[str]:
    """Apply every bound that this system supports; returns the ones that could not be applied."""
    missing = []
    os.umask(0o022)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_size, max_file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if not forbid_special_files():
        missing.append(
            "seccomp unavailable: a FIFO, socket or 0:0 character device in an archive could be created"
        )
    if os.geteuid() == 0 and not drop_mknod():
        missing.append("could not drop CAP_MKNOD")
    if not landlock(root):
        missing.append("Landlock unavailable: writes outside the folder are prevented by path checks only")
    return missing
