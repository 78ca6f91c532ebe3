"""Rows that arrive out of order, read back in order of a key, in bounded memory.

An engine finishes rows in another order than the one its table is kept in (a flow is written
when it ends, but numbered by its first packet). `SortedSpill` buffers rows, writes each full
buffer sorted as a run (an Arrow IPC file in a scratch folder), and `chunks()` merges the runs
back in key order, a range of keys at a time. Runs are merged as they accumulate (`FAN_IN` runs
of one level become one of the next), so the files open at once stay few; of each run only the
first and last key of each batch of `ROWS_PER_BATCH` rows is held in memory, and a key shared by
more rows than a chunk holds is given back batch by batch. Equal keys keep the order they were
added in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.columnar import MisfitHook, write_error
from workbench.tables import CONVERSION_ERRORS, Misfit, TableSchema

ROWS_PER_RUN = 65_536
ROWS_PER_BATCH = 8_192  # a run is written, indexed and read back a batch at a time
FAN_IN = 16  # runs of one level merged into one of the next


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
        self._buffer: list[Sequence[Any]] = []
        self._runs: list[_Run] = []  # oldest rows first
        self._names = itertools.count()

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
        # a column at a time from the rows: half the time of transposing them with zip(*rows)
        columns = {name: [row[index] for row in rows] for index, name in enumerate(self.schema.names)}
        del rows
        self.add_run(columns)

    def add_run(self, columns: dict[str, list[Any] | pa.Array]) -> None:
        """Rows given as columns, every field of the schema (a list of values or an Arrow array of
        its type), written as one sorted run."""
        arrays = [self._array(field, columns) for field in self.schema]
        del columns
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        self._runs.append(self._write([table.take(_order(table, self.key))], level=0))
        while len(self._runs) >= FAN_IN and len({r.level for r in self._runs[-FAN_IN:]}) == 1:
            merging, self._runs = self._runs[-FAN_IN:], self._runs[:-FAN_IN]
            merged = self._write(self._merge(merging, None, self.rows_per_run), level=merging[0].level + 1)
            for run in merging:
                run.path.unlink(missing_ok=True)
            self._runs.append(merged)

    def _array(self, field: pa.Field, columns: dict[str, list[Any] | pa.Array]) -> pa.Array:
        values = columns[field.name]
        if isinstance(values, pa.Array):
            return values
        try:
            return pa.array(values, type=field.type)
        except CONVERSION_ERRORS:
            if self.declared is None or field.name not in self.declared.names:
                raise
        misfits: list[Misfit] = []
        fitted = self.declared.fitted(field.name, values, misfits)
        for misfit in misfits:
            if self.on_misfit is not None:
                row = {name: _value(column, misfit.row) for name, column in columns.items()}
                self.on_misfit(misfit, row)
        return pa.array(fitted, type=field.type)

    def chunks(self, columns: Iterable[str] | None = None, rows: int | None = None) -> Iterator[pa.Table]:
        """Every row in key order (a row without a key first), in tables of about `rows` rows
        (default: a run's), only `columns` if named."""
        self.flush()
        wanted = list(columns) if columns is not None else None
        yield from self._merge(self._runs, wanted, rows or self.rows_per_run)

    # --- runs -------------------------------------------------------------------------------------
    def _write(self, tables: Iterable[pa.Table], level: int) -> _Run:
        path = self.folder / f"{self.name}-run-{next(self._names)}.arrow"
        firsts: list[int] = []
        lasts: list[int] = []
        rows = 0
        try:
            with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, self.schema) as writer:
                for table in tables:
                    for batch in table.to_batches(max_chunksize=ROWS_PER_BATCH):
                        if not batch.num_rows:
                            continue
                        writer.write_batch(batch)
                        keys = pc.fill_null(batch.column(self.key), 0)
                        firsts.append(keys[0].as_py())
                        lasts.append(keys[-1].as_py())
                        rows += batch.num_rows
        except OSError as exc:
            raise write_error(exc, self.folder) from exc
        return _Run(path, np.array(firsts, dtype=np.int64), np.array(lasts, dtype=np.int64), rows, level)

    def _merge(self, runs: list[_Run], wanted: list[str] | None, rows: int) -> Iterator[pa.Table]:
        """The rows of `runs` (oldest first) in key order, a key range at a time."""
        if not runs:
            return
        readers = []
        try:
            for run in runs:
                readers.append(run.open())
            for low, high, single in _ranges(runs, rows):
                opened = zip(runs, readers, strict=True)
                parts = [run.rows_in(reader, self.key, low, high) for run, reader in opened]
                if single:  # one key shared by many rows: batch by batch, in the order they came
                    for part in itertools.chain.from_iterable(parts):
                        table = pa.Table.from_batches([part])
                        yield table.select(wanted) if wanted is not None else table
                    continue
                tables = [pa.Table.from_batches(list(p), schema=self.schema) for p in parts]
                tables = [t for t in tables if t.num_rows]
                if not tables:
                    continue
                merged = pa.concat_tables(tables)
                if len(tables) > 1:
                    merged = merged.take(_order(merged, self.key))
                yield merged.select(wanted) if wanted is not None else merged
        except OSError as exc:  # too many files open, a scratch file gone: the result cannot be made
            raise write_error(exc, self.folder) from exc
        finally:
            for handle, _ in readers:
                handle.close()


