"""`TableSchema.fitted`: the one checked conversion of the engines' tables (capture and firmware)."""

from __future__ import annotations

import pyarrow as pa

from workbench.tables import INT64_MAX, Column, Misfit, TableSchema

SCHEMA = TableSchema(
    "things",
    "a test table",
    (Column("size", pa.int64()), Column("port", pa.uint16()), Column("packets", pa.list_(pa.int64()))),
)


def test_values_that_fit_are_converted_at_once():
    misfits: list[Misfit] = []
    assert SCHEMA.fitted("size", [1, None, INT64_MAX, float("nan")], misfits) == [1, None, INT64_MAX, None]
    assert SCHEMA.fitted("packets", [[1, 2], None], misfits) == [[1, 2], None]
    assert not misfits


def test_a_value_that_does_not_fit_is_none_and_reported_with_its_row():
    misfits: list[Misfit] = []
    assert SCHEMA.fitted("size", [5, 2**63, None, 10**23], misfits) == [5, None, None, None]
    assert SCHEMA.fitted("port", [22, 70000, "notaport"], misfits) == [22, None, None]
    assert SCHEMA.fitted("packets", [[1], [2**64]], misfits) == [[1], None]
    assert [(m.column, m.row, m.value) for m in misfits] == [
        ("size", 1, 2**63),
        ("size", 3, 10**23),
        ("port", 1, 70000),
        ("port", 2, "notaport"),
        ("packets", 1, [2**64]),
    ]
    assert misfits[0].message.startswith("table things, column size: '9223372036854775808' does not fit")
    assert misfits[0].message.endswith("; left empty")


def test_without_a_list_the_value_is_still_left_empty():
    assert SCHEMA.fitted("port", [70000]) == [None]
