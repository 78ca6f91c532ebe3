"""Pieces of text joined into lines (workbench.linejoin): the copying join, compiled or as Python,
gives exactly what Arrow's element-wise join gives."""

from __future__ import annotations

import importlib.util
import os
import random

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from workbench import linejoin, native

SOURCE = native.source_of("workbench.linejoin")


def _as_python():
    """The module run from its source, whatever was compiled."""
    spec = importlib.util.spec_from_file_location("linejoin_as_python", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arrow(pieces: list, rows: int) -> list[str]:
    if all(isinstance(p, str) for p in pieces):
        return ["".join(pieces)] * rows
    values = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in pieces]
    return pc.binary_join_element_wise(*values, "").to_pylist()


def _pieces(rows: int, seed: int) -> list:
    rng = random.Random(seed)
    words = ["", "a", "日本語", '"q"', "x" * 300, "\\", "\x00\x1f", "é"]
    pieces: list = []
    for _ in range(rng.randrange(1, 8)):
        if rng.random() < 0.4:
            pieces.append(rng.choice(words) + ",")
        else:
            skip = rng.randrange(3)  # a slice: its offsets do not start at 0
            column = pa.array([rng.choice(words) for _ in range(rows + skip)], pa.string())
            pieces.append(column.slice(skip, rows))
    return pieces


@pytest.mark.parametrize("seed", range(12))
def test_copying_the_pieces_gives_arrows_join(seed) -> None:
    rows = random.Random(seed).choice([0, 1, 7, 300])
    pieces = _pieces(rows, seed)
    expected = _arrow(pieces, rows)
    as_python = _as_python()
    assert not as_python.COMPILED
    assert as_python.copy_rows(pieces, rows).to_pylist() == expected
    assert linejoin.join_rows(pieces, rows).to_pylist() == expected  # compiled where built


def test_only_constants_and_bad_pieces() -> None:
    assert linejoin.join_rows(["{", "}\n"], 3).to_pylist() == ["{}\n"] * 3
    with pytest.raises(ValueError, match="missing value"):
        _as_python().copy_rows(["a", pa.array(["x", None])], 2)
    with pytest.raises(TypeError, match="string array"):
        _as_python().copy_rows([pa.array([1, 2])], 2)


@pytest.mark.skipif(
    os.environ.get("WORKBENCH_PURE_PYTHON")
    or (not native.built().get("workbench.linejoin") and not os.environ.get("CI")),
    reason="compiled copies ignored or not built here (make setup builds them; in CI they must be)",
)
def test_the_compiled_copy_does_the_joining_after_setup() -> None:
    assert linejoin.COMPILED and linejoin.__file__.endswith(".so")


def test_pieces_of_unequal_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="values, not 3"):
        _as_python().copy_rows(["{", pa.array(["a", "b"])], 3)
