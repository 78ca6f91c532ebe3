"""Limits that stop a hostile image (decompression bombs, archive floods, endless nesting)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

GIB = 1 << 30
MIB = 1 << 20


@dataclass(frozen=True)
class ExtractionLimits:
    """Bounds on one extraction; exceeding any of them stops the extraction with a warning."""

    max_total_size: int = 4 * GIB  # bytes written under the extraction folder
    max_files: int = 200_000  # files, directories and links written
    max_depth: int = 6  # nesting of layers (image -> filesystem -> archive -> ...)
    timeout: float = 1800.0  # seconds of wall-clock time for the whole extraction
    max_scan_size: int = 64 * MIB  # bytes of one file read for content findings
    # a compressed stream that has expanded past ratio_from bytes, more than max_ratio times the
    # compressed bytes read so far, is a decompression bomb: stopped there (zeros deflate ~1000x;
    # a firmware's streams rarely 50x, and only small ones more)
    max_ratio: int = 200
    ratio_from: int = 64 * MIB

    @classmethod
    def coerce(cls, value: ExtractionLimits | dict[str, Any] | None) -> ExtractionLimits:
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(f"unknown extraction limits: {sorted(unknown)}")
        return cls(**value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
