"""Streaming reader of pcap and pcapng files (optionally gzip-compressed).

`open_records` returns a `Records` source: a buffer of whole packet records, each a header
(`hdr`: seconds, fraction of a second in `unit`s, captured length, original length) followed by
the frame, which the engine's loop walks in place (no per-packet copy or generator hop) and
refills when it reaches the end. A pcap file is read as it is, in 4 MiB chunks; pcapng blocks
are rewritten into that layout, one buffer per run of packets of the same link type.

Problems of the file (cut mid-record, impossible lengths) go to the warning log and end the
records; they never raise. A file that is not a capture at all raises `EvidenceError`.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from workbench.capture.warnings import WarningLog
from workbench.errors import EvidenceError

CHUNK = 1 << 21  # 2 MiB reads
MAX_RECORD = 1 << 18  # 256 KiB: no link type has larger frames; beyond that the file is corrupt
MAX_BLOCK = 1 << 24  # pcapng blocks (e.g. name resolution) may be larger than packets, not this large

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"
NG_RECORD = struct.Struct("<dIII")  # pcapng packets rewritten: time, 0, captured length, original length

Record = tuple[int, float, int, bytes, int]


class _Source:
    """A buffered byte source with `need(n)` refills; tolerant of gzip streams cut short."""

    def __init__(self, handle: BinaryIO, warnings: WarningLog) -> None:
        self.handle = handle
        self.warnings = warnings
        self.buf = b""
        self.pos = 0
        self.eof = False

    def need(self, n: int) -> bool:
        """Make sure n bytes are available from pos; False at end of data."""
        while len(self.buf) - self.pos < n:
            if self.eof:
                return False
            try:
                chunk = self.handle.read(max(CHUNK, n))
            except (EOFError, OSError, zlib.error) as exc:  # gzip cut short or corrupt
                self.warnings.add("truncated-file", f"compressed stream ends early or is corrupt: {exc}")
                chunk = b""
            if not chunk:
                self.eof = True
                continue
            self.buf = self.buf[self.pos :] + chunk
            self.pos = 0
        return True

    def remaining(self) -> int:
        return len(self.buf) - self.pos


class Records:
    """Whole records in `buf` from `pos`; `refill(pos, number)` moves on (False at the end)."""

    hdr: struct.Struct
    unit: float

    def __init__(self, handle: BinaryIO, warnings: WarningLog) -> None:
        self.handle = handle
        self.warnings = warnings
        self.buf = b""
        self.pos = 0
        self.link = -1

    @property
    def hsize(self) -> int:
        return self.hdr.size

    def refill(self, pos: int, number: int) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        self.buf = b""
        self.handle.close()


class PcapRecords(Records):
    def __init__(self, handle: BinaryIO, warnings: WarningLog, info: dict) -> None:
        super().__init__(handle, warnings)
        self.src = _Source(handle, warnings)
        self.hdr = struct.Struct("<IIII")
        self.unit = 1e-6
        self.ended = False
        if not self.src.need(24):
            warnings.add("truncated-file", "pcap global header is incomplete")
            self.ended = True
            return
        order, self.unit = PCAP_MAGICS[self.src.buf[0:4]]
        network = struct.unpack_from(order + "I", self.src.buf, 20)[0]
        self.link = network & 0x0FFFFFFF
        info["link_types"] = [self.link]
        self.hdr = struct.Struct(order + "IIII")
        self.buf, self.pos = self.src.buf, 24

    def refill(self, pos: int, number: int) -> bool:
        if self.ended:
            return False
        src = self.src
        src.pos = pos
        need = 16
        if src.remaining() >= 16:
            need += self.hdr.unpack_from(src.buf, pos)[2]
        if not src.need(need):
            self.ended = True
            left = src.remaining()
            if left and left < 16:
                self.warnings.add(
                    "truncated-file", "file ends inside a packet record header (cut mid-record)", number + 1
                )
            elif left:
                self.warnings.add(
                    "truncated-file", f"file ends inside packet {number + 1} (cut mid-record)", number + 1
                )
            return False
        self.buf, self.pos = src.buf, src.pos
        return True


class PcapngRecords(Records):
    """pcapng packets rewritten as `NG_RECORD` records, a buffer per run of one link type."""

    def __init__(self, handle: BinaryIO, warnings: WarningLog, info: dict) -> None:
        super().__init__(handle, warnings)
        self.hdr = NG_RECORD
        self.unit = 0.0
        self.packets = _pcapng(_Source(handle, warnings), warnings, info)
        self.ahead: Record | None = None

    def refill(self, pos: int, number: int) -> bool:
        parts: list[bytes] = []
        size = 0
        pack = NG_RECORD.pack
        link = None
        while size < CHUNK:
            record = self.ahead or next(self.packets, None)
            self.ahead = None
            if record is None:
                break
            _, ts, linktype, data, origlen = record
            if link is None:
                link = linktype
            elif linktype != link:
                self.ahead = record
                break
            if len(data) > MAX_RECORD:
                data = data[:MAX_RECORD]
            parts.append(pack(ts, 0, len(data), origlen))
            parts.append(data)
            size += len(data) + 20
        if not parts:
            return False
        self.buf, self.pos, self.link = b"".join(parts), 0, link
        return True


def open_capture(path: str | Path) -> tuple[BinaryIO, bytes]:
    """Open the file (gunzipping if needed) and return the handle and its first four bytes."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the caller, closed by Records.close
    head = raw.read(4)
    raw.seek(0)
    if head[:2] == GZIP_MAGIC:
        handle: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        try:
            head = handle.read(4)
        except (OSError, EOFError, zlib.error) as exc:
            raw.close()
            raise EvidenceError(f"gzip file cannot be decompressed ({exc})", path=str(path)) from None
        handle.seek(0)
        return handle, head
    return raw, head


