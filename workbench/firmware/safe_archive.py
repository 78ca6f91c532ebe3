"""Python fallbacks for tar, zip and single-stream compression, used when an external tool
(7z) or unblob itself is missing. Every member name is checked before anything is written.
"""

from __future__ import annotations

import lzma
import os
import posixpath
import stat
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from workbench import fsutil
from workbench.firmware import members, streams

COPY_BLOCK = 1 << 20
TAR_SPECIAL_MODES = {
    tarfile.CHRTYPE: stat.S_IFCHR,
    tarfile.BLKTYPE: stat.S_IFBLK,
    tarfile.FIFOTYPE: stat.S_IFIFO,
}


@dataclass
class Problem:
    path: str
    problem: str
    resolution: str


def safe_member_path(outdir: Path, name: str) -> tuple[Path | None, str | None]:
    """The path a member may be written to inside outdir, or None and why not."""
    normalised = posixpath.normpath(name.replace("\\", "/"))
    note = None
    if normalised.startswith("/"):
        normalised = normalised.lstrip("/")
        note = "absolute path, written relative to the extraction folder"
    if normalised in ("", ".") or normalised == ".." or normalised.startswith("../"):
        return None, "path traversal (member would be written outside the extraction folder)"
    target = outdir / normalised
    try:
        target.resolve().relative_to(outdir.resolve())
    except ValueError:
        return None, "path traversal through a symbolic link already extracted"
    return target, note


def link_escapes(outdir: Path, member_path: Path, link_target: str) -> bool:
    if link_target.startswith("/"):
        return False  # absolute inside the image: resolved against the image root, not ours
    resolved = posixpath.normpath(posixpath.join(str(member_path.parent), link_target))
    return not (resolved + "/").startswith(str(outdir) + "/")


class SizeBudget:
    """Bytes that may still be written; raises when a member would exceed it."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise OverflowError("extraction size limit exceeded (decompression bomb?)")


def _copy(src: BinaryIO, dst: BinaryIO, budget: SizeBudget) -> None:
    while chunk := src.read(COPY_BLOCK):
        budget.take(len(chunk))
        dst.write(chunk)


def _member_target(outdir: Path, name: str, problems: list[Problem]) -> Path | None:
    """Where a member may be written, or None (skipped); either way recorded in `problems`."""
    target, note = safe_member_path(outdir, name)
    if target is None:
        problems.append(Problem(name, members.outside(name), ""))
    elif note:
        problems.append(Problem(name, members.absolute(name), ""))
    return target


def extract_tar(path: Path, outdir: Path, budget: SizeBudget) -> list[Problem]:
    problems: list[Problem] = []
    outdir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            target = _member_target(outdir, member.name, problems)
            if target is None:
                continue
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            elif member.issym():
                if link_escapes(outdir, target, member.linkname):
                    problems.append(
                        Problem(member.name, members.link_outside(member.name, member.linkname), "")
                    )
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists() and not target.is_symlink():
                    os.symlink(member.linkname, target)
            elif member.isfile():
                target.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                if source is None:
                    continue
                with source, open(target, "wb") as handle:
                    _copy(source, handle, budget)
                os.chmod(target, (member.mode & 0o777) | 0o600)
            elif member.islnk():
                text = f"hard link {members.quoted(member.name)} to {members.quoted(member.linkname)} skipped"
                problems.append(
                    Problem(member.name, text + ": the fallback extractor makes no hard links", "")
                )
            else:
                mode = TAR_SPECIAL_MODES.get(member.type, 0)
                device = (member.devmajor, member.devminor)
                problems.append(Problem(member.name, members.special(member.name, mode, device), ""))
    return problems


def extract_zip(path: Path, outdir: Path, budget: SizeBudget) -> list[Problem]:
    problems: list[Problem] = []
    outdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            target = _member_target(outdir, info.filename, problems)
            if target is None:
                continue
            unix_mode = info.external_attr >> 16
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            if stat.S_ISLNK(unix_mode):
                link = archive.read(info)[:4096].decode("utf-8", "replace")
                text = f"symbolic link {members.quoted(info.filename)} to {members.quoted(link)} not created"
                problems.append(
                    Problem(info.filename, text + " by the fallback extractor (the file list shows it)", "")
                )
                continue
            if members.is_special(unix_mode):
                problems.append(Problem(info.filename, members.special(info.filename, unix_mode), ""))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, open(target, "wb") as handle:
                _copy(source, handle, budget)
    return problems


def decompress(path: Path, outdir: Path, kind: str, bounds: streams.StreamBounds) -> list[Problem]:
    """One compressed stream, expanded with a running count (`workbench.firmware.streams`);
    OverflowError when it was stopped by a bound (nothing of it kept)."""
    outdir.mkdir(parents=True, exist_ok=True)
    name = path.name
    for suffix in (".gz", ".xz", ".lzma", ".bz2", ".tgz"):
        if name.endswith(suffix):
            name = name[: -len(suffix)] + (".tar" if suffix == ".tgz" else "")
            break
    else:
        name += ".uncompressed"
    try:
        streams.expand(path, kind, outdir / name, bounds)
    except streams.StreamStopped as stop:
        raise OverflowError(f"{members.quoted(path.name)} {stop}") from None
    except (OSError, EOFError, lzma.LZMAError) as exc:  # zlib.error: the stream is no stream at all
        text = f"the {kind} stream ends early or is corrupt ({exc}): what came before is kept"
        return [Problem(path.name, text, "")]
    return []


def remove_tree(path: Path) -> None:
    fsutil.remove_tree(path)
