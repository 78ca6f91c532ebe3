# cython: boundscheck=False, wraparound=False
"""Shannon entropy (bits per byte, 0-8) of files and regions, and the profile of a raw image.

A `Counter` takes a file's bytes a piece at a time. Its compiled copy (scripts/build_native.py,
entropy.pxd) counts them with a C loop into four interleaved tallies (`tally`) and takes the
entropy with C's log2 (`tally_entropy`): about 0.3 ns a byte, and no numpy call per file (the
55,000 small files of an image spent 0.9 s in numpy's calls). As Python, numpy counts
(`byte_counts`, `counts_entropy`). Both give the same entropy to the last bits the tables keep
(tests/firmware/test_firmware_entropy.py).
"""

from __future__ import annotations

import math  # compiled: C's math (entropy.pxd), for log2
from array import array
from typing import TYPE_CHECKING, BinaryIO

try:
    import cython

    COMPILED: bool = cython.compiled  # True only inside the compiled copy
except ImportError:  # no Cython here: this module runs as Python
    COMPILED = False

if TYPE_CHECKING:
    import numpy as np

BLOCK = 1 << 20
PAIRS_FROM = 1 << 17  # (a 213 KB block of the image's profile: 0.10 s a 100 MB by pairs, 0.15 s by bytes)
PAIRS_STEP = 1 << 20  # bytes counted by one bincount: its 8-byte copy stays in the cache (2x faster)
TALLY = 1024  # four tallies counted in turn: a byte's count does not wait for the one before it


def byte_counts(data: bytes) -> np.ndarray:
    """How often each byte value occurs. Large buffers are counted over 16-bit pairs and
    folded: half the elements for bincount, a third less time than counting bytes (below
    PAIRS_FROM bytes, the 65,536 bins cost more than they save), a megabyte at a time."""
    import numpy as np  # not in the compiled copy's path: a file worker goes without it

    if len(data) < PAIRS_FROM:
        return np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)
    even = len(data) & ~1
    pairs = np.zeros(65536, dtype=np.int64)
    view = memoryview(data)
    for start in range(0, even, PAIRS_STEP):  # bincount copies its input to 8-byte integers: by pieces
        piece = view[start : min(start + PAIRS_STEP, even)]
        pairs += np.bincount(np.frombuffer(piece, dtype=np.uint16), minlength=65536)
    square = pairs.reshape(256, 256)
    counts = square.sum(axis=0) + square.sum(axis=1)
    if even < len(data):
        counts[data[len(data) - 1]] += 1  # (no negative index: wraparound is off)
    return counts


def tally(counts: array, data: bytes) -> None:
    """Each byte of `data` counted into `counts` (TALLY int64s: byte i in tally i % 4)."""
    n = len(data)
    whole = n - n % 4
    for i in range(0, whole, 4):  # (a literal step: a C loop when compiled)
        counts[data[i]] += 1
        counts[256 + data[i + 1]] += 1
        counts[512 + data[i + 2]] += 1
        counts[768 + data[i + 3]] += 1
    for i in range(whole, n):
        counts[data[i]] += 1


def tally_entropy(counts: array) -> float:
    """The entropy of the bytes counted into `counts` by `tally`."""
    total = 0
    for value in range(256):
        total += counts[value] + counts[256 + value] + counts[512 + value] + counts[768 + value]
    if total == 0:
        return 0.0
    bits = 0.0
    for value in range(256):
        count = counts[value] + counts[256 + value] + counts[512 + value] + counts[768 + value]
        if count:
            share = count / total
            bits -= share * math.log2(share)
    return bits + 0.0  # never -0.0


class Counter:
    """A file's byte counts, taken a piece at a time; `entropy()` of them all."""

    def __init__(self) -> None:
        self.tallies = array("q", bytes(8 * TALLY)) if COMPILED else None
        self.counts: np.ndarray | None = None  # as Python: the first counts taken as they are

    def update(self, data: bytes) -> None:
        if not data:
            return
        if self.tallies is not None:
            tally(self.tallies, data)
        elif self.counts is None:
            self.counts = byte_counts(data).astype("int64", copy=False)
        else:
            self.counts += byte_counts(data)

    def entropy(self) -> float:
        if self.tallies is not None:
            return tally_entropy(self.tallies)
        return 0.0 if self.counts is None else counts_entropy(self.counts)


def counts_entropy(counts: np.ndarray) -> float:
    total = counts.sum()
    if total == 0:
        return 0.0
    p = counts[counts > 0] / total
    return float(-(p * _log2(p)).sum()) + 0.0


def _log2(values: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.log2(values)


def entropy(data: bytes) -> float:
    if not data:
        return 0.0
    counter = Counter()
    counter.update(data)
    return counter.entropy()


def region_entropy(handle: BinaryIO, start: int, size: int) -> float:
    counter = Counter()
    handle.seek(start)
    left = size
    while left > 0:
        chunk = handle.read(min(BLOCK, left))
        if not chunk:
            break
        counter.update(chunk)
        left -= len(chunk)
    return counter.entropy()


def profile(handle: BinaryIO, size: int, points: int = 512) -> list[list[float]]:
    """[[offset, entropy], ...] over blocks of at least 1 KiB, at most `points` blocks."""
    if size <= 0:
        return []
    block = max(1024, -(-size // (points * 512)) * 512)  # 512-byte multiples
    handle.seek(0)
    result = []
    offset = 0
    while chunk := handle.read(block):
        result.append([offset, round(entropy(chunk), 4)])
        offset += len(chunk)
    return result
