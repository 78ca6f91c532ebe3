"""A result folder's tables for a reader outside Python: JSON Lines on a stream, CSV files.

Both go batch by batch (the size of a Parquet row group), so the output of a result of any size
is written in bounded memory: JSON Lines never become one document, and no table becomes one
Python object per row all at once. JSON Lines are encoded inside Arrow (`workbench.arrowjson`: no
Python object per cell, no pandas); CSV goes through pandas' writer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import pyarrow as pa

from workbench.arrowjson import batch_lines, line_bytes
from workbench.columnar import ResultFolder, system_memory, to_frame

ROWS_PER_WRITE = 8_192  # rows encoded at once: the text of one such batch is the memory it takes


def write_jsonl(folder: ResultFolder, names: Iterable[str], out: TextIO) -> int:
    """Every row of the named tables as one JSON object per line, `table` its first field.
    The number of lines written."""
    lines = 0
    binary = getattr(out, "buffer", None)  # a real file or standard output: its bytes, not its text
    if binary is not None:
        out.flush()
    with system_memory():
        for name in names:
            for batch in folder.batches(name, batch_size=ROWS_PER_WRITE):
                if not batch.num_rows:
                    continue
                text = line_bytes(batch_lines(batch, {"table": name}))
                if binary is not None:
                    binary.write(text)
                else:
                    out.write(str(text, "utf-8"))
                lines += batch.num_rows
    if binary is not None:
        binary.flush()
    return lines


def write_csv(folder: ResultFolder, name: str, path: Path) -> int:
    """Table `name` as CSV at `path` (lists and structs as JSON text in their cell). Rows written."""
    import pandas as pd

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
