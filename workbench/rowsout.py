"""A result folder's tables for a reader outside Python: JSON Lines on a stream, CSV files.

Both go batch by batch (the size of a Parquet row group), so the output of a result of any size
is written in bounded memory: JSON Lines never become one document, and no table becomes one
Python object per row all at once. pandas' C JSON writer does the encoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import pandas as pd
import pyarrow as pa

from workbench.columnar import ResultFolder, system_memory, to_frame

ROWS_PER_WRITE = 8_192  # rows encoded at once: the text of one such batch is the memory it takes


def write_jsonl(folder: ResultFolder, names: Iterable[str], out: TextIO) -> int:
    """Every row of the named tables as one JSON object per line, `table` its first field.
    The number of lines written."""
    lines = 0
    with system_memory():
        for name in names:
            lines += _jsonl_table(folder, name, out)
    return lines


def _jsonl_table(folder: ResultFolder, name: str, out: TextIO) -> int:
    lines = 0
    for batch in folder.batches(name, batch_size=ROWS_PER_WRITE):
        if not batch.num_rows:
            continue
        frame = to_frame(pa.Table.from_batches([batch]))
        frame.insert(0, "table", name)
        text = frame.to_json(
            orient="records", lines=True, force_ascii=False, date_format="iso", double_precision=15
        )
        out.write(text if text.endswith("\n") else text + "\n")
        lines += batch.num_rows
    return lines


def write_csv(folder: ResultFolder, name: str, path: Path) -> int:
    """Table `name` as CSV at `path` (lists and structs as JSON text in their cell). Rows written."""
    rows = 0
    with system_memory(), open(path, "w", encoding="utf-8", newline="") as handle:
        for batch in folder.batches(name, batch_size=ROWS_PER_WRITE):
            if not batch.num_rows:
                continue
            frame = to_frame(pa.Table.from_batches([batch]), objects=True)
            for column in frame.columns:
                if pa.types.is_nested(batch.schema.field(column).type):
                    frame[column] = frame[column].map(_json_cell)
            frame.to_csv(handle, index=False, header=rows == 0)
            rows += batch.num_rows
        if rows == 0:
            pd.DataFrame(columns=folder.schemas[name].names).to_csv(handle, index=False)
    return rows


def _json_cell(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
