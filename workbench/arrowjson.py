"""Arrow record batches as JSON Lines text, encoded column by column inside Arrow (no Python object
per cell): each column becomes the JSON text of its values, then the pieces of every row are joined
by one element-wise concatenation. Strings are escaped as JSON requires (quote, backslash, control
characters); other non-ASCII text is kept as is. Floats are written in their shortest exact form,
NaN and infinities as null; lists and structs nest."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from workbench.linejoin import join_rows

_CONTROLS = [(chr(c), f"\\u{c:04x}") for c in range(0x20)]
_SHORT = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES = [("\\", "\\\\"), ('"', '\\"')] + [(c, _SHORT.get(c, e)) for c, e in _CONTROLS]
_PLAIN = bytes(b for b in range(256) if b >= 0x20 and b not in b'"\\')  # bytes never escaped
_NULL = pa.scalar("null", pa.string())


def batch_lines(batch: pa.RecordBatch, first: dict[str, object] | None = None) -> pa.Array:
    """One JSON object per row, each ending in a newline; `first` fields (constants) lead."""
    pieces: list[pa.Array | str] = []
    opening = "{"
    for key, value in (first or {}).items():
        opening += f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)},"
    for index, field in enumerate(batch.schema):
        name = json.dumps(field.name, ensure_ascii=False)
        lead = (opening if index == 0 else ",") + name + ":"
        column = batch.column(index)
        if _is_text(column.type) and not column.null_count:  # its quotes joined to the constants
            pieces += [lead + '"', _escaped(column), '"']
        else:
            pieces += [lead, encode(column)]
    if not pieces:
        pieces.append(opening.rstrip(","))
    pieces.append("}\n")
    return join_rows([_as_text(p) for p in _constants_merged(pieces)], len(batch))


def line_bytes(lines: pa.Array) -> memoryview:
    """The text of `lines` (a string array; a missing value may add undefined bytes) as one
    contiguous piece of memory."""
    offsets, data = lines.buffers()[1], lines.buffers()[2]
    width = 8 if pa.types.is_large_string(lines.type) else 4
    view = memoryview(offsets).cast("q" if width == 8 else "i")
    start, end = view[lines.offset], view[lines.offset + len(lines)]
    return memoryview(data)[start:end] if data is not None else memoryview(b"")


def encode(column: pa.Array) -> pa.Array:
    """The JSON text of each value of `column` (null for a missing value), a string array."""
    kind = column.type
    if column.null_count == len(column):
        return pc.fill_null(pa.nulls(len(column), pa.string()), _NULL)
    if pa.types.is_dictionary(kind):
        column, kind = column.dictionary_decode(), kind.value_type
    if _is_text(kind):
        text = _quoted(column)
    elif pa.types.is_boolean(kind) or pa.types.is_integer(kind):
        text = pc.cast(column, pa.string())
    elif pa.types.is_floating(kind):
        text = pc.cast(column, pa.string())
        if pc.any(pc.equal(pc.floor(column), column)).as_py():  # 1.0 is "1" to Arrow: keep it a float
            whole = pc.match_substring_regex(text, "^-?[0-9]+$")
            text = pc.if_else(whole, pc.binary_join_element_wise(text, ".0", ""), text)
        if not pc.all(pc.is_finite(column)).as_py():
            text = pc.if_else(pc.is_finite(column), text, pa.scalar(None, pa.string()))
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        text = _list(column)
    elif pa.types.is_struct(kind):
        text = _struct(column)
    else:  # anything else (dates, binary): its text, quoted
        text = _quoted(pc.cast(column, pa.string()))
    return pc.fill_null(text, "null")


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _quoted(column: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise('"', _escaped(column), '"', "")


def _escaped(column: pa.Array) -> pa.Array:
    """The text of each value escaped as inside JSON quotes (without the quotes)."""
    special = bytes(line_bytes(column)).translate(None, _PLAIN)  # the bytes that need escaping
    if not special:  # most columns: found by one pass over the bytes, not a regex per value
        return column
    text = column
    for old, new in _ESCAPES if special.translate(None, b'"\\') else _ESCAPES[:2]:
        text = pc.replace_substring(text, old, new)
    return text


def _constants_merged(pieces: list[pa.Array | str]) -> list[pa.Array | str]:
    """Adjacent constant pieces as one: fewer values to join on every row."""
    merged: list[pa.Array | str] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return merged


def _list(column: pa.Array) -> pa.Array:
    items = encode(column.values)
    rebuilt = type(column).from_arrays(column.offsets, items)
    joined = pc.binary_join(rebuilt, ",")
    text = pc.binary_join_element_wise("[", joined, "]", "")
    return pc.if_else(pc.is_null(column), pa.scalar(None, pa.string()), text)


def _struct(column: pa.StructArray) -> pa.Array:
    pieces: list[pa.Array | str] = []
    for index, (field, values) in enumerate(zip(column.type, column.flatten(), strict=True)):
        pieces.append(("{" if index == 0 else ",") + json.dumps(field.name, ensure_ascii=False) + ":")
        pieces.append(encode(values))
    if not pieces:
        pieces.append("{")
    pieces.append("}")
    text = pc.binary_join_element_wise(*_as_arrays(pieces), "")
    return pc.if_else(pc.is_null(column), pa.scalar(None, pa.string()), text)


def _as_text(piece: pa.Array | str) -> pa.Array | str:
    return piece if isinstance(piece, str) else piece.cast(pa.string())


def _as_arrays(pieces: list[pa.Array | str]) -> list[pa.Array | pa.Scalar]:
    return [pa.scalar(p, pa.string()) if isinstance(p, str) else p.cast(pa.string()) for p in pieces]
