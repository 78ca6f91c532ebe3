"""A result's tables as pandas in the engines' form, read lazily; Arrow's memory while writing."""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pyarrow as pa

from workbench.columnar.folder import ResultFolder

if TYPE_CHECKING:  # pandas is imported by what reads tables, not by what only writes them
    import pandas as pd


def to_frame(table: pa.Table, *, objects: bool = False) -> pd.DataFrame:
    """An Arrow table as pandas in the engines' form: text as object with None, lists and structs
    as Python lists and dicts; numbers and booleans in their numpy dtype when the column has no
    null, else (and always with `objects=True`) as Python values with None."""
    import pandas as pd

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


class FolderTables(Mapping[str, "pd.DataFrame"]):
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
    gc.collect(1)  # the young generations: a full pass would walk every module's objects too
    with contextlib.suppress(AttributeError, OSError):  # not glibc: nothing to trim
        ctypes.CDLL(None).malloc_trim(0)
