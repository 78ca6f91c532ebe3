"""A seccomp filter that stops the extraction worker, and every tool it starts, from creating
device nodes, FIFOs and sockets: mknod/mknodat of anything but a regular file fails with EPERM.

Dropping CAP_MKNOD is not enough: Linux lets anyone create a FIFO, a socket node and, since 5.8,
a 0:0 character device (an overlayfs whiteout). The filter is inherited across fork and exec and
cannot be lifted, so no extractor (unblob's handlers, unsquashfs, 7z, tar...) can create one.
"""

from __future__ import annotations

import ctypes
import platform

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
LD_W_ABS, JEQ_K, RET_K, AND_K = 0x20, 0x15, 0x06, 0x54
RET_ALLOW, RET_EPERM = 0x7FFF0000, 0x00050000 | 1
X32_BIT = 0x40000000
S_IFMT, S_IFREG = 0o170000, 0o100000
# machine -> (audit architecture, {syscall number: index of its mode argument})
SYSCALLS = {
    "x86_64": (0xC000003E, {133: 1, 259: 2}),  # mknod, mknodat
    "aarch64": (0xC00000B7, {33: 2}),  # mknodat (no mknod)
}


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


def _program(arch: int, calls: dict[int, int]) -> list[tuple[int, int, int, int]]:
    """Classic BPF over seccomp_data (nr at 0, arch at 4, args from 16): another architecture's
    calls pass; mknod(at) with a mode that is not a regular file returns EPERM."""
    prog = [(LD_W_ABS, 0, 0, 4), (JEQ_K, 1, 0, arch), (RET_K, 0, 0, RET_ALLOW), (LD_W_ABS, 0, 0, 0)]
    prog.append((AND_K, 0, 0, 0xFFFFFFFF & ~X32_BIT))  # the x32 ABI's numbers are the same | X32_BIT
    check = [(AND_K, 0, 0, S_IFMT), (JEQ_K, 2, 0, 0), (JEQ_K, 1, 0, S_IFREG), (RET_K, 0, 0, RET_EPERM)]
    check.append((RET_K, 0, 0, RET_ALLOW))
    blocks = [[(LD_W_ABS, 0, 0, 16 + 8 * arg), *check] for arg in calls.values()]
    first_block = len(prog) + len(calls) + 1
    for index, number in enumerate(calls):
        start = first_block + sum(len(b) for b in blocks[:index])
        prog.append((JEQ_K, start - (len(prog) + 1), 0, number))
    prog.append((RET_K, 0, 0, RET_ALLOW))
    for block in blocks:
        prog += block
    return prog


def forbid_special_files() -> bool:
    """Install the filter in this process (and so in all it starts); False where it cannot be."""
    known = SYSCALLS.get(platform.machine())
    if known is None:
        return False
    prog = _program(*known)
    filters = (_SockFilter * len(prog))(*[_SockFilter(*insn) for insn in prog])
    fprog = _SockFprog(len(prog), filters)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            return False
        return libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0
    except (OSError, AttributeError):
        return False
