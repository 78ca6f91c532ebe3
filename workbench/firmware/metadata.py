"""Original ownership and permissions of archive members, read from the archive itself.

Extraction changes what the disk shows (unblob makes every file readable, non-root users
cannot set owners, device nodes are never created), so the inventory takes mode, owner and
link targets from these listings. Keys are member paths relative to the archive root.
"""

from __future__ import annotations

import contextlib
import re
import stat
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator
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
KIND_BY_TAR_TYPE = {
    tarfile.DIRTYPE: "directory",
    tarfile.SYMTYPE: "symlink",
    tarfile.CHRTYPE: "char_device",
    tarfile.BLKTYPE: "block_device",
    tarfile.FIFOTYPE: "fifo",
}  # any other member (regular, hard link, contiguous) is a file
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
        return dict(self.__dict__)  # not dataclasses.asdict: it deep-copies, 20x slower over a file system


def permissions_from_ls(text: str) -> int:
    """'-rwsr-x--T' -> 0o4750 | sticky... : the numeric permission bits of an ls-style string.
    An image holds few distinct strings: each is worked out once (22 us each time, 65,000 times
    in a listing of 65,000 entries)."""
    mode = _PERMISSIONS.get(text)
    if mode is None:
        if len(_PERMISSIONS) >= PERMISSIONS_KEPT:  # a hostile listing's every string unlike the last
            _PERMISSIONS.clear()
        mode = _PERMISSIONS[text] = _permissions(text)
    return mode


PERMISSIONS_KEPT = 4096
_PERMISSIONS: dict[str, int] = {}


def _permissions(text: str) -> int:
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
    """Parse `unsquashfs -lln` output (numeric owners); see `listing_entries`."""
    return listing_entries(text)[0]


def listing_entries(text: str) -> tuple[dict[str, Entry], list[str]]:
    """The entries of `unsquashfs -lln` output (numeric owners), and the paths left out.

    unsquashfs prints names raw, one entry a line ended by "\n": lines are cut there only (a
    name may hold "\r" or U+2028, where str.splitlines would cut a line of its own out of it).
    A name holding "\n" can still forge a whole line, the line of another path; a link's line
    `name -> target` reads as several paths when the name holds " -> " too. A path two lines
    may stand for is left out (its owner and mode unknown), never taken from either line: a
    forged line for a path that exists always claims it a second time. A squashfs holds each
    path once."""
    entries: dict[str, Entry] = {}
    claimed: set[str] = set()
    twice: set[str] = set()
    for line in text.split("\n"):
        match = _LS_LINE.match(line)
        if not match:
            continue
        kind = KIND_BY_LS[match["perm"][0]]
        path = (match["path"] or "/").lstrip("/")
        target = None
        claims = [path]
        if kind == "symlink" and " -> " in path:
            parts = path.split(" -> ")
            claims = [" -> ".join(parts[:cut]) for cut in range(1, len(parts))]
            path, target = parts[0], " -> ".join(parts[1:])
        for claim in claims:
            if claim in claimed:
                twice.add(claim)
            claimed.add(claim)
        size = match["size"]
        entries[path] = Entry(
            kind=kind,
            mode=permissions_from_ls(match["perm"]),
            uid=int(match["uid"]),
            gid=int(match["gid"]),
            size=int(size) if size.isdigit() else None,
            link_target=target,
        )
    for path in twice:
        entries.pop(path, None)
    return entries, sorted(twice)


def list_squashfs(path: Path, timeout: float = 600) -> dict[str, Entry]:
    return parse_unsquashfs_listing(squashfs_listing(path, timeout))


def squashfs_listing(path: Path, timeout: float = 600) -> str:
    """`unsquashfs -lln` of the image, as parse_unsquashfs_listing reads it."""
    proc = subprocess.run(
        ["unsquashfs", "-lln", str(path)], capture_output=True, timeout=timeout, check=False
    )
    return proc.stdout.decode("utf-8", "surrogateescape")


