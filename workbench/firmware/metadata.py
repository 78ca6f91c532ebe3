"""Original ownership and permissions of archive members, read from the archive itself.

Extraction changes what the disk shows (unblob makes every file readable, non-root users
cannot set owners, device nodes are never created), so the inventory takes mode, owner and
link targets from these listings. Keys are member paths relative to the archive root.
"""

from __future__ import annotations

import re
import stat
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

KIND_BY_LS = {
    "-": "file",
    "d": "directory",
    "l": "symlink",
    "c": "char_device",
    "b": "block_device",
    "p": "fifo",
    "s": "socket",
}
KIND_BY_MODE = {
    stat.S_IFREG: "file",
    stat.S_IFDIR: "directory",
    stat.S_IFLNK: "symlink",
    stat.S_IFCHR: "char_device",
    stat.S_IFBLK: "block_device",
    stat.S_IFIFO: "fifo",
    stat.S_IFSOCK: "socket",
}
SPECIAL_KINDS = {"char_device", "block_device", "fifo", "socket"}


@dataclass
class Entry:
    kind: str
    mode: int | None  # permission bits incl. setuid/setgid/sticky
    uid: int | None
    gid: int | None
    size: int | None = None
    link_target: str | None = None

    def to_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies, 20x slower over a filesystem's entries
        return {
            "kind": self.kind,
            "mode": self.mode,
            "uid": self.uid,
            "gid": self.gid,
            "size": self.size,
            "link_target": self.link_target,
        }


def permissions_from_ls(text: str) -> int:
    """'-rwsr-x--T' -> 0o4750 | sticky... : the numeric permission bits of an ls-style string."""
    mode = 0
    for index, (char, bit) in enumerate(
        zip(text[1:10], (0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 4, 2, 1), strict=False)
    ):
        if char not in "-ST":
            mode |= bit
        if index == 2 and char in "sS":
            mode |= 0o4000
        if index == 5 and char in "sS":
            mode |= 0o2000
        if index == 8 and char in "tT":
            mode |= 0o1000
        if char in "ST":
            mode &= ~bit
    return mode


_LS_LINE = re.compile(
    r"^(?P<perm>[-dlcbps][-rwxsStT]{9}) +(?P<uid>\d+)/(?P<gid>\d+) +(?P<size>\d+|\d+, *\d+) +"
    r"\d{4}-\d\d-\d\d \d\d:\d\d squashfs-root(?P<path>/.*)?$"
)


def parse_unsquashfs_listing(text: str) -> dict[str, Entry]:
    """Parse `unsquashfs -lln` output (numeric owners)."""
    entries: dict[str, Entry] = {}
    for line in text.splitlines():
        match = _LS_LINE.match(line)
        if not match:
            continue
        kind = KIND_BY_LS[match["perm"][0]]
        path = (match["path"] or "/").lstrip("/")
        target = None
        if kind == "symlink" and " -> " in path:
            path, target = path.split(" -> ", 1)
        size = match["size"]
        entries[path] = Entry(
            kind=kind,
            mode=permissions_from_ls(match["perm"]),
            uid=int(match["uid"]),
            gid=int(match["gid"]),
            size=int(size) if size.isdigit() else None,
            link_target=target,
        )
    return entries


def list_squashfs(path: Path, timeout: float = 600) -> dict[str, Entry]:
    proc = subprocess.run(
        ["unsquashfs", "-lln", str(path)], capture_output=True, timeout=timeout, check=False
    )
    return parse_unsquashfs_listing(proc.stdout.decode("utf-8", "surrogateescape"))


def list_tar(path: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                kind = (
                    "directory"
                    if member.isdir()
                    else "symlink"
                    if member.issym()
                    else "char_device"
                    if member.ischr()
                    else "block_device"
                    if member.isblk()
                    else "fifo"
                    if member.isfifo()
                    else "file"
                )
                entries[member.name.strip("/")] = Entry(
                    kind=kind,
                    mode=member.mode & 0o7777,
                    uid=member.uid,
                    gid=member.gid,
                    size=member.size if member.isfile() else None,
                    link_target=member.linkname if member.issym() else None,
                )
    except (tarfile.TarError, OSError, EOFError, ValueError):
        pass
    return entries


def list_zip(path: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
                kind = KIND_BY_MODE.get(stat.S_IFMT(unix_mode), "directory" if info.is_dir() else "file")
                entries[info.filename.strip("/")] = Entry(
                    kind=kind,
                    mode=(unix_mode & 0o7777) or None,
                    uid=None,
                    gid=None,
                    size=info.file_size if kind == "file" else None,
                )
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        pass
    return entries


def list_cpio(path: Path) -> dict[str, Entry]:
    """New ASCII (070701/070702) and old portable ASCII (070707) cpio archives."""
    entries: dict[str, Entry] = {}
    try:
        with open(path, "rb") as handle:
            while True:
                magic = handle.read(6)
                if magic in (b"070701", b"070702"):
                    head = handle.read(104)
                    if len(head) < 104:
                        break
                    values = [int(head[i : i + 8], 16) for i in range(0, 104, 8)]
                    mode, uid, gid, size, namesize = values[1], values[2], values[3], values[6], values[11]
                    name = handle.read(namesize)
                    handle.read((4 - (110 + namesize) % 4) % 4)
                    data_pad = (4 - size % 4) % 4
                elif magic == b"070707":
                    head = handle.read(70)
                    if len(head) < 70:
                        break
                    mode, uid, gid = int(head[12:18], 8), int(head[18:24], 8), int(head[24:30], 8)
                    namesize, size = int(head[53:59], 8), int(head[59:70], 8)
                    name = handle.read(namesize)
                    data_pad = 0
                else:
                    break
                text = name.rstrip(b"\0").decode("utf-8", "surrogateescape")
                if text == "TRAILER!!!":
                    break
                kind = KIND_BY_MODE.get(stat.S_IFMT(mode), "file")
                target = None
                if kind == "symlink":
                    target = handle.read(size).decode("utf-8", "surrogateescape")
                    handle.read(data_pad)
                else:
                    handle.seek(size + data_pad, 1)
                entries[text.lstrip("./").strip("/") or "."] = Entry(
                    kind=kind,
                    mode=mode & 0o7777,
                    uid=uid,
                    gid=gid,
                    size=size if kind == "file" else None,
                    link_target=target,
                )
    except (OSError, ValueError):
        pass
    return entries


LISTERS = {
    "tar": list_tar,
    "zip": list_zip,
    "cpio": list_cpio,
}


def lister_for(handler_name: str):
    """The listing function for an unblob handler name, if there is one."""
    if handler_name.startswith("squashfs_v4"):
        return list_squashfs
    for prefix, lister in LISTERS.items():
        if handler_name.startswith(prefix):
            return lister
    return None
