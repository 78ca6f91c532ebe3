"""The file inventory of an extraction: one record per file, directory, link or special
file, with mode and owner from the archive's own metadata where it was recorded."""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.firmware.extract import Extraction
from workbench.firmware.layout import join
from workbench.firmware.members import climbs_out
from workbench.firmware.metadata import KIND_BY_MODE, SPECIAL_KINDS

# entries of an archive's listing shown in the file list without an extracted copy: device nodes,
# FIFOs and sockets (never created), and links (one pointing out is recorded, not created); a file
# or folder that is not on disk was not extracted (a member climbing out, a limit) and is not shown
LISTED_ONLY = SPECIAL_KINDS | {"symlink"}
# the `files` table's columns in order (the file workers go without workbench.firmware.schema's
# pandas; tests/firmware/test_firmware_columnar.py holds this to the declaration)
COLUMNS = ("path", "size", "mode", "uid", "gid", "type", "arch", "sha256", "entropy", "link_target")


@dataclass(slots=True)
class FileRecord:
    path: str  # image path, starting with /
    # where the extracted copy is (a str from walk: no Path parsed per entry, nor per pickle to a
    # file worker); None for entries listed but not created
    disk: str | Path | None
    kind: str  # file, directory, symlink, char_device, block_device, fifo, socket
    size: int
    mode: int | None
    uid: int | None
    gid: int | None
    type: str
    arch: str | None = None
    sha256: str | None = None
    entropy: float | None = None
    link_target: str | None = None
    layer: int | None = None

    def row(self) -> dict:
        """The `files` table's columns, the mode as four octal digits."""
        return dict(zip(COLUMNS, self.values(), strict=True))

    def values(self) -> tuple:
        """The `files` table's columns in order (`row()` as a tuple)."""
        mode = f"{self.mode:04o}" if self.mode is not None else None
        return (
            self.path,
            self.size,
            mode,
            self.uid,
            self.gid,
            self.type,
            self.arch,
            self.sha256,
            self.entropy,
            self.link_target,
        )

    @property
    def name(self) -> str:
        return self.path.rpartition("/")[2]  # posixpath.basename's answer, without its calls

    def read(self, limit: int) -> bytes:
        """Up to `limit` bytes of a regular file, never following a link."""
        if self.disk is None or self.kind != "file":
            return b""
        try:
            fd = os.open(self.disk, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return b""
        with os.fdopen(fd, "rb") as handle:
            # read(limit) allocates `limit` bytes first (8-64 MB for every small file): ask for
            # what the file holds (one byte more tells a file that grew since it was listed)
            wanted = min(limit, self.size + 1) if self.size > 0 else limit
            return handle.read(wanted)[:limit]

    def text(self, limit: int) -> str:
        return self.read(limit).decode("utf-8", "replace")


def _normalise(name: str) -> str:
    name = posixpath.normpath(name.replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    return "" if name == "." else name


def walk(extraction: Extraction, mounts: dict[int, str]) -> Iterator[FileRecord]:
    """Every entry of every extracted layer, in a stable order, as the disk and the layer's
    metadata list it: nothing is read here (`workbench.firmware.filework.inspect` measures the
    regular files: hash, entropy, type)."""
    for layer in extraction.layers:
        directory = extraction.layer_dir(layer)
        if directory is None or not directory.is_dir():
            continue
        yield from _walk_layer(layer, directory, mounts[layer["id"]], extraction)


def walk_tree(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """os.walk's (folder, sorted subfolders, files) top-down without following links, but with a
    stack instead of recursion: a hostile tree of thousands of nested folders is walked whole."""
    stack = [top]
    while stack:
        folder = stack.pop()
        folders: list[str] = []
        files: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        (folders if entry.is_dir() else files).append(entry.name)
                    except OSError:
                        files.append(entry.name)
        except OSError:
            continue
        folders.sort()
        yield folder, folders, files
        for name in reversed(folders):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                stack.append(path)


def _walk_layer(layer: dict, directory: Path, mount: str, extraction: Extraction) -> Iterator[FileRecord]:
    meta = {_normalise(k): v for k, v in extraction.layer_metadata(layer).items()}
    seen: set[str] = set()
    top = str(directory)
    for dirpath, dirnames, filenames in walk_tree(top):
        inside = dirpath[len(top) + 1 :] if dirpath != top else ""
        for name in dirnames + sorted(filenames):
            disk = os.path.join(dirpath, name)
            rel = f"{inside}/{name}" if inside else name
            seen.add(rel)
            try:
                st = os.lstat(disk)
            except OSError:
                continue
            yield _record(join(mount, rel), disk, st, meta.get(rel), layer["id"])
    for rel, entry in sorted(meta.items()):  # listed, not on disk: only what is never created
        if rel not in seen and entry["kind"] in LISTED_ONLY and not climbs_out(rel):
            yield FileRecord(
                path=join(mount, rel),
                disk=None,
                kind=entry["kind"],
                size=entry.get("size") or 0,
                mode=entry.get("mode"),
                uid=entry.get("uid"),
                gid=entry.get("gid"),
                type=entry["kind"] if entry["kind"] != "file" else "data",
                link_target=entry.get("link_target"),
                layer=layer["id"],
            )


def _record(path: str, disk: str, st: os.stat_result, entry: dict | None, layer: int) -> FileRecord:
    kind = KIND_BY_MODE.get(stat.S_IFMT(st.st_mode), "file")
    record = FileRecord(
        path=path,
        disk=disk,
        kind=kind,
        size=st.st_size if kind == "file" else 0,
        mode=entry.get("mode") if entry else None,
        uid=entry.get("uid") if entry else None,
        gid=entry.get("gid") if entry else None,
        type=kind,
        layer=layer,
    )
    if kind == "symlink":
        try:
            record.link_target = (entry or {}).get("link_target") or os.readlink(disk)
        except OSError:
            record.link_target = None
    return record
