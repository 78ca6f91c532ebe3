"""Recognising container formats from their first bytes (cheap, no external tools).

Used to choose which files inside an extracted filesystem are worth unpacking further, to
explain regions unblob could not extract (a truncated squashfs), and by the fallback
extractor when unblob is unavailable.
"""

from __future__ import annotations

import struct

HEAD_SIZE = 1088  # enough for the ext2/3/4 magic at 1080

_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b\x08", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\x04\x22\x4d\x18", "lz4"),
    (b"\x89LZO\x00\r\n\x1a\n", "lzo"),
    (b"PK\x03\x04", "zip"),
    (b"7z\xbc\xaf\x27\x1c", "sevenzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"hsqs", "squashfs_v4_le"),
    (b"sqsh", "squashfs_be"),
    (b"\x45\x3d\xcd\x28", "cramfs"),
    (b"\x28\xcd\x3d\x45", "cramfs"),
    (b"UBI#", "ubi"),
    (b"\x27\x05\x19\x56", "uimage"),
    (b"HDR0", "trx"),
    (b"070701", "cpio"),
    (b"070702", "cpio"),
    (b"070707", "cpio"),
    (b"\xc7\x71", "cpio"),
    (b"-rom1fs-", "romfs"),
)
_JFFS2_NODES = {0xE001, 0xE002, 0x2003, 0x2004, 0x2006, 0xE008, 0xE009}
# _PREFIXES by their first byte, in their order: a head is tried only against those it can start
_BY_FIRST: dict[int, tuple[tuple[bytes, str], ...]] = {}
for _prefix, _name in _PREFIXES:
    _BY_FIRST[_prefix[0]] = (*_BY_FIRST.get(_prefix[0], ()), (_prefix, _name))


def sniff(head: bytes) -> str | None:
    """The container format these leading bytes announce, or None."""
    if head:
        for prefix, name in _BY_FIRST.get(head[0], ()):
            if head.startswith(prefix):
                return name
    if head[:3] == b"BZh" and head[3:4].isdigit():
        return "bzip2"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if len(head) >= 1082 and head[1080:1082] == b"\x53\xef":
        return "extfs"
    # a jffs2 node: the magic 0x1985 little- or big-endian (the node type read the same way)
    if len(head) >= 4 and head[:2] in (b"\x85\x19", b"\x19\x85"):
        magic, node = struct.unpack("<HH", head[:4])
        if magic == 0x1985 and node in _JFFS2_NODES:
            return "jffs2"
        magic, node = struct.unpack(">HH", head[:4])
        if magic == 0x1985 and node in _JFFS2_NODES:
            return "jffs2"
    if head[:1] == b"\x5d" and head[1:5] in (
        b"\x00\x00\x80\x00",
        b"\x00\x00\x00\x01",
        b"\x00\x00\x00\x02",
        b"\x00\x00\x00\x04",
        b"\x00\x00\x00\x08",
        b"\x00\x00\x20\x00",
        b"\x00\x00\x40\x00",
        b"\x00\x00\x10\x00",
    ):
        return "lzma"
    return None


def squashfs_declared_size(head: bytes) -> int | None:
    """bytes_used from a little-endian squashfs v4 superblock."""
    if len(head) < 48 or not head.startswith(b"hsqs"):
        return None
    major = struct.unpack_from("<H", head, 28)[0]
    if major != 4:
        return None
    return struct.unpack_from("<Q", head, 40)[0]


def explain_unknown(head: bytes, available: int) -> tuple[str, str] | None:
    """For a region nothing could extract: (format, why) when its header says what it was."""
    declared = squashfs_declared_size(head)
    if declared is not None and declared > available:
        return "squashfs_v4_le", (
            f"truncated squashfs: superblock declares {declared} bytes, only {available} present; "
            "its inode and directory tables (stored at the end) are missing"
        )
    kind = sniff(head)
    if kind == "uimage":
        return "uimage", "uImage magic with an invalid header"
    if kind is not None:
        return kind, f"{kind} header found, but the data could not be extracted (corrupt or truncated)"
    return None
