"""JSON Lines encoded inside Arrow (workbench.arrowjson) read back as the values Arrow holds."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import pyarrow as pa
import pytest

from workbench.arrowjson import batch_lines, encode, line_bytes

CERT = pa.struct([("subject", pa.string()), ("key_bits", pa.int64()), ("self_signed", pa.bool_())])
SCHEMA = pa.schema(
    [
        ("packet", pa.int64()),
        ("port", pa.uint16()),
        ("ok", pa.bool_()),
        ("ts", pa.float64()),
        ("name", pa.string()),
        ("tags", pa.list_(pa.string())),
        ("ports", pa.list_(pa.uint16())),
        ("certs", pa.list_(CERT)),
    ]
)
NASTY = [
    'he said "hi"\n',
    "back\\slash",
    "tab\there",
    "\x00\x01\x1f\x7f",
    "日本語のホスト名",
    "<script>x</script>",
    "",
    "/a/b",
]


def _rows(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)

    def maybe(value):
        return None if rng.random() < 0.15 else value

    rows = []
    for i in range(count):
        rows.append(
            {
                "packet": maybe(rng.choice([i, -i, 2**63 - 1, -(2**63)])),
                "port": maybe(rng.randrange(65536)),
                "ok": maybe(rng.random() < 0.5),
                "ts": maybe(rng.choice([1.0, 0.1, 1733000000.123456, -0.0, 1e21, 1e-7, rng.random() * 1e9])),
                "name": maybe(rng.choice(NASTY) + str(i)),
                "tags": maybe([rng.choice(NASTY) for _ in range(rng.randrange(4))]),
                "ports": maybe([rng.randrange(65536) for _ in range(rng.randrange(3))]),
                "certs": maybe(
                    [
                        maybe(
                            {
                                "subject": maybe(rng.choice(NASTY)),
                                "key_bits": maybe(2048),
                                "self_signed": True,
                            }
                        )
                        for _ in range(rng.randrange(3))
                    ]
                ),
            }
        )
    return rows


def _lines(batch: pa.RecordBatch, first: dict | None = None) -> list[dict]:
    text = str(line_bytes(batch_lines(batch, first)), "utf-8")
    assert text.endswith("\n") and text.count("\n") == batch.num_rows
    return [json.loads(line) for line in text.splitlines()]


def test_every_type_reads_back_as_the_value_arrow_holds() -> None:
    rows = _rows(3000)
    batch = pa.RecordBatch.from_pylist(rows, schema=SCHEMA)
    got = _lines(batch, {"table": "t"})
    assert [g.pop("table") for g in got] == ["t"] * len(rows)
    assert got == rows
    floats = [g["ts"] for g in got if g["ts"] is not None]
    assert floats and all(isinstance(f, float) for f in floats)  # 1.0 stays a float, not 1


def test_a_slice_of_a_batch_gives_its_own_rows() -> None:
    rows = _rows(500, seed=3)
    batch = pa.RecordBatch.from_pylist(rows, schema=SCHEMA)
    assert _lines(batch.slice(123, 77)) == rows[123:200]


def test_nan_and_infinity_are_null_and_keys_are_escaped() -> None:
    batch = pa.RecordBatch.from_pydict({'we"ird\nkey': pa.array([math.nan, math.inf, -math.inf, 2.5])})
    assert _lines(batch) == [{'we"ird\nkey': v} for v in (None, None, None, 2.5)]


def test_a_column_of_an_unlisted_type_is_written_as_its_text() -> None:
    column = pa.array([b"\x00ab", None], type=pa.binary())
    with pytest.raises(pa.ArrowInvalid):  # binary that is not UTF-8 cannot be text: said, not mangled
        encode(pa.array([b"\xff"], type=pa.binary()))
    assert encode(column).to_pylist() == ['"\\u0000ab"', "null"]


def test_an_engine_command_runs_without_pandas_and_pyarrow_still_converts_frames_after(tmp_path) -> None:
    code = (
        "import sys\n"
        "from workbench.columnar.nopandas import arrow_without_pandas\n"
        "assert arrow_without_pandas()\n"
        "import pyarrow as pa\n"
        "pa.array([1, None, 'x'] [:2]); pa.table({'a': [1, 2]})\n"
        "print('pandas' in sys.modules)\n"
        "frame = pa.table({'a': [1, 2]}).to_pandas()\n"  # asked for explicitly: imported then
        "print(list(frame['a']), 'pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["False", "[1, 2] True"]


@pytest.mark.parametrize(
    "values", [["plain", "", "日本"], NASTY, ['only "quotes" and \\ here', "x"], ["ctl\x07", "y"]]
)
def test_text_without_missing_values_is_quoted_and_escaped_as_json(values) -> None:
    """A text column with no missing value has its quotes joined to the constant pieces; each is
    escaped only when its bytes need it (a quote or backslash alone, or control characters too)."""
    batch = pa.RecordBatch.from_pydict({"a": pa.array(values), "b": pa.array(values[::-1])})
    assert _lines(batch, {"table": "t"}) == [
        {"table": "t", "a": a, "b": b} for a, b in zip(values, values[::-1], strict=True)
    ]
    assert _lines(batch.slice(1)) == [
        {"a": a, "b": b} for a, b in zip(values[1:], values[::-1][1:], strict=True)
    ]


@pytest.mark.parametrize(
    "values", [[0.5, 1733000000.25], [1.0, -3.0, 0.5], [0.5, math.nan], [2.0, math.inf, None], [None, 0.25]]
)
def test_floats_keep_their_type_whole_or_not_finite_or_not(values) -> None:
    got = [line["x"] for line in _lines(pa.RecordBatch.from_pydict({"x": pa.array(values, pa.float64())}))]
    assert got == [v if v is not None and math.isfinite(v) else None for v in values]
    assert all(isinstance(v, float) for v in got if v is not None)