SPECIAL_LS = ("c", "b", "p", "s")  # the first letters of the special kinds in KIND_BY_LS


def may_list_special(text: str) -> bool:
    """Whether parse_unsquashfs_listing(text) may hold a device node, FIFO or socket: a line
    (as it cuts them) starting with one of their letters; False is certain, without the parse
    (a third of a second for 65,000 entries)."""
    return any(line.startswith(SPECIAL_LS) for line in text.split("\n"))


def _collected(members: Iterator[tuple[str, Entry]], errors: tuple[type[Exception], ...]) -> dict[str, Entry]:
    """member path -> Entry of what `members` yields; an archive that breaks off with one of
    `errors` keeps the entries read before the damage."""
    entries: dict[str, Entry] = {}
    with contextlib.suppress(*errors):
        for name, entry in members:
            entries[name] = entry
    return entries


def list_tar(path: Path) -> dict[str, Entry]:
    return _collected(_tar_members(path), (tarfile.TarError, OSError, EOFError, ValueError))


def _tar_members(path: Path) -> Iterator[tuple[str, Entry]]:
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            entry = Entry(
                kind=KIND_BY_TAR_TYPE.get(member.type, "file"),
                mode=member.mode & 0o7777,
                uid=member.uid,
                gid=member.gid,
                size=member.size if member.isfile() else None,
                link_target=member.linkname if member.issym() else None,
            )
            yield member.name.strip("/"), entry


def list_zip(path: Path) -> dict[str, Entry]:
    return _collected(_zip_members(path), (zipfile.BadZipFile, OSError, ValueError, NotImplementedError))


def _zip_members(path: Path) -> Iterator[tuple[str, Entry]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            unix_mode = info.external_attr >> 16 if info.create_system == 3 else 0
            kind = KIND_BY_MODE.get(stat.S_IFMT(unix_mode), "directory" if info.is_dir() else "file")
            entry = Entry(
                kind=kind,
                mode=(unix_mode & 0o7777) or None,
                uid=None,
                gid=None,
                size=info.file_size if kind == "file" else None,
            )
            yield info.filename.strip("/"), entry


def list_cpio(path: Path) -> dict[str, Entry]:
    """New ASCII (070701/070702) and old portable ASCII (070707) cpio archives."""
    return _collected(_cpio_members(path), (OSError, ValueError))


def _cpio_members(path: Path) -> Iterator[tuple[str, Entry]]:
    with open(path, "rb") as handle:
        while True:
            magic = handle.read(6)
            if magic in (b"070701", b"070702"):
                head = handle.read(104)
                if len(head) < 104:
                    return
                values = [int(head[i : i + 8], 16) for i in range(0, 104, 8)]
                mode, uid, gid, size, namesize = values[1], values[2], values[3], values[6], values[11]
                name = handle.read(namesize)
                handle.read((4 - (110 + namesize) % 4) % 4)
                data_pad = (4 - size % 4) % 4
            elif magic == b"070707":
                head = handle.read(70)
                if len(head) < 70:
                    return
                mode, uid, gid = int(head[12:18], 8), int(head[18:24], 8), int(head[24:30], 8)
                namesize, size = int(head[53:59], 8), int(head[59:70], 8)
                name = handle.read(namesize)
                data_pad = 0
            else:
                return
            text = name.rstrip(b"\0").decode("utf-8", "surrogateescape")
            if text == "TRAILER!!!":
                return
            kind = KIND_BY_MODE.get(stat.S_IFMT(mode), "file")
            target = None
            if kind == "symlink":
                target = handle.read(size).decode("utf-8", "surrogateescape")
                handle.read(data_pad)
            else:
                handle.seek(size + data_pad, 1)
            entry = Entry(
                kind=kind,
                mode=mode & 0o7777,
                uid=uid,
                gid=gid,
                size=size if kind == "file" else None,
                link_target=target,
            )
            while text.startswith("./"):  # not lstrip("./"): "../../x" is no "x", ".profile" no "profile"
                text = text[2:]
            yield text.strip("/") or ".", entry


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
