"""Engine results on disk: one Parquet file per table, written as rows arrive, read by column.

A result folder holds `<table>.parquet` for every table an engine declares and `meta.json`: the
format, the engine and its version, the engine's scalars (device, summary, image facts...) and,
per table, its rows, bytes and SHA-256. It is written under a hidden temporary name beside its
final place and renamed into place only when complete, so a reader sees a whole result or none;
a folder that does not match its `meta.json` byte for byte, or was written by another engine
version, is not opened (`ResultFolder.open` answers None and the caller rebuilds it).

Writers buffer at most `rows_per_group` rows per table, so memory does not grow with the result;
nothing is dropped. A value that does not fit its declared column (a size past 64 bits from the
wire) is left empty and reported to the writer's `on_misfit`.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import glob
import hashlib
import json
import os
import secrets
import shutil
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.errors import WorkbenchError
from workbench.tables import CONVERSION_ERRORS, Misfit, TableSchema

FORMAT = 1
META = "meta.json"
MAX_META = 1 << 20  # meta.json holds scalars and table facts: a larger one is not ours
ROWS_PER_GROUP = 65_536
COMPRESSION = "zstd"
COMPRESSION_LEVEL = 1  # the cache is rebuilt, not archived: speed over size
DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)

# told of each value left empty: the misfit (its `row` counted from the table's first row) and
# that row's values as given, so an engine can name the packet or path of the row
MisfitHook = Callable[[Misfit, dict[str, Any]], None]


class ResultWriteError(WorkbenchError):
    """A result could not be written (the disk is full, the folder is not writable); nothing of
    it is left behind."""


def write_error(error: OSError, path: Path) -> ResultWriteError:
    """What a failed write of a result means to the user (the result is then removed whole)."""
    reason = "the disk is full" if error.errno in DISK_FULL else error.strerror or str(error)
    return ResultWriteError(f"cannot write the result ({reason}); nothing was kept", path=str(path))


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
            write_statistics=["flow_id", "packet", "first_packet", "path"],
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
        try:
            return pa.array(values, type=kind, from_pandas=True)
        except CONVERSION_ERRORS:
            pass
        misfits: list[Misfit] = []
        fitted = self.schema.fitted(name, list(values), misfits)
        for misfit in misfits:
            if self.on_misfit is not None:
                row = {n: _at(columns.get(n), misfit.row) for n in self.names}
                self.on_misfit(replace(misfit, row=first_row + misfit.row), row)
        return pa.array(fitted, type=kind)


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
    ) -> None:
        self.final = Path(final)
        self.cache = cache
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
                tables[name] = {"rows": rows, **_file_facts(writer.path)}
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
            _fsync_tree(self.tmp)
            if _rename_if_free(self.tmp, self.final):
                return ResultFolder(self.final, meta, self.schemas)
            if self.cache:  # another process was first: keep its result if it is whole
                there = ResultFolder.open(self.final, self.schemas, engine=self.engine, version=self.version)
                if there is not None:
                    self.abort()
                    return there
            else:
                refuse_to_replace(self.final)
            _replace_folder(self.tmp, self.final)
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


class ResultFolder:
    """A complete result folder, checked against its meta.json when opened."""

    def __init__(self, path: Path, meta: dict[str, Any], schemas: Mapping[str, TableSchema]) -> None:
        self.path = path
        self.meta = meta
        self.schemas = dict(schemas)

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        schemas: Mapping[str, TableSchema],
        *,
        engine: str,
        version: str,
        verify: bool = True,
    ) -> ResultFolder | None:
        """The result at `path`, or None when there is none, it is incomplete or damaged (a file
        missing, of another size or hash, a table of other columns) or was written by another
        engine or version: such a folder is never trusted, only rebuilt."""
        folder = Path(path)
        meta = _read_meta(folder / META)
        if meta is None:
            return None
        if not isinstance(meta, dict) or (meta.get("format"), meta.get("engine"), meta.get("version")) != (
            FORMAT,
            engine,
            version,
        ):
            return None
        tables = meta.get("tables")
        if not isinstance(tables, dict) or set(tables) != set(schemas):
            return None
        for name, facts in tables.items():
            file = folder / f"{name}.parquet"
            if not isinstance(facts, dict) or not _matches(file, facts, schemas[name], verify):
                return None
        return cls(folder, meta, schemas)

    @property
    def scalars(self) -> dict[str, Any]:
        return dict(self.meta.get("scalars") or {})

    def file(self, name: str) -> Path:
        return self.path / f"{name}.parquet"

    def rows(self, name: str) -> int:
        return int(self.meta["tables"][name]["rows"])

    def read(self, name: str, columns: Iterable[str] | None = None) -> pa.Table:
        """The table (only `columns`, if named), as Arrow."""
        wanted = list(columns) if columns is not None else None
        table = pq.read_table(self.file(name), columns=wanted, schema=self.schemas[name].arrow)
        return table

    def batches(
        self, name: str, columns: Iterable[str] | None = None, batch_size: int = ROWS_PER_GROUP
    ) -> Iterator[pa.RecordBatch]:
        """The table in record batches (bounded memory whatever its size)."""
        wanted = list(columns) if columns is not None else None
        handle = pq.ParquetFile(self.file(name))
        try:
            yield from handle.iter_batches(batch_size=batch_size, columns=wanted)
        finally:
            handle.close()


@contextmanager
def system_memory() -> Iterator[None]:
    """Arrow allocating from the C library's heap for a while (writing or streaming a result):
    its default pool (mimalloc) keeps what each row group freed, tens of MB over a large result.
    At the end the heap's free pages go back to the system (glibc's malloc_trim), so what comes
    next (JSON Lines of the result) does not add to the engine's peak."""
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)
        _trim_heap()


