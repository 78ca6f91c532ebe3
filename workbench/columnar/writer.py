"""Writing a result folder: a Parquet writer per table, rows buffered a row group at a time."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.columnar.failures import write_error
from workbench.columnar.folder import FORMAT, META, ROWS_PER_GROUP, ResultFolder, file_facts
from workbench.columnar.place import (
    fsync_tree,
    refuse_to_replace,
    remove_stale,
    rename_if_free,
    replace_folder,
)
from workbench.tables import CONVERSION_ERRORS, Misfit, TableSchema

COMPRESSION = "lz4_raw"  # Parquet's LZ4_RAW codec (not the deprecated Hadoop-framed LZ4)
COMPRESSION_LEVEL = None  # results are working data (a cache, a command's output), not archives: speed
# over size (LZ4 writes and reads fastest; files about 1.5-2x zstd's)

# told of each value left empty: the misfit (its `row` counted from the table's first row) and
# that row's values as given, so an engine can name the packet or path of the row
MisfitHook = Callable[[Misfit, dict[str, Any]], None]


class TableWriter:
    """Rows of one declared table into one Parquet file, `rows_per_group` at a time."""

    def __init__(
        self,
        path: Path,
        schema: TableSchema,
        *,
        rows_per_group: int = ROWS_PER_GROUP,
        on_misfit: MisfitHook | None = None,
    ) -> None:
        self.path = path
        self.schema = schema
        self.names = schema.names
        self.rows_per_group = rows_per_group
        self.on_misfit = on_misfit
        self.rows = 0  # written or buffered
        self._buffer: list[Sequence[Any]] = []
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            path,
            schema.arrow,
            compression=COMPRESSION,
            compression_level=COMPRESSION_LEVEL,
            # plain pages: a scan's flows table written with a third less CPU than with dictionary pages,
            # which most columns (packet numbers, times, ports) outgrow
            use_dictionary=False,
            # min/max per row group of every flat column (packet numbers, paths...): a reader filtering
            # on one (DuckDB, pyarrow.dataset) skips the row groups that cannot match
            write_statistics=[c.name for c in schema.columns if not pa.types.is_nested(c.type)],
        )

    def add(self, row: Sequence[Any] | Mapping[str, Any]) -> None:
        """One row: a tuple in the order of the columns, or a dict (missing keys are null)."""
        self._buffer.append(tuple(row.get(n) for n in self.names) if isinstance(row, Mapping) else row)
        self.rows += 1
        if len(self._buffer) >= self.rows_per_group:
            self.flush()

    def add_many(self, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:
        for row in rows:
            self.add(row)

    def add_columns(self, columns: Mapping[str, Any]) -> None:
        """A batch given as one array or list per column (all of the same length)."""
        self.flush()
        size = len(next(iter(columns.values()))) if columns else 0
        if size:
            self._write({n: columns.get(n) for n in self.names}, size, self.rows)
            self.rows += size

    def flush(self) -> None:
        if not self._buffer:
            return
        rows, self._buffer = self._buffer, []
        size = len(rows)
        columns = {n: list(v) for n, v in zip(self.names, zip(*rows, strict=True), strict=True)}
        del rows
        self._write(columns, size, self.rows - size)

    def close(self) -> int:
        """Flush and close the file; the number of rows written."""
        if self._writer is not None:
            try:
                self.flush()
            finally:
                writer, self._writer = self._writer, None
                writer.close()
        return self.rows

    def _write(self, columns: Mapping[str, Any], size: int, first_row: int) -> None:
        if self._writer is None:
            raise ValueError(f"table {self.schema.name!r} is closed")
        arrays = [self._array(c.name, c.type, columns, size, first_row) for c in self.schema.columns]
        try:
            self._writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema.arrow))
        except OSError as exc:
            raise write_error(exc, self.path.parent) from exc

    def _array(
        self, name: str, kind: pa.DataType, columns: Mapping[str, Any], size: int, first_row: int
    ) -> pa.Array:
        values = columns[name]
        if values is None:
            return pa.nulls(size, type=kind)
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if isinstance(values, pa.Array):
            return values if values.type == kind else values.cast(kind)
        for attempt in range(2):
            try:
                return pa.array(values, type=kind, from_pandas=True)
            except CONVERSION_ERRORS:
                break
            except UnicodeEncodeError:  # a name in bytes that are not UTF-8 (a device's file system)
                if attempt:
                    raise
                values = [_text(value) for value in values]
        misfits: list[Misfit] = []
        fitted = self.schema.fitted(name, list(values), misfits)
        for misfit in misfits:
            if self.on_misfit is not None:
                row = {n: _at(columns.get(n), misfit.row) for n in self.names}
                self.on_misfit(replace(misfit, row=first_row + misfit.row), row)
        return pa.array(fitted, type=kind)


def _text(value: Any) -> Any:
    """A str as Arrow's UTF-8 can hold it: the bytes of a name that are not UTF-8 (surrogateescape,
    as the file system gave them) written `\\xff`, as Python shows them, in lists and structs too;
    anything else as it is."""
    if isinstance(value, list | tuple):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        return {key: _text(item) for key, item in value.items()}
    if not isinstance(value, str):
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate from elsewhere than a file name
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


class ResultWriter:
    """A result folder being written: `table(name)` writers, then `commit(scalars)`.

    Use as a context manager: leaving it by an exception removes everything written. A disk that
    fills up raises ResultWriteError naming the folder, with nothing left behind.
    """

    def __init__(
        self,
        final: str | os.PathLike[str],
        schemas: Mapping[str, TableSchema],
        *,
        engine: str,
        version: str,
        on_misfit: MisfitHook | None = None,
        cache: bool = False,
        durable: bool = True,
    ) -> None:
        self.final = Path(final)
        self.cache = cache
        self.durable = durable  # False: a scratch result, read once and removed (no fsync)
        self.schemas = dict(schemas)
        self.engine, self.version = engine, version
        self.on_misfit = on_misfit
        self.tmp = self.final.parent / f".{self.final.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        self._writers: dict[str, TableWriter] = {}
        if not cache:
            refuse_to_replace(self.final)
        with self._disk_errors():
            self.final.parent.mkdir(parents=True, exist_ok=True)
            remove_stale(self.final)
            self.tmp.mkdir()

    def __enter__(self) -> ResultWriter:
        return self

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        if kind is not None:
            self.abort()

    @property
    def scratch(self) -> Path:
        """A folder inside the temporary result for an engine's own spill files (removed at commit)."""
        path = self.tmp / ".scratch"
        path.mkdir(exist_ok=True)
        return path

    def table(self, name: str, *, rows_per_group: int = ROWS_PER_GROUP) -> TableWriter:
        if name not in self._writers:
            with self._disk_errors():
                self._writers[name] = TableWriter(
                    self.tmp / f"{name}.parquet",
                    self.schemas[name],
                    rows_per_group=rows_per_group,
                    on_misfit=self.on_misfit,
                )
        return self._writers[name]

    def flush(self) -> None:
        """Write every table's buffered rows now (a value that does not fit is reported now)."""
        with self._disk_errors():
            for writer in self._writers.values():
                writer.flush()

    def commit(self, scalars: Mapping[str, Any]) -> ResultFolder:
        """Close every table (a declared table never written is written empty), write meta.json
        and move the folder into place, replacing an earlier result there (never a user's own
        files: `refuse_to_replace`). For a cache, a complete result already there (another
        process finished first) is kept and ours discarded, so a reader of that one never loses
        its files, and anything else there is the cache's own to replace. The opened result."""
        with self._disk_errors():
            for name in self.schemas:
                self.table(name)
            tables = {}
            for name, writer in self._writers.items():
                rows = writer.close()
                tables[name] = {"rows": rows, **file_facts(writer.path)}
            shutil.rmtree(self.tmp / ".scratch", ignore_errors=True)
            meta = {
                "format": FORMAT,
                "engine": self.engine,
                "version": self.version,
                "tables": tables,
                "scalars": dict(scalars),
            }
            text = json.dumps(meta, indent=1, sort_keys=True, default=str, allow_nan=False)
            (self.tmp / META).write_text(text + "\n", encoding="utf-8")
            if self.durable:
                fsync_tree(self.tmp)
            if rename_if_free(self.tmp, self.final):
                return ResultFolder(self.final, meta, self.schemas)
            if self.cache:  # another process was first: keep its result if it is whole
                there = ResultFolder.open(self.final, self.schemas, engine=self.engine, version=self.version)
                if there is not None:
                    self.abort()
                    return there
            else:
                refuse_to_replace(self.final)
            replace_folder(self.tmp, self.final)
        return ResultFolder(self.final, meta, self.schemas)

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _disk_errors(self) -> _DiskErrors:
        return _DiskErrors(self)


class _DiskErrors:
    """OSError while writing (a full disk above all): remove the partial result, raise one clear error."""

    def __init__(self, writer: ResultWriter) -> None:
        self.writer = writer

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: Any, trace: Any) -> None:
        if value is None or not isinstance(value, OSError):
            return
        self.writer.abort()
        raise write_error(value, self.writer.final) from value


def _at(values: Any, index: int) -> Any:
    return None if values is None else values[index]
