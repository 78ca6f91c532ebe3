"""A bundle's files by path relative to its root, from a folder or a zip, read safely.

Zip members are read as streams, never extracted; names that are absolute, climb with `..`, use
backslashes or appear twice are refused (listed in `bad`). In a folder, symbolic links are never
followed: they are listed in `links` and left out of `names()`.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from workbench.errors import BundleError


class BundleSource:
    """A bundle's files, by path relative to the bundle root."""

    label: str = ""
    bad: list[str]
    links: list[str]
    zip_comment: bytes | None = None  # None for a folder

    def names(self) -> list[str]:
        raise NotImplementedError

    @contextmanager
    def open(self, rel: str) -> Iterator[IO[bytes]]:
        raise NotImplementedError
        yield  # pragma: no cover

    def read_small(self, rel: str, limit: int) -> bytes:
        """A member's bytes; BundleError when it holds more than `limit` bytes."""
        with self.open(rel) as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise BundleError(f"{rel} is larger than {limit} bytes", path=rel)
        return data


class FolderSource(BundleSource):
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)
        self.bad = []
        self.links = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_symlink()]

    def names(self) -> list[str]:
        return [n for n in bundle_files(self.root) if n not in self.links]

    @contextmanager
    def open(self, rel: str) -> Iterator[IO[bytes]]:
        if rel in self.links or not safe_member(rel):
            raise BundleError("not a file of the bundle", path=rel)
        with (self.root / rel).open("rb") as handle:
            yield handle


class ZipSource(BundleSource):
    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        self.archive = archive
        self.label = label
        self.prefix = ""
        self.bad = []
        self.links = []
        self.zip_comment = archive.comment
        self.members: dict[str, zipfile.ZipInfo] = {}
        tops: set[str] = set()
        for info in archive.infolist():
            name = info.filename
            if not safe_member(name):
                self.bad.append(f"unsafe member name refused: {name!r}")
                continue
            if info.is_dir():
                continue
            if name in self.members:
                self.bad.append(f"member appears twice: {name!r}")
                continue
            self.members[name] = info
            tops.add(name.split("/", 1)[0] if "/" in name else "")
        if len(tops) == 1 and "" not in tops:
            self.prefix = tops.pop() + "/"

    def names(self) -> list[str]:
        return sorted(n[len(self.prefix):] for n in self.members if n.startswith(self.prefix))

    @contextmanager
    def open(self, rel: str) -> Iterator[IO[bytes]]:
        info = self.members.get(self.prefix + rel)
        if info is None:
            raise BundleError("not a file of the bundle", path=rel)
        with self.archive.open(info) as handle:
            yield handle


def bundle_files(bundle_dir: Path) -> list[str]:
    """Every file under `bundle_dir`, as POSIX paths relative to it, in sorted walk order."""
    files = []
    for dirpath, dirnames, filenames in os.walk(bundle_dir):
        dirnames.sort()
        for name in sorted(filenames):
            files.append((Path(dirpath) / name).relative_to(bundle_dir).as_posix())
    return files


def safe_member(name: str) -> bool:
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return False
    if len(name) > 1 and name[1] == ":":  # a drive letter
        return False
    return ".." not in PurePosixPath(name).parts


@contextmanager
def open_bundle(path: str | Path) -> Iterator[BundleSource]:
    """A bundle .zip or an unpacked bundle folder; BundleError when it is neither."""
    bundle = Path(path)
    if bundle.is_dir():
        yield FolderSource(bundle)
        return
    if not bundle.is_file():
        raise BundleError("no such bundle (expected a .zip or a bundle folder)", path=str(bundle))
    try:
        archive = zipfile.ZipFile(bundle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"not a readable zip: {exc}", path=str(bundle)) from None
    with archive:
        yield ZipSource(archive, str(bundle))
