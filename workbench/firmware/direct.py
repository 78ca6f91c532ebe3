"""A whole-file squashfs image, the usual root filesystem image, unpacked by the extraction worker
without unblob: unblob's import (about 1 s, lief among it), its hashes of the whole image and its
pattern search over it cost more than the extraction itself on a small image.

What is done is what an unblob run does for such a file: one `squashfs_v4_le` chunk from 0 to the
end of the file (the end as unblob's squashfs handler computes it, padding included), extracted
by the same extractor (`workbench.firmware.unsquashfs`, its metadata listing beside), then the same
fix-up of the tree (owner read/write bits added, symbolic links rewritten to stay inside the
folder or removed). Anything else (another format, a squashfs followed by other data, a failed
unsquashfs) is left to unblob.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

NAME = "squashfs_v4_le"
HEADER_SIZE = 96  # unblob's squashfs4_super_block_t: a shorter file is no chunk
PAD_SIZES = (4096, 1024)  # unblob's squashfs handler: the padding a chunk ends with, largest first
FILE_BITS, DIR_BITS = 0o644, 0o775  # unblob.extractor's FILE_PERMISSION_MASK, DIR_PERMISSION_MASK
SKIP_SUFFIXES = (".rlib",)  # unblob's DEFAULT_SKIP_EXTENSION: such a file is not searched at all


def _round_up(size: int, alignment: int) -> int:
    return -(-size // alignment) * alignment


def whole_squashfs(path: Path) -> bool:
    """Whether unblob would find in this file exactly one chunk, a little-endian squashfs v4
    covering the whole file."""
    if path.suffix in SKIP_SUFFIXES:
        return False
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(HEADER_SIZE)
            if len(head) < HEADER_SIZE or head[:4] != b"hsqs" or head[28:30] != b"\x04\x00":
                return False
            used = struct.unpack_from("<Q", head, 40)[0]
            if not 0 < used < 1 << 32:
                return False
            handle.seek(used)
            padding = handle.read(_round_up(used, PAD_SIZES[0]) - used)
    except OSError:
        return False
    end = used
    for pad in PAD_SIZES:
        if padding.startswith(b"\0" * (_round_up(used, pad) - used)):
            end = _round_up(used, pad)
            break
    return end == size


_quieted = False


def quiet_unblob() -> None:
    """unblob's logging (structlog) silenced: before unblob is first used, not at the worker's
    start (structlog's import is 0.07 s a whole-file squashfs image unpacked directly does
    without)."""
    global _quieted
    if not _quieted:
        import structlog

        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
        _quieted = True


class _Reports:
    """What unblob's fix_symlink reports (a link removed), as its TaskResult would keep them."""

    def __init__(self) -> None:
        self.reports: list[Any] = []

    def add_report(self, report: Any) -> None:
        self.reports.append(report)


def fix_tree(
    outdir: Path, on_file: Callable[[str], None] | None = None, listed: Mapping[str, Any] | None = None
) -> list[Any]:
    """unblob's fix_extracted_directory over `outdir`, in the same order (each folder as the
    system lists it, depth first), without a Path and three stat calls per entry; the reports
    of the symbolic links it removed (unblob's MaliciousSymlinkRemoved: .link, .target).
    `on_file(path)`, if given, is called with each regular file once its mode is fixed (one walk
    of the tree for the caller's look at every file too); it must raise nothing.

    `listed`: the archive's own listing (member path -> an entry with `kind` and `mode`, as
    `metadata.parse_unsquashfs_listing` gives it: a line a hostile name forged for another path
    lists that path twice, and such a path is left out). An entry the folder's listing shows of
    the listed kind, whose listed mode has the bits the fix adds, is not looked up (the
    extractor set that mode); any other is, as without a listing. Links and folders are known
    from the folder's listing, never from the archive's."""
    reports = _Reports()
    if outdir.exists():
        _fix_mode(str(outdir), os.stat(outdir))
        _fix_folder(str(outdir), outdir, reports, on_file, listed or {})
    return reports.reports


def _fix_mode(path: str, st: os.stat_result) -> None:
    if stat.S_ISREG(st.st_mode):
        wanted = st.st_mode | FILE_BITS
    elif stat.S_ISDIR(st.st_mode):
        wanted = st.st_mode | DIR_BITS
    else:
        return
    if wanted != st.st_mode:
        os.chmod(path, stat.S_IMODE(wanted))


def _has_bits(listed: Any, kind: str, bits: int) -> bool:
    """Whether the archive lists an entry of this kind whose mode already has `bits`."""
    if listed is None or listed.kind != kind or listed.mode is None:
        return False
    return listed.mode & bits == bits


def _fix_folder(
    top: str,
    outdir: Path,
    reports: _Reports,
    on_file: Callable[[str], None] | None,
    listed: Mapping[str, Any],
) -> None:
    """Depth first in the order the system lists each folder, as unblob's recursion, but with a
    stack of listings: a hostile tree of thousands of nested folders is fixed whole. Each
    folder's listing is read whole before any of its links is rewritten or removed."""
    stack = [(iter(list(os.scandir(top))), "")]
    while stack:
        entries, prefix = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        path = entry.path
        try:
            if entry.is_symlink():
                quiet_unblob()  # as in an unblob run: its warnings never reach the worker's log
                from unblob.extractor import fix_symlink  # only for a tree with links (0.2 s)

                fix_symlink(Path(path), outdir, reports)
                continue
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not _has_bits(listed.get(rel), "directory", DIR_BITS):
                    _fix_mode(path, os.lstat(path))
                stack.append((iter(list(os.scandir(path))), rel + "/"))
            elif entry.is_file(follow_symlinks=False):
                if not _has_bits(listed.get(rel), "file", FILE_BITS):
                    _fix_mode(path, os.lstat(path))
                if on_file is not None:
                    on_file(path)
        except OSError as exc:
            if exc.errno == errno.ENAMETOOLONG:
                continue
            raise
