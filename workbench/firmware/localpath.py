"""From an image path (`/etc/shadow`, `/@0/kernel.bin`, `/usr/share/a.zip!/x.conf`) to the
extracted copy on disk, without ever leaving the extraction folder.

The path is resolved in the image's own name space, one component at a time, each checked
with lstat: the operating system never follows a link. A symbolic link is followed as the
device would follow it: an absolute target from the image's root, a relative one from the
link's folder, `..` stopping at the root of the layer the link is in (as it stops at `/`).
Links that unblob removed from the disk (they pointed outside the extraction folder) are
followed through their recorded target. A `..` in the requested path itself is refused.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

MAX_LINKS = 40  # as Linux: more hops than this is a loop
MAX_READ = 1 << 20  # configuration and account files are small; a larger file is read in part
BINARY_PROBE = 4096  # a NUL byte in this many first bytes: not a text file


def split(image_path: str) -> list[str] | None:
    """The components of an absolute image path; None if it is not one or climbs with `..`."""
    if not isinstance(image_path, str) or not image_path.startswith("/") or "\0" in image_path:
        return None
    parts = [p for p in image_path.split("/") if p not in ("", ".")]
    return None if ".." in parts else parts


def _normalise(parts: Sequence[str]) -> list[str]:
    """`..` and `.` removed; `..` at the top stays at the top (as `/..` is `/`)."""
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return out


def _inside(root: str, candidate: str) -> bool:
    real = os.path.realpath(candidate)
    return real == root or real.startswith(root.rstrip("/") + "/")


class Resolver:
    """mounts: (image path where a layer is mounted, its folder on disk); root: the extraction
    folder every one of them must be inside; links: recorded link targets by image path."""

    def __init__(
        self,
        mounts: Sequence[Sequence[str]],
        root: str | os.PathLike[str] | None,
        links: Callable[[str], str | None] = lambda _path: None,
    ) -> None:
        self.root = os.path.realpath(root) if root else None
        self.links = links
        self.mounts: list[tuple[list[str], Path]] = []
        for mount, folder in mounts:
            parts = split(str(mount))
            if parts is None or self.root is None or not _inside(self.root, str(folder)):
                continue
            self.mounts.append((parts, Path(folder)))
        self.mounts.sort(key=lambda item: len(item[0]), reverse=True)  # most specific first

    def _mount_for(self, parts: list[str]) -> tuple[list[str], Path] | None:
        for mount, folder in self.mounts:
            if parts[: len(mount)] == mount:
                return mount, folder
        return None

    def resolve(self, image_path: str, *, follow_links: bool = True) -> Path | None:
        parts = split(image_path)
        if parts is None or self.root is None:
            return None
        hops = 0
        while True:
            found = self._mount_for(parts)
            if found is None:
                return None
            mount, current = found
            if not _is_real_dir(current):
                return None
            rest = parts[len(mount) :]
            redirected = None
            for index, name in enumerate(rest):
                candidate = current / name
                here = mount + rest[: index + 1]
                try:
                    st = os.lstat(candidate)
                except OSError:
                    st = None
                is_link = st is not None and stat.S_ISLNK(st.st_mode)
                recorded = self.links("/" + "/".join(here)) if st is None or is_link else None
                if is_link or recorded:
                    if not follow_links:
                        return None
                    hops += 1
                    if hops > MAX_LINKS:
                        return None
                    target = recorded or _readlink(candidate)
                    if not target:
                        return None
                    if target.startswith("/"):
                        parts = _normalise(target.split("/"))
                    else:
                        parts = mount + _normalise([*rest[:index], *target.split("/")])
                    redirected = parts + rest[index + 1 :]
                    break
                if st is None:
                    return None
                last = index == len(rest) - 1
                if not last and not stat.S_ISDIR(st.st_mode):
                    return None
                current = candidate
            if redirected is not None:
                parts = redirected
                continue
            try:
                st = os.lstat(current)
            except OSError:
                return None
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
                return None
            return current if _inside(self.root, str(current)) else None


def _is_real_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _readlink(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def read_regular(path: Path, max_bytes: int = MAX_READ) -> bytes | None:
    """At most `max_bytes` of a regular file, opened without following a link (the extraction
    folder is not read-only: `path` may have changed since it was resolved); None otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read(max_bytes)
    except OSError:
        return None
    finally:
        os.close(fd)


def text_lines(data: bytes | None) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of a text file's bytes; nothing for None or binary data."""
    if data is None or b"\0" in data[:BINARY_PROBE]:
        return
    yield from enumerate(data.decode("utf-8", "replace").splitlines(), start=1)
