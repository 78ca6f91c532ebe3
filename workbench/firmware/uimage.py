"""The legacy U-Boot image header (uImage): 64 bytes, big-endian, magic 0x27051956.

unblob has no handler for it, so it is parsed here: name, architecture, OS, image type,
compression, and both CRC-32s (header with its CRC field zeroed, and payload) checked.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = 0x27051956
HEADER_SIZE = 64
_HEADER = struct.Struct(">IIIIIIIBBBB32s")

# Numbers from U-Boot's include/image.h.
OS_NAMES = {
    1: "OpenBSD",
    2: "NetBSD",
    3: "FreeBSD",
    4: "4.4BSD",
    5: "Linux",
    6: "SVR4",
    7: "Esix",
    8: "Solaris",
    9: "Irix",
    10: "SCO",
    11: "Dell",
    12: "NCR",
    13: "LynxOS",
    14: "VxWorks",
    15: "pSOS",
    16: "QNX",
    17: "U-Boot",
    18: "RTEMS",
    19: "ARTOS",
    20: "Unity",
    21: "INTEGRITY",
    22: "OSE",
    23: "Plan 9",
    24: "OpenRTOS",
    25: "ARM Trusted Firmware",
    26: "TEE",
    27: "OpenSBI",
    28: "EFI",
}
ARCH_NAMES = {
    1: "Alpha",
    2: "ARM",
    3: "x86",
    4: "IA64",
    5: "MIPS",
    6: "MIPS64",
    7: "PowerPC",
    8: "S390",
    9: "SuperH",
    10: "SPARC",
    11: "SPARC64",
    12: "M68K",
    13: "NIOS",
    14: "MicroBlaze",
    15: "NIOS-II",
    16: "Blackfin",
    17: "AVR32",
    18: "ST200",
    19: "Sandbox",
    20: "NDS32",
    21: "OpenRISC",
    22: "AArch64",
    23: "ARC",
    24: "x86_64",
    25: "Xtensa",
    26: "RISC-V",
}
TYPE_NAMES = {
    1: "standalone",
    2: "kernel",
    3: "ramdisk",
    4: "multi",
    5: "firmware",
    6: "script",
    7: "filesystem",
    8: "flat_dt",
    9: "kwbimage",
    10: "imximage",
    11: "ublimage",
    12: "omapimage",
    13: "aisimage",
    14: "kernel_noload",
    15: "pblimage",
    16: "mxsimage",
    17: "gpimage",
    18: "atmelimage",
    19: "socfpgaimage",
    20: "x86_setup",
    21: "lpc32xximage",
    22: "loadable",
    23: "rkimage",
    24: "rksd",
    25: "rkspi",
    26: "zynqimage",
    27: "zynqmpimage",
    28: "zynqmpbif",
    29: "fpga",
    30: "vybridimage",
    31: "tee",
    32: "firmware_ivt",
    33: "pmmc",
    34: "stm32image",
}
COMPRESSION_NAMES = {0: "none", 1: "gzip", 2: "bzip2", 3: "lzma", 4: "lzo", 5: "lz4", 6: "zstd"}
COMPRESSION_SUFFIX = {
    "none": ".bin",
    "gzip": ".gz",
    "bzip2": ".bz2",
    "lzma": ".lzma",
    "lzo": ".lzo",
    "lz4": ".lz4",
    "zstd": ".zst",
}


@dataclass(frozen=True)
class UImageHeader:
    header_crc: int
    computed_header_crc: int
    timestamp: int
    data_size: int
    load_address: int
    entry_point: int
    data_crc: int
    os: str
    arch: str
    image_type: str
    compression: str
    name: str

    @property
    def header_crc_ok(self) -> bool:
        return self.header_crc == self.computed_header_crc

    @property
    def plausible(self) -> bool:
        """Every enumerated field is a known value: a random 0x27051956 rarely passes this."""
        return not any(
            v.startswith("unknown") for v in (self.os, self.arch, self.image_type, self.compression)
        )

    def describe(self) -> str:
        return (
            f"uImage '{self.name}': {self.arch} {self.os} {self.image_type}, compression "
            f"{self.compression}, {self.data_size} bytes, load 0x{self.load_address:08x}, "
            f"entry 0x{self.entry_point:08x}"
        )


def parse_header(raw: bytes) -> UImageHeader | None:
    """Parse 64 header bytes; None if they do not start with the uImage magic."""
    if len(raw) < HEADER_SIZE:
        return None
    magic, hcrc, ts, size, load, ep, dcrc, os_, arch, itype, comp, name = _HEADER.unpack(raw[:HEADER_SIZE])
    if magic != MAGIC:
        return None
    zeroed = raw[:4] + b"\0\0\0\0" + raw[8:HEADER_SIZE]
    return UImageHeader(
        header_crc=hcrc,
        computed_header_crc=zlib.crc32(zeroed) & 0xFFFFFFFF,
        timestamp=ts,
        data_size=size,
        load_address=load,
        entry_point=ep,
        data_crc=dcrc,
        os=OS_NAMES.get(os_, f"unknown({os_})"),
        arch=ARCH_NAMES.get(arch, f"unknown({arch})"),
        image_type=TYPE_NAMES.get(itype, f"unknown({itype})"),
        compression=COMPRESSION_NAMES.get(comp, f"unknown({comp})"),
        name=name.split(b"\0", 1)[0].decode("latin-1"),
    )


def data_crc(handle: BinaryIO, size: int, block: int = 1 << 20) -> tuple[int, int]:
    """CRC-32 of the next `size` bytes of handle, and how many bytes were actually there."""
    crc, seen = 0, 0
    while seen < size:
        chunk = handle.read(min(block, size - seen))
        if not chunk:
            break
        crc = zlib.crc32(chunk, crc)
        seen += len(chunk)
    return crc & 0xFFFFFFFF, seen


def multi_image_sizes(payload_head: bytes) -> list[int]:
    """Sizes of the sub-images of a `multi` image: a zero-terminated list of big-endian u32."""
    sizes = []
    for (size,) in struct.iter_unpack(">I", payload_head[: len(payload_head) // 4 * 4]):
        if size == 0:
            return sizes
        sizes.append(size)
    return []  # no terminator within the bytes given: not a valid table


def build_header(
    payload: bytes,
    *,
    name: str,
    os: int = 5,
    arch: int = 2,
    image_type: int = 2,
    compression: int = 0,
    load: int = 0x80008000,
    entry: int = 0x80008000,
    timestamp: int = 0,
    corrupt_header_crc: bool = False,
) -> bytes:
    """A header for `payload` (used by the sample generator and the tests)."""
    fields_ = [
        MAGIC,
        0,
        timestamp,
        len(payload),
        load,
        entry,
        zlib.crc32(payload) & 0xFFFFFFFF,
        os,
        arch,
        image_type,
        compression,
        name.encode()[:32],
    ]
    raw = _HEADER.pack(*fields_)
    crc = zlib.crc32(raw) & 0xFFFFFFFF
    if corrupt_header_crc:
        crc ^= 0xDEADBEEF
    return raw[:4] + struct.pack(">I", crc) + raw[8:]