def detect_format(head: bytes, path: str | Path) -> str:
    if head in PCAP_MAGICS:
        return "pcap"
    if head == PCAPNG_SHB:
        return "pcapng"
    if not head:
        raise EvidenceError("not a packet capture: the file is empty", path=str(path))
    raise EvidenceError(
        f"not a packet capture: no pcap or pcapng signature (starts with {head.hex()})", path=str(path)
    )


def open_records(path: str | Path, warnings: WarningLog, info: dict) -> Records:
    """The records of a capture; fills info['file_format'] and info['link_types']."""
    handle, head = open_capture(path)
    try:
        fmt = detect_format(head, path)
        info["file_format"] = fmt + (".gz" if isinstance(handle, gzip.GzipFile) else "")
        info.setdefault("link_types", [])
        if fmt == "pcap":
            return PcapRecords(handle, warnings, info)
        return PcapngRecords(handle, warnings, info)
    except BaseException:
        handle.close()
        raise


def iter_records(path: str | Path, warnings: WarningLog, info: dict) -> Iterator[Record]:
    """`(number, ts, linktype, frame, orig_len)` per packet: the slow, simple walk (tools, tests)."""
    records = open_records(path, warnings, info)
    hdr, hsize, number = records.hdr, records.hsize, 0
    try:
        while True:
            buf, pos, unit, link = records.buf, records.pos, records.unit, records.link
            while pos + hsize <= len(buf):
                sec, frac, caplen, origlen = hdr.unpack_from(buf, pos)
                if caplen > MAX_RECORD:
                    warnings.add(
                        "corrupt-record",
                        f"record claims {caplen} captured bytes; the rest of the file cannot be trusted",
                        number + 1,
                    )
                    return
                end = pos + hsize + caplen
                if end > len(buf):
                    break
                number += 1
                yield number, sec + frac * unit, link, buf[pos + hsize : end], origlen
                pos = end
            if not records.refill(pos, number):
                return
    finally:
        records.close()


def _pcapng(src: _Source, warnings: WarningLog, info: dict) -> Iterator[Record]:
    order = "<"
    interfaces: list[tuple[int, float, int]] = []  # (linktype, seconds per tick, offset seconds)
    link_types: list[int] = info["link_types"]
    number = 0
    while True:
        if not src.need(12):
            if src.remaining():
                warnings.add("truncated-file", "file ends inside a pcapng block header", number + 1)
            return
        buf, pos = src.buf, src.pos
        btype = buf[pos : pos + 4]
        if btype == PCAPNG_SHB:
            bom = buf[pos + 8 : pos + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            else:
                warnings.add(
                    "corrupt-record", "pcapng section header with a bad byte-order magic", number + 1
                )
                return
            interfaces = []
        (block_type, total) = struct.unpack_from(order + "II", buf, pos)
        if total < 12 or total % 4 or total > MAX_BLOCK:
            warnings.add(
                "corrupt-record",
                f"pcapng block of impossible length {total}; the rest of the file cannot be trusted",
                number + 1,
            )
            return
        if not src.need(total):
            warnings.add("truncated-file", "file ends inside a pcapng block (cut mid-record)", number + 1)
            return
        buf, pos = src.buf, src.pos
        body = buf[pos + 8 : pos + total - 4]
        src.pos = pos + total
        if block_type == 1:  # interface description
            interfaces.append(_idb(body, order))
            if interfaces[-1][0] not in link_types:
                link_types.append(interfaces[-1][0])
            continue
        if block_type == 6 and len(body) >= 20:  # enhanced packet
            iface, high, low, caplen, origlen = struct.unpack_from(order + "IIIII", body, 0)
            data = body[20 : 20 + caplen]
        elif block_type == 3 and len(body) >= 4:  # simple packet
            (origlen,) = struct.unpack_from(order + "I", body, 0)
            iface, high, low = 0, 0, 0
            data = body[4 : 4 + origlen]
            caplen = len(data)
        elif block_type == 2 and len(body) >= 20:  # obsolete packet block
            iface, _, high, low, caplen, origlen = struct.unpack_from(order + "HHIIII", body, 0)
            data = body[20 : 20 + caplen]
        else:
            continue
        number += 1
        if iface >= len(interfaces):
            warnings.add("malformed-packet", "packet refers to an undeclared interface", number)
            yield number, 0.0, -1, b"", 0
            continue
        if len(data) < caplen:
            warnings.add("malformed-packet", "pcapng packet claims more bytes than its block holds", number)
        linktype, tick, offset = interfaces[iface]
        yield number, ((high << 32) | low) * tick + offset, linktype, data, origlen


def _idb(body: bytes, order: str) -> tuple[int, float, int]:
    if len(body) < 8:
        return (-1, 1e-6, 0)
    (linktype,) = struct.unpack_from(order + "H", body, 0)
    tick, offset = 1e-6, 0
    pos = 8
    while pos + 4 <= len(body):
        code, length = struct.unpack_from(order + "HH", body, pos)
        value = body[pos + 4 : pos + 4 + length]
        if code == 0:
            break
        if code == 9 and length >= 1:  # if_tsresol
            res = value[0]
            tick = 2.0 ** -(res & 0x7F) if res & 0x80 else 10.0**-res
        elif code == 14 and length >= 8:  # if_tsoffset
            (offset,) = struct.unpack_from(order + "q", value, 0)
        pos += 4 + ((length + 3) & ~3)
    return (linktype, tick, offset)
