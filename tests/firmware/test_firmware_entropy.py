"""The compiled entropy counter (a C loop into four tallies, C's log2) against numpy's counts:
the same counts, and the same entropy to the last bits the tables keep."""

from __future__ import annotations

import math
import os
import random
from array import array

import numpy as np
import pytest

from workbench import native
from workbench.firmware import entropy

rng = random.Random(2026)


def _samples(count: int) -> list[bytes]:
    """Random bytes, skewed texts, runs of one byte, few values: the shapes of a firmware's files."""
    samples = [b"", b"\0", b"ab", b"abc", b"abcd", b"abcde", bytes(range(256)), b"\xff" * 4099]
    for k in range(count):
        n = rng.choice((1, 2, 3, 5, 7, 64, 1000, 4097, 70_001))
        kind = k % 4
        if kind == 0:
            samples.append(rng.randbytes(n))
        elif kind == 1:
            samples.append(bytes(rng.choice(b"etaoin shrdlu\n=") for _ in range(n)))
        elif kind == 2:
            top = rng.randrange(1, 257)
            samples.append(bytes(rng.randrange(top) for _ in range(n)))
        else:
            samples.append(bytes([rng.randrange(256)]) * n + rng.randbytes(n % 5))
    return samples


def _numpy_counts(data: bytes) -> np.ndarray:
    return np.bincount(np.frombuffer(data, np.uint8), minlength=256)


def test_tally_counts_every_byte_into_four_tallies():
    for data in _samples(200):
        counts = array("q", bytes(8 * entropy.TALLY))
        entropy.tally(counts, data)
        entropy.tally(counts, data[:3])  # counted on, not started again
        folded = np.asarray(counts).reshape(4, 256).sum(axis=0)
        assert (folded == _numpy_counts(data) + _numpy_counts(data[:3])).all()


def test_the_tallies_entropy_is_numpys_to_the_bits_the_tables_keep():
    for data in _samples(1500):
        counts = array("q", bytes(8 * entropy.TALLY))
        entropy.tally(counts, data)
        ours = entropy.tally_entropy(counts)
        theirs = entropy.counts_entropy(_numpy_counts(data)) if data else 0.0
        assert ours == pytest.approx(theirs, abs=1e-12)
        assert round(ours, 4) == round(theirs, 4)
        assert math.copysign(1.0, ours) == 1.0  # never -0.0 (one byte value: 0.0)


def test_a_counter_fed_in_pieces_gives_the_entropy_of_the_whole():
    data = rng.randbytes(300_001)
    counter = entropy.Counter()
    for start in range(0, len(data), 65_537):
        counter.update(data[start : start + 65_537])
    counter.update(b"")
    assert counter.entropy() == pytest.approx(entropy.entropy(data), abs=1e-12)
    assert entropy.Counter().entropy() == 0.0


@pytest.mark.skipif(
    (not native.MANIFEST.is_file() and not os.environ.get("CI"))
    or bool(os.environ.get("WORKBENCH_PURE_PYTHON")),
    reason="compiled copies not built here (make setup builds them; in CI they must be) or set aside",
)
def test_the_compiled_counter_counts_in_c():
    assert entropy.COMPILED  # loaded from its compiled copy, which counts into tallies
    assert entropy.Counter().tallies is not None


def test_the_profile_blocks_are_those_of_the_float_formula():
    for size in (1, 511, 512, 1023, 1024, 262_144, 262_145, 109_000_000, 214_728_704, 1 << 40):
        block = max(1024, -(-size // (512 * 512)) * 512)
        assert block == max(1024, math.ceil(size / 512 / 512) * 512)
