"""The file inventory of an extraction: one record per file, directory, link or special
file, with mode and owner from the archive's own metadata where it was recorded."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from stat import S_IFMT, S_ISLNK

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

    def __reduce__(self) -> tuple:
        """Pickled as its fields in order (a file worker gets one per entry of the image): 2.5x
        quicker than the default, which pickles each record's slots as a dict."""
        return (FileRecord, _FIELDS(self))

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


_FIELDS = attrgetter(*(field.name for field in fields(FileRecord)))  # a record's fields in order, as a tuple


def _normalise(name: str) -> str:
    name = posixpath.normpath(name.replace("\\", "/"))
    while name.startswith("./"):
        name = name[2:]
    name = name.lstrip("/")
    return "" if name == "." else name


def _normalised(listing: dict[str, dict]) -> dict[str, dict]:
    """A layer's metadata keyed by `_normalise`d names (a later name normalised alike wins, as in a
    dict built in the listing's order). A name holding no backslash, no `//`, no segment that
    starts with a dot, and no slash at either end is its own normal form, and so is many a name
    that does (a hidden file's): when every name is, the listing is its own answer."""
    for name in listing:
        if (
            "/." in name or "//" in name or "\\" in name or name.startswith((".", "/")) or name.endswith("/")
        ) and _normalise(name) != name:
            return {_normalise(k): v for k, v in listing.items()}
    return listing


def walk(extraction: Extraction, mounts: dict[int, str]) -> Iterator[FileRecord]:
    """Every entry of every extracted layer, in a stable order, as the disk and the layer's
    metadata list it: nothing is read here (`workbench.firmware.filework.inspect` measures the
    regular files: hash, entropy, type)."""
    for layer in extraction.layers:
        directory = extraction.layer_dir(layer)
        if directory is None or not directory.is_dir():
            continue
        yield from _walk_layer(layer, str(directory), mounts[layer["id"]], extraction)


def _walk_layer(layer: dict, top: str, mount: str, extraction: Extraction) -> Iterator[FileRecord]:
    """The layer's folder top-down: each folder's subfolders (a link to a folder among them, as
    os.walk lists it) by name, then its other entries by name, then its subfolders' in turn, with
    a stack instead of recursion (a hostile tree of thousands of nested folders is walked whole)
    and links never followed; then the entries its metadata lists that are never created."""
    meta = _normalised(extraction.layer_metadata(layer))
    layer_id = layer["id"]
    base = mount.rstrip("/") + "/"  # layout.join(mount, rel) for a rel neither empty nor from /
    seen: set[str] = set()
    stack = [(top, "")]
    while stack:
        folder, prefix = stack.pop()
        records = _folder(folder, prefix, base, meta, layer_id, seen, stack)
        if records:
            yield from records
    missing = [rel for rel, found in meta.items() if rel not in seen and found["kind"] in LISTED_ONLY]
    for rel in sorted(missing):  # listed, not on disk: only what is never created
        if climbs_out(rel):
            continue
        entry = meta[rel]
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
            layer=layer_id,
        )


# A folder whose path is shorter than this is opened once and its entries looked up relative to
# it (fstatat: its path is not resolved again for each entry). Such
# an entry's path is shorter than PATH_MAX (4,096 bytes with its NUL; a character is at most 4
# bytes, a name at most 255), so os.lstat of its path could not have failed where fstatat did
# not. A longer folder is listed by its path and its entries looked up by theirs, as os.walk and
# os.lstat do: one whose path reaches PATH_MAX is left out as they leave it.
_BY_DESCRIPTOR = (4096 - 1 - 255 - 1) // 4
_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_by_name = attrgetter("name")


def _folder(
    folder: str, prefix: str, base: str, meta: dict, layer: int, seen: set[str], stack: list
) -> list[FileRecord] | None:
    """The records of one folder's entries, its subfolders first, each group by name; each entry
    looked up once, never following a link. Its subfolders that are not links go on the stack, the
    first by name on top. None when the folder cannot be listed (nothing of it is walked)."""
    fd = -1
    try:
        if len(folder) < _BY_DESCRIPTOR:
            fd = os.open(folder, _OPEN_FOLDER)  # follows a link as os.scandir(folder) does
        return _entries(fd, folder, prefix, base, meta, layer, seen, stack)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def _entries(
    fd: int, folder: str, prefix: str, base: str, meta: dict, layer: int, seen: set[str], stack: list
) -> list[FileRecord]:
    folders: list = []
    others: list = []
    with os.scandir(fd if fd >= 0 else folder) as listing:
        for entry in listing:
            try:  # DirEntry knows a folder (and a link) from the listing; a link is looked up
                (folders if entry.is_dir() else others).append(entry)
            except OSError:
                others.append(entry)
    folders.sort(key=_by_name)
    others.sort(key=_by_name)
    get = meta.get
    add = seen.add
    into = folder + "/"  # os.path.join(folder, name): folder never ends with a slash
    records = []
    below = []
    for entry in folders:
        name = entry.name
        rel = prefix + name
        add(rel)
        try:
            st = entry.stat(follow_symlinks=False)  # fstatat(fd, name) or lstat(folder/name)
        except OSError:
            below.append((into + name, rel + "/"))  # not known to be a link: tried, as os.walk would
            continue
        if S_ISLNK(st.st_mode):
            records.append(_link(base + rel, into + name, get(rel), layer))
        else:
            below.append((into + name, rel + "/"))
            records.append(_entry(base + rel, into + name, st, get(rel), layer))
    for entry in others:
        name = entry.name
        rel = prefix + name
        add(rel)
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if S_ISLNK(st.st_mode):
            records.append(_link(base + rel, into + name, get(rel), layer))
        else:
            records.append(_entry(base + rel, into + name, st, get(rel), layer))
    below.reverse()
    stack.extend(below)
    return records


def _entry(path: str, disk: str, st: os.stat_result, found: dict | None, layer: int) -> FileRecord:
    """A record of what is not a link: its kind and size from the disk, mode and owner from the
    metadata (the fields given by position: cheaper than by keyword)."""
    kind = KIND_BY_MODE.get(S_IFMT(st.st_mode), "file")
    size = st.st_size if kind == "file" else 0
    if found:
        mode, uid, gid = found.get("mode"), found.get("uid"), found.get("gid")
        return FileRecord(path, disk, kind, size, mode, uid, gid, kind, None, None, None, None, layer)
    return FileRecord(path, disk, kind, size, None, None, None, kind, None, None, None, None, layer)


def _link(path: str, disk: str, found: dict | None, layer: int) -> FileRecord:
    """A symbolic link's record: its target as the metadata lists it, else as the disk holds it."""
    try:
        target = (found or {}).get("link_target") or os.readlink(disk)
    except OSError:
        target = None
    if found:
        mode, uid, gid = found.get("mode"), found.get("uid"), found.get("gid")
    else:
        mode = uid = gid = None
    return FileRecord(path, disk, "symlink", 0, mode, uid, gid, "symlink", None, None, None, target, layer)
