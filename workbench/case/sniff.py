"""Is this file what it claims to be? Magic numbers, read from the first bytes of the copy.

A capture must be pcap (either byte order, micro- or nanosecond) or pcapng, possibly gzip'd.
Anything else is refused with a name for what it looks like, so the inspector sees at once
that they picked the photo of the device instead of the capture.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

HEAD_BYTES = 64 * 1024

_PCAP_MAGICS = {
    b"\xa1\xb2\xc3\xd4": "pcap",  # microseconds, big-endian
    b"\xd4\xc3\xb2\xa1": "pcap",  # microseconds, little-endian
    b"\xa1\xb2\x3c\x4d": "pcap (nanosecond)",
    b"\x4d\x3c\xb2\xa1": "pcap (nanosecond)",
    b"\xa1\xb2\xcd\x34": "pcap (modified)",
    b"\x34\xcd\xb2\xa1": "pcap (modified)",
}
_PCAPNG_BLOCK = b"\x0a\x0d\x0d\x0a"
_PCAPNG_BYTE_ORDER = (b"\x1a\x2b\x3c\x4d", b"\x4d\x3c\x2b\x1a")

# (offset, magic, description) of what people add by mistake
_OTHER_MAGICS: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "a JPEG image"),
    (0, b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (0, b"GIF87a", "a GIF image"),
    (0, b"GIF89a", "a GIF image"),
    (0, b"%PDF-", "a PDF document"),
    (0, b"PK\x03\x04", "a ZIP archive"),
    (0, b"PK\x05\x06", "an empty ZIP archive"),
    (0, b"\x7fELF", "an ELF executable"),
    (0, b"\xfd7zXZ\x00", "an xz archive"),
    (0, b"BZh", "a bzip2 archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (0, b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (0, b"\x04\x22\x4d\x18", "an LZ4 archive"),
    (0, b"hsqs", "a squashfs file system"),
    (0, b"sqsh", "a squashfs file system"),
    (0, b"\x27\x05\x19\x56", "a U-Boot image"),
    (0, b"\xd0\x0d\xfe\xed", "a device tree / FIT image"),
    (0, b"RIFF", "a RIFF media file"),
    (4, b"ftyp", "an MP4/MOV video or HEIC image"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"),
    (257, b"ustar", "a tar archive"),
    (1080, b"\x53\xef", "an ext2/3/4 file system"),
)


def describe(head: bytes) -> str:
    """A short name for what the bytes look like ('a JPEG image', 'text', 'unrecognised data')."""
    if not head:
        return "an empty file"
    for offset, magic, name in _OTHER_MAGICS:
        if head[offset : offset + len(magic)] == magic:
            return name
    if head[:2] == b"\x1f\x8b":
        inner = gunzip_head(head)
        return f"gzip-compressed {describe(inner)}" if inner else "a gzip archive"
    if capture_format(head):
        return f"a {capture_format(head)} packet capture"
    sample = head[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        return "unrecognised binary data"
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in "{[":
        return "JSON text"
    if stripped[:5].lower() in ("<html", "<!doc") or stripped.startswith("<?xml"):
        return "an HTML/XML document"
    return "text"


def capture_format(head: bytes) -> str | None:
    """'pcap', 'pcap (nanosecond)', 'pcapng' for an uncompressed capture header, else None."""
    if head[:4] in _PCAP_MAGICS:
        return _PCAP_MAGICS[head[:4]]
    if head[:4] == _PCAPNG_BLOCK and head[8:12] in _PCAPNG_BYTE_ORDER:
        return "pcapng"
    return None


def gunzip_head(head: bytes, limit: int = 4096) -> bytes:
    """The first decompressed bytes of a gzip stream (bounded: a bomb cannot expand here)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, limit)
    except zlib.error:
        return b""


def capture_problem(head: bytes) -> str | None:
    """None if `head` starts a packet capture; else what it looks like instead."""
    fmt = capture_format(head)
    if fmt is None and head[:2] == b"\x1f\x8b":
        inner = gunzip_head(head)
        fmt = capture_format(inner)
        if fmt is None:
            what = f"gzip-compressed {describe(inner)}" if inner else "a damaged gzip file"
            return f"this looks like {what}, not a packet capture (pcap or pcapng)"
        head = inner
    if fmt is None:
        return f"this looks like {describe(head)}, not a packet capture (pcap or pcapng)"
    if fmt.startswith("pcap") and fmt != "pcapng" and len(head) < 24:
        return f"truncated {fmt} header ({len(head)} of 24 bytes)"
    return None


def vuln_feed_problem(head: bytes, copy: Path, original_name: str) -> str | None:
    """None for an OSV JSON file or a ZIP of OSV JSON files; else what is wrong."""
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(copy) as archive:
                names = [i.filename for i in archive.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, OSError) as exc:
            return f"damaged ZIP archive ({exc})"
        if not any(n.lower().endswith(".json") for n in names):
            return "ZIP archive without any .json file; expected OSV JSON records"
        return None
    if describe(head) == "JSON text":
        return None
    what = describe(head)
    suffix = Path(original_name).suffix.lower()
    hint = " (named .json)" if suffix == ".json" else ""
    return f"this looks like {what}{hint}, not an OSV vulnerability feed (.json or .zip of .json)"


def probe_results_problem(copy: Path) -> str | None:
    """Why a file is not the live probe's results (workbench.probe.results), or None."""
    import json

    from workbench.probe.results import MAX_RESULTS_BYTES, shape_problem

    try:
        if copy.stat().st_size > MAX_RESULTS_BYTES:
            return "probe results larger than 256 MiB"
        data = json.loads(copy.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return f"not a probe results file: {exc}"
    return shape_problem(data)
