"""The file inventory of an extraction: one record per file, directory, link or special
file, with mode and owner from the archive's own metadata where it was recorded."""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from workbench.firmware.entropy import Counter
from workbench.firmware.extract import Extraction
from workbench.firmware.filetype import classify
from workbench.firmware.layout import join
from workbench.firmware.metadata import KIND_BY_MODE
from workbench.firmware.schema import TABLES

FILES = TABLES["files"]

READ_BLOCK = 1 << 20
HEAD = 4096
HASH_THREADS = 2
BATCH = 256


@dataclass(slots=True)
class FileRecord:
    path: str  # image path, starting with /
    disk: Path | None  # where the extracted copy is; None for entries listed but not created
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
        row = {column: getattr(self, column) for column in FILES.names}
        row["mode"] = f"{self.mode:04o}" if self.mode is not None else None
        return row

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
        return posixpath.basename(self.path)

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


def _hash_and_entropy(path: Path) -> tuple[str, float, bytes]:
    digest = hashlib.sha256()
    counter = Counter()
    head = b""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        while chunk := handle.read(READ_BLOCK):
            if not head:
                head = chunk[:HEAD]
            digest.update(chunk)
            counter.update(chunk)
    return digest.hexdigest(), round(counter.entropy(), 4), head


def walk(extraction: Extraction, mounts: dict[int, str]) -> Iterator[FileRecord]:
    """Every entry of every extracted layer, in a stable order. Files are hashed by two
    threads (reading and SHA-256 release the GIL), a batch of entries at a time."""
    with ThreadPoolExecutor(max_workers=HASH_THREADS, thread_name_prefix="inventory") as pool:
        for layer in extraction.layers:
            directory = extraction.layer_dir(layer)
            if directory is None or not directory.is_dir():
                continue
            yield from _walk_layer(layer, directory, mounts[layer["id"]], extraction, pool)


def _walk_layer(
    layer: dict, directory: Path, mount: str, extraction: Extraction, pool: ThreadPoolExecutor
) -> Iterator[FileRecord]:
    meta = {_normalise(k): v for k, v in extraction.layer_metadata(layer).items()}
    seen: set[str] = set()
    batch: list[tuple[str, Path, os.stat_result, dict | None, int]] = []
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames) + sorted(filenames):
            disk = base / name
            rel = disk.relative_to(directory).as_posix()
            seen.add(rel)
            try:
                st = disk.lstat()
            except OSError:
                continue
            batch.append((join(mount, rel), disk, st, meta.get(rel), layer["id"]))
            if len(batch) >= BATCH:
                yield from pool.map(_record_of, batch)
                batch = []
    yield from pool.map(_record_of, batch)
    for rel, entry in sorted(meta.items()):
        if rel and rel not in seen:
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


def _record_of(item: tuple[str, Path, os.stat_result, dict | None, int]) -> FileRecord:
    return _record(*item)


def _record(path: str, disk: Path, st: os.stat_result, entry: dict | None, layer: int) -> FileRecord:
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
        record.link_target = (entry or {}).get("link_target") or os.readlink(disk)
    elif kind == "file":
        try:
            record.sha256, record.entropy, head = _hash_and_entropy(disk)
        except OSError:
            head = b""
        record.type, record.arch = classify(path, head, st.st_size)
    return record
