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
SHB_TYPE = 0x0A0D0D0A  # the section header block's type, read in either byte order
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
    """pcapng packets rewritten as `NG_RECORD` records, a buffer per run of one link type; the
    blocks are walked in the source's buffer, each packet's bytes copied once (into the new one)."""

    def __init__(self, handle: BinaryIO, warnings: WarningLog, info: dict) -> None:
        super().__init__(handle, warnings)
        self.hdr = NG_RECORD
        self.unit = 0.0
        self.blocks = _PcapngBlocks(_Source(handle, warnings), warnings, info)
        self.ahead: tuple[int, bytes | memoryview, int, float] | None = None

    def refill(self, pos: int, number: int) -> bool:
        parts: list[bytes | memoryview] = []
        ahead, self.ahead = self.ahead, None
        link = ahead[0] if ahead is not None else None
        if ahead is not None:
            parts += (NG_RECORD.pack(ahead[3], 0, len(ahead[1]), ahead[2]), ahead[1])
        self.ahead = self.blocks.fill(parts, link)
        if not parts:
            return False
        if link is None:
            link = self.blocks.last_link
        self.buf, self.pos, self.link = b"".join(parts), 0, link
        return True


class _PcapngBlocks:
    """The walk over a pcapng file's blocks: interfaces and byte order followed, packets appended
    as `NG_RECORD` header + frame to a list until it holds a chunk, or a packet of another link
    type comes (given back, to start the next buffer)."""

    def __init__(self, src: _Source, warnings: WarningLog, info: dict) -> None:
        self.src = src
        self.warnings = warnings
        self.link_types: list[int] = info["link_types"]
        self.order = "<"
        self.interfaces: list[tuple[int, float, int]] = []  # (linktype, seconds a tick, offset)
        self.number = 0
        self.ended = False
        self.last_link: int | None = None

    def fill(
        self, parts: list[bytes | memoryview], link: int | None
    ) -> tuple[int, bytes | memoryview, int, float] | None:
        """Append packets of link type `link` (the first packet's, if None) to `parts`, as header
        and frame, until they hold a chunk; the packet of another link type that stopped it, as
        (link, frame, original length, time), or None."""
        src, warnings, pack, append = self.src, self.warnings, NG_RECORD.pack, parts.append
        size = sum(len(p) for p in parts)
        structs = _NG_STRUCTS[self.order]
        buf, view = src.buf, memoryview(src.buf)
        while size < CHUNK and not self.ended:
            pos = src.pos
            if len(buf) - pos < 12:
                if not src.need(12):
                    if src.remaining():
                        warnings.add(
                            "truncated-file", "file ends inside a pcapng block header", self.number + 1
                        )
                    self.ended = True
                    break
                buf, view, pos = src.buf, memoryview(src.buf), src.pos
            block_type, total = structs[0].unpack_from(buf, pos)
            if block_type == SHB_TYPE:  # the same in either byte order
                bom = buf[pos + 8 : pos + 12]
                if bom not in _BYTE_ORDERS:
                    warnings.add(
                        "corrupt-record", "pcapng section header with a bad byte-order magic", self.number + 1
                    )
                    self.ended = True
                    break
                self.order = _BYTE_ORDERS[bom]
                self.interfaces = []
                structs = _NG_STRUCTS[self.order]
                block_type, total = structs[0].unpack_from(buf, pos)
            if total < 12 or total % 4 or total > MAX_BLOCK:
                warnings.add(
                    "corrupt-record",
                    f"pcapng block of impossible length {total}; the rest of the file cannot be trusted",
                    self.number + 1,
                )
                self.ended = True
                break
            if len(buf) - pos < total:
                if not src.need(total):
                    warnings.add(
                        "truncated-file", "file ends inside a pcapng block (cut mid-record)", self.number + 1
                    )
                    self.ended = True
                    break
                buf, view, pos = src.buf, memoryview(src.buf), src.pos
            src.pos = pos + total
            body_end = pos + total - 4  # the body is buf[pos + 8 : body_end]
            if block_type == 6 and total >= 32:  # enhanced packet
                iface, high, low, caplen, origlen = structs[1].unpack_from(buf, pos + 8)
                start = pos + 28
                stop = start + caplen
                frame = view[start : stop if stop < body_end else body_end]
            elif block_type == 3 and total >= 16:  # simple packet
                (origlen,) = structs[2].unpack_from(buf, pos + 8)
                iface, high, low = 0, 0, 0
                frame = view[pos + 12 : min(pos + 12 + origlen, body_end)]
                caplen = len(frame)
            elif block_type == 2 and total >= 32:  # obsolete packet block
                iface, _, high, low, caplen, origlen = structs[3].unpack_from(buf, pos + 8)
                start = pos + 28
                stop = start + caplen
                frame = view[start : stop if stop < body_end else body_end]
            else:
                if block_type == 1:  # interface description
                    self.interfaces.append(_idb(buf[pos + 8 : body_end], self.order))
                    if self.interfaces[-1][0] not in self.link_types:
                        self.link_types.append(self.interfaces[-1][0])
                continue
            self.number += 1
            if iface >= len(self.interfaces):
                warnings.add("malformed-packet", "packet refers to an undeclared interface", self.number)
                packet_link, ts, frame, origlen = -1, 0.0, b"", 0
            else:
                if len(frame) < caplen:
                    warnings.add(
                        "malformed-packet",
                        "pcapng packet claims more bytes than its block holds",
                        self.number,
                    )
                packet_link, tick, offset = self.interfaces[iface]
                ts = ((high << 32) | low) * tick + offset
            captured = len(frame)
            if captured > MAX_RECORD:
                frame, captured = frame[:MAX_RECORD], MAX_RECORD
            if link is None:
                link = self.last_link = packet_link
            elif packet_link != link:
                return packet_link, frame, origlen, ts
            append(pack(ts, 0, captured, origlen))
            append(frame)
            size += captured + 20
        return None


_BYTE_ORDERS = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}
_NG_STRUCTS = {  # block type and length; enhanced, simple and obsolete packet block heads
    order: tuple(struct.Struct(order + f) for f in ("II", "IIIII", "I", "HHIIII")) for order in "<>"
}


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