def _trim_heap() -> None:
    gc.collect()
    with contextlib.suppress(AttributeError, OSError):  # not glibc: nothing to trim
        ctypes.CDLL(None).malloc_trim(0)


class FolderTables(Mapping[str, pd.DataFrame]):
    """A result folder's tables as DataFrames in an engine's form (`to_frame`; `objects=True`:
    every column Python values with None), each read from its Parquet file on first access;
    `columns(name, names)` reads only those columns."""

    def __init__(self, folder: ResultFolder, *, objects: bool = False) -> None:
        self.folder = folder
        self.objects = objects
        self._read: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.folder.schemas:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = self.columns(name, None)
        return self._read[name]

    def columns(self, name: str, columns: Iterable[str] | None) -> pd.DataFrame:
        """Only the named columns of a table (all when None), read from its file."""
        if name in self._read:
            frame = self._read[name]
            return frame if columns is None else frame[list(columns)]
        return to_frame(self.folder.read(name, columns), objects=self.objects)

    def __iter__(self) -> Iterator[str]:
        return iter(self.folder.schemas)

    def __len__(self) -> int:
        return len(self.folder.schemas)


def _at(values: Any, index: int) -> Any:
    return None if values is None else values[index]


def to_frame(table: pa.Table, *, objects: bool = False) -> pd.DataFrame:
    """An Arrow table as pandas in the engines' form: text as object with None, lists and structs
    as Python lists and dicts; numbers and booleans in their numpy dtype when the column has no
    null, else (and always with `objects=True`) as Python values with None."""
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind)
        if numeric and not objects and (column.null_count == 0 or pa.types.is_floating(kind)):
            values = column.to_numpy()
            if pa.types.is_integer(kind):
                values = values.astype("int64", copy=False)
            columns[name] = pd.Series(values, copy=False)
        else:
            columns[name] = pd.Series(column.to_pylist(), dtype=object)
    return pd.DataFrame(columns, columns=table.column_names, copy=False)


def _read_meta(path: Path) -> Any:
    """meta.json's content, or None: a link, a FIFO, a device or a file past MAX_META is no
    meta.json of ours (a tampered folder is not read without end)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        facts = os.fstat(fd)
        if not stat.S_ISREG(facts.st_mode) or facts.st_size > MAX_META:
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(MAX_META + 1)
        return json.loads(data.decode("utf-8")) if len(data) <= MAX_META else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def refuse_to_replace(final: Path) -> None:
    """A result is written only where nothing is, into an empty folder, or over an earlier result
    folder: never over a user's file or folder (an --out given by mistake destroys nothing)."""
    if not (final.exists() or final.is_symlink()):
        return
    if final.is_symlink() or not final.is_dir():
        raise ResultWriteError("exists and is not a folder: a result is not written over it", path=str(final))
    meta = _read_meta(final / META)
    if isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("engine"):
        return
    if any(final.iterdir()):
        raise ResultWriteError(
            "exists and is not a result folder (no meta.json of ours): choose an empty or new folder",
            path=str(final),
        )


def remove_stale(final: Path) -> None:
    """Temporary and set-aside folders of `final` left by a process that no longer runs (killed
    mid-write): removed before a new result is written beside them."""
    for stale in final.parent.glob(f".{glob.escape(final.name)}.*-*-*"):
        kind, _, rest = stale.name[len(final.name) + 2 :].partition("-")
        pid = rest.partition("-")[0]
        if kind not in ("tmp", "old") or not pid.isdigit() or _alive(int(pid)):
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rename_if_free(tmp: Path, final: Path) -> bool:
    """Rename `tmp` to `final` if nothing is there (atomic: fails if another process was first)."""
    if final.exists() or final.is_symlink():
        return False
    try:
        os.rename(tmp, final)  # onto nothing; onto a folder another process just made: ENOTEMPTY
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            return False
        raise
    return True


def _file_facts(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return {"bytes": size, "sha256": digest.hexdigest()}


def _matches(file: Path, facts: Mapping[str, Any], schema: TableSchema, verify: bool) -> bool:
    try:
        if file.is_symlink() or not file.is_file() or file.stat().st_size != facts.get("bytes"):
            return False
        if verify and _file_facts(file)["sha256"] != facts.get("sha256"):
            return False
        metadata = pq.read_metadata(file)
        return metadata.num_rows == facts.get("rows") and metadata.schema.to_arrow_schema().equals(
            schema.arrow
        )
    except (OSError, pa.ArrowException, ValueError):
        return False


def _fsync_tree(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_folder(tmp: Path, final: Path) -> None:
    """Rename `tmp` to `final`; an older folder there is moved aside first and then removed."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.parent / f".{final.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(final, old)
    os.rename(tmp, final)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
