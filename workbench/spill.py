"""Rows that arrive out of order, read back in order of a key, in bounded memory.

An engine finishes rows in another order than the one its table is kept in (a flow is written
when it ends, but numbered by its first packet). `SortedSpill` buffers rows, writes each full
buffer sorted as a run (an Arrow IPC file in a scratch folder), and `chunks()` merges the runs
back in key order, a range of keys at a time: only the runs' keys (8 bytes a row) and one range
of rows are in memory at once, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.columnar import MisfitHook, write_error
from workbench.tables import CONVERSION_ERRORS, Misfit, TableSchema

ROWS_PER_RUN = 65_536
ROWS_PER_BATCH = 8_192  # a run is read back a batch at a time


class SortedSpill:
    def __init__(
        self,
        folder: Path,
        name: str,
        schema: pa.Schema,
        key: str,
        *,
        rows_per_run: int = ROWS_PER_RUN,
        declared: TableSchema | None = None,
        on_misfit: MisfitHook | None = None,
    ) -> None:
        self.folder = folder
        self.name = name
        self.schema = schema
        self.key = key
        self.rows_per_run = rows_per_run
        self.declared = declared  # the table the rows are for: a value that does not fit is left empty
        self.on_misfit = on_misfit
        self.rows = 0
        self._buffer: list[Sequence[Any]] = []
        self._runs: list[_Run] = []

    def add(self, row: Sequence[Any]) -> None:
        """One row, its values in the order of the schema's fields."""
        buffer = self._buffer
        buffer.append(row)
        if len(buffer) >= self.rows_per_run:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        self.rows += len(rows)
        columns = {
            name: list(values)
            for name, values in zip(self.schema.names, zip(*rows, strict=True), strict=True)
        }
        del rows
        arrays = [self._array(field, columns) for field in self.schema]
        del columns
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        order = pc.fill_null(table.column(self.key), 0)  # a row without a key sorts first
        table = table.take(pc.sort_indices(order, sort_keys=[("", "ascending")]))
        path = self.folder / f"{self.name}-run-{len(self._runs)}.arrow"
        try:
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, self.schema) as writer:
                writer.write_table(table, max_chunksize=ROWS_PER_BATCH)
        except OSError as exc:
            raise write_error(exc, self.folder) from exc
        keys = pc.fill_null(table.column(self.key), 0).to_numpy()
        self._runs.append(_Run(path, np.asarray(keys, dtype=np.int64), table.num_rows))

    def _array(self, field: pa.Field, columns: dict[str, list[Any]]) -> pa.Array:
        values = columns[field.name]
        try:
            return pa.array(values, type=field.type)
        except CONVERSION_ERRORS:
            if self.declared is None or field.name not in self.declared.names:
                raise
        misfits: list[Misfit] = []
        fitted = self.declared.fitted(field.name, values, misfits)
        for misfit in misfits:
            if self.on_misfit is not None:
                row = {name: column[misfit.row] for name, column in columns.items()}
                self.on_misfit(misfit, row)
        return pa.array(fitted, type=field.type)

    def chunks(self, columns: Iterable[str] | None = None, rows: int | None = None) -> Iterator[pa.Table]:
        """Every row in key order (equal keys in the order they were added within a run), in
        tables of about `rows` rows (default: a run's; more when many rows share a key), only
        `columns` if named."""
        self.flush()
        rows = rows or self.rows_per_run
        if not self._runs:
            return
        wanted = list(columns) if columns is not None else None
        bounds = _bounds([run.keys for run in self._runs], rows)
        readers = [run.open() for run in self._runs]
        try:
            for low, high in zip(bounds[:-1], bounds[1:], strict=True):
                runs = zip(self._runs, readers, strict=True)
                parts = [run.slice(reader, low, high) for run, reader in runs]
                parts = [p for p in parts if p.num_rows]
                if not parts:
                    continue
                merged = pa.concat_tables(parts)
                if len(parts) > 1:
                    order = pc.fill_null(merged.column(self.key), 0)
                    merged = merged.take(pc.sort_indices(order, sort_keys=[("", "ascending")]))
                yield merged.select(wanted) if wanted is not None else merged
        finally:
            for reader in readers:
                reader[0].close()

    def remove(self) -> None:
        for run in self._runs:
            run.path.unlink(missing_ok=True)
        self._runs = []

    @property
    def count(self) -> int:
        """Rows added so far."""
        return self.rows + len(self._buffer)


class _Run:
    def __init__(self, path: Path, keys: np.ndarray, rows: int) -> None:
        self.path, self.keys, self.rows = path, keys, rows

    def open(self) -> tuple[pa.OSFile, pa.ipc.RecordBatchFileReader, np.ndarray]:
        handle = pa.OSFile(str(self.path), "rb")
        reader = pa.ipc.open_file(handle)
        starts = np.arange(0, self.rows, ROWS_PER_BATCH, dtype=np.int64)  # the writer's max_chunksize
        return handle, reader, starts

    def slice(self, opened: tuple[Any, Any, np.ndarray], low: int | None, high: int | None) -> pa.Table:
        """The run's rows whose key is in [low, high) (None: no bound)."""
        _, reader, starts = opened
        first = 0 if low is None else int(np.searchsorted(self.keys, low, side="left"))
        last = self.rows if high is None else int(np.searchsorted(self.keys, high, side="left"))
        if first >= last:
            return pa.Table.from_batches([], schema=reader.schema)
        batch_first = int(np.searchsorted(starts, first, side="right")) - 1
        batch_last = int(np.searchsorted(starts, last - 1, side="right")) - 1
        batches = [reader.get_batch(i) for i in range(batch_first, batch_last + 1)]
        table = pa.Table.from_batches(batches, schema=reader.schema)
        offset = int(starts[batch_first])
        return table.slice(first - offset, last - first)


def _bounds(keys: list[np.ndarray], rows: int) -> list[int | None]:
    """Key values that cut all the runs' rows into ranges of about `rows` rows: [None, k1, ..., None]."""
    everything = np.sort(np.concatenate(keys))
    cuts: list[int | None] = [None]
    for index in range(rows, len(everything), rows):
        value = int(everything[index])
        if cuts[-1] is None or value > cuts[-1]:
            cuts.append(value)
    cuts.append(None)
    return cuts
