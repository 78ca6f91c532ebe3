# cython: boundscheck=False, wraparound=False
"""Pieces of text joined row by row into lines: the last step of JSON Lines, and its costliest.

Row r of the result is every piece's row r in turn (a `str` piece is the same text on every row).
Arrow's element-wise join spends about 12 ns a piece of each row; the compiled copy of this module
(scripts/build_native.py, linejoin.pxd) copies the pieces a column at a time with C loops, about
a sixth of that. As Python, Arrow's join does the work: `copy_rows` is the same algorithm, run
only by the compiled copy and by the tests.
"""

from __future__ import annotations

from array import array

import pyarrow as pa
import pyarrow.compute as pc

try:
    import cython

    COMPILED: bool = cython.compiled  # True only inside the compiled copy
except ImportError:  # no Cython here: this module runs as Python
    COMPILED = False


def join_rows(pieces: list[pa.Array | str], rows: int) -> pa.Array:
    """The lines (a large_string array of `rows` values); the arrays hold no missing value."""
    if COMPILED or all(isinstance(p, str) for p in pieces):
        return copy_rows(pieces, rows)
    values = [pa.scalar(p, pa.string()) if isinstance(p, str) else p for p in pieces]
    return pc.binary_join_element_wise(*values, "").cast(pa.large_string())


def copy_rows(pieces: list[pa.Array | str], rows: int) -> pa.Array:
    """`join_rows` by copying: every piece in one string array (the columns, then each constant
    once), then each line's pieces copied in turn, a line after another (the output is written
    in order, which keeps it in the processor's cache)."""
    columns = [_checked(p, rows) for p in pieces if not isinstance(p, str)]
    constants = [p for p in pieces if isinstance(p, str)]
    first = array("q")  # per piece: the index of its row 0 in `values`
    step = array("q")  # per piece: 1 for a column, 0 for a constant (the same value each row)
    column, constant = 0, len(columns) * rows
    for piece in pieces:
        if isinstance(piece, str):
            first.append(constant)
            step.append(0)
            constant += 1
        else:
            first.append(column)
            step.append(1)
            column += rows
    values = pa.concat_arrays([*columns, pa.array(constants, pa.string())])
    offsets = memoryview(values.buffers()[1]).cast("i")[values.offset :]
    data = values.buffers()[2]
    text = memoryview(data if data is not None else b"\0").cast("B")  # Arrow's bytes are signed
    ends = array("q", bytes(8 * (rows + 1)))  # ends[r + 1]: where line r ends
    out = bytearray(_line_ends(offsets, first, step, ends, rows))
    _copy_lines(out, text, offsets, first, step, rows)
    return pa.Array.from_buffers(pa.large_string(), rows, [None, pa.py_buffer(ends), pa.py_buffer(out)])


def _checked(piece: pa.Array, rows: int) -> pa.Array:
    if len(piece) != rows:
        raise ValueError(f"a piece of text has {len(piece)} values, not {rows}")
    if not pa.types.is_string(piece.type):
        raise TypeError(f"a piece of text must be a string array, not {piece.type}")
    if piece.null_count:
        raise ValueError("a piece of text has a missing value")
    return piece


def _line_ends(offsets: memoryview, first: array, step: array, ends: array, rows: int) -> int:
    """Where each line ends (ends[r + 1]); the length of them all."""
    total = 0
    for r in range(rows):
        for k in range(len(first)):
            at = first[k] + step[k] * r
            total += offsets[at + 1] - offsets[at]
        ends[r + 1] = total
    return total


def _copy_lines(
    out: bytearray, text: memoryview, offsets: memoryview, first: array, step: array, rows: int
) -> None:
    position = 0
    for r in range(rows):
        for k in range(len(first)):
            at = first[k] + step[k] * r
            start = offsets[at]
            for j in range(offsets[at + 1] - start):
                out[position + j] = text[start + j]
            position += offsets[at + 1] - start
