"""Does a transfer look like firmware or a software update? Path, content type, size and magic bytes."""

from __future__ import annotations

import re

FIRMWARE_EXTENSIONS = (
    ".bin",
    ".img",
    ".fw",
    ".trx",
    ".chk",
    ".ubi",
    ".tar",
    ".pkg",
    ".swu",
    ".zip",
    ".gz",
    ".tgz",
    ".hex",
    ".dfu",
    ".ipk",
    ".deb",
    ".rpm",
    ".apk",
    ".ota",
    ".upd",
    ".rom",
    ".squashfs",
    ".itb",
    ".xz",
    ".lzma",
    ".7z",
)
BINARY_TYPES = (
    "application/octet-stream",
    "application/x-binary",
    "application/x-firmware",
    "application/zip",
    "application/gzip",
    "application/x-gzip",
    "application/x-tar",
    "application/vnd.android.package-archive",
    "binary/octet-stream",
)
UPDATE_WORDS = re.compile(r"firmware|fw|update|upgrade|ota|image|flash|release", re.I)

# (magic at offset 0, name, firmware-specific?)
MAGICS = (
    (b"\x27\x05\x19\x56", "uImage", True),
    (b"\xd0\x0d\xfe\xed", "FIT/device tree", True),
    (b"hsqs", "squashfs (LE)", True),
    (b"sqsh", "squashfs (BE)", True),
    (b"HDR0", "TRX", True),
    (b"UBI#", "UBI", True),
    (b"\x85\x19\x03\x20", "JFFS2", True),
    (b"\x19\x85\x20\x03", "JFFS2 (BE)", True),
    (b"-rom1fs-", "romfs", True),
    (b"\x45\x3d\xcd\x28", "cramfs", True),
    (b"ANDROID!", "Android boot image", True),
    (b"\x7fELF", "ELF", False),
    (b"\x1f\x8b", "gzip", False),
    (b"PK\x03\x04", "zip", False),
    (b"\xfd7zXZ\x00", "xz", False),
    (b"BZh", "bzip2", False),
    (b"7z\xbc\xaf\x27\x1c", "7z", False),
    (b"\x5d\x00\x00", "lzma", False),
    (b"\x28\xb5\x2f\xfd", "zstd", False),
    (b"\x89LZO", "lzo", False),
    (b"!<arch>", "ar (deb/ipk)", False),
)

_ANY_MAGIC = tuple(sig for sig, _, _ in MAGICS)


def magic(body: bytes) -> tuple[str | None, bool]:
    """(name of the format, firmware-specific) from the first bytes of a body."""
    if not body.startswith(_ANY_MAGIC):
        return ("tar", False) if len(body) > 262 and body[257:262] == b"ustar" else (None, False)
    for sig, name, firmware in MAGICS:
        if body.startswith(sig):
            return name, firmware
    if len(body) > 262 and body[257:262] == b"ustar":
        return "tar", False
    return None, False


def judge(path: str | None, content_type: str | None, body: bytes) -> tuple[bool, bool, str, str | None]:
    """(is a file transfer worth listing, looks like firmware, reason, magic name)."""
    reasons = []
    clean_path = (path or "").split("?", 1)[0].lower()
    ext = None
    if clean_path.endswith(FIRMWARE_EXTENSIONS):
        ext = next(e for e in FIRMWARE_EXTENSIONS if clean_path.endswith(e))
    ctype = (content_type or "").split(";", 1)[0].strip().lower()
    name, firmware_magic = magic(body)
    if ext:
        reasons.append(f"path ends with {ext}")
    if ctype in BINARY_TYPES:
        reasons.append(f"content type {ctype}")
    if name:
        reasons.append(f"body starts with {name} magic")
    listed = bool(reasons)
    words = bool(UPDATE_WORDS.search(clean_path))
    if words:
        reasons.append("path names an update")
    firmware = firmware_magic or (
        listed
        and (
            words
            or ext in (".bin", ".img", ".fw", ".trx", ".chk", ".ubi", ".swu", ".pkg", ".ota", ".upd", ".itb")
        )
    )
    return listed, bool(firmware), "; ".join(reasons), name