class _Run:
    """One sorted run file: the first and last key of each of its batches, its rows, its level."""

    def __init__(self, path: Path, firsts: np.ndarray, lasts: np.ndarray, rows: int, level: int) -> None:
        self.path, self.firsts, self.lasts, self.rows, self.level = path, firsts, lasts, rows, level

    def open(self) -> tuple[pa.OSFile, pa.ipc.RecordBatchFileReader]:
        handle = pa.OSFile(str(self.path), "rb")
        try:
            return handle, pa.ipc.open_file(handle)
        except BaseException:
            handle.close()
            raise

    def rows_in(
        self, opened: tuple[Any, Any], key: str, low: int | None, high: int | None
    ) -> Iterator[pa.RecordBatch]:
        """The run's rows whose key is in [low, high) (None: no bound), batch by batch."""
        reader = opened[1]
        first = 0 if low is None else int(np.searchsorted(self.lasts, low, side="left"))
        last = len(self.firsts) if high is None else int(np.searchsorted(self.firsts, high, side="left"))
        for index in range(first, last):
            batch = reader.get_batch(index)
            keys = pc.fill_null(batch.column(key), 0)
            inside = None
            if low is not None and self.firsts[index] < low:
                inside = pc.greater_equal(keys, low)
            if high is not None and self.lasts[index] >= high:
                below = pc.less(keys, high)
                inside = below if inside is None else pc.and_(inside, below)
            if inside is not None:
                batch = batch.filter(inside)
            if batch.num_rows:
                yield batch


def _value(column: list[Any] | pa.Array, row: int) -> Any:
    return column[row].as_py() if isinstance(column, pa.Array) else column[row]


def _order(table: pa.Table | pa.RecordBatch, key: str) -> pa.Array:
    """The stable order of the rows by key, a row without a key first."""
    return pc.sort_indices(pc.fill_null(table.column(key), 0), sort_keys=[("", "ascending")])


def _ranges(runs: list[_Run], rows: int) -> Iterator[tuple[int | None, int | None, bool]]:
    """Key ranges [low, high) of about `rows` rows over all the runs, from the first key of each
    batch (the keys themselves are never all in memory). A key that starts several batches is a
    range of its own, marked single: its rows are given back without merging."""
    samples = np.sort(np.concatenate([run.firsts for run in runs]))
    step = max(1, rows // ROWS_PER_BATCH)
    values, counts = np.unique(samples, return_counts=True)
    low: int | None = None
    taken = 0
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        if count > 1:  # at least a batch of rows with this one key
            if low is None or low < value:
                yield low, value, False
            yield value, value + 1, True
            low, taken = value + 1, 0
            continue
        taken += 1
        if taken > step:
            if low is None or low < value:
                yield low, value, False
            low, taken = value, 1
    yield low, None, False
