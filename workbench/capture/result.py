"""`CaptureAnalysis`: the engine's tables (pandas, typed by `schema.TABLES`), the device, a summary.

A table read from a result folder (`workbench.columnar.to_frame`) and one built in memory from
JSON (`from_json`, through `typed`) have the same pandas form of each declared type: integers as
int64 (object holding Python ints and None when some are missing), floats as float64, booleans as
bool (object when some are missing), text as object with None for missing, lists and structs as
Python lists and dicts.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:  # imported where a table is built or read, not by the engine's command
    import pandas as pd

from workbench.capture.schema import TABLES
from workbench.capture.warnings import WarningLog
from workbench.columnar import FolderTables, ResultFolder
from workbench.tables import INT64_MAX, Column, Misfit, TableSchema, is_pandas_missing

INT64_MIN = -(2**63)


def build(
    name: str,
    records: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]],
    misfits: list[Misfit] | None = None,
) -> pd.DataFrame:
    """Table `name` from rows: dicts, or tuples in the order of its schema's columns. A value that
    does not fit its column is left empty and reported in `misfits`."""
    schema = TABLES[name]
    return typed(schema, schema.frame(records), misfits)


def typed(schema: TableSchema, frame: pd.DataFrame, misfits: list[Misfit] | None = None) -> pd.DataFrame:
    """The frame's schema columns, in order, each in the pandas form of its declared type."""
    import pandas as pd

    size = len(frame)
    columns = {}
    for column in schema.columns:
        if column.name in frame.columns:
            columns[column.name] = _declared(schema, column, frame[column.name], misfits)
        else:
            columns[column.name] = pd.Series([None] * size, dtype=object, index=frame.index)
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _declared(
    schema: TableSchema, column: Column, values: pd.Series, misfits: list[Misfit] | None
) -> pd.Series:
    """The column in its declared pandas form: vectorised; only a column holding a value that
    does not fit (a size past 64 bits from the wire) is converted value by value, by the
    schema's checked conversion, and the value left empty."""
    import pandas as pd

    try:
        return _as_declared(values, column.type)
    except (OverflowError, ValueError, TypeError):
        fitted = schema.fitted(column.name, values.tolist(), misfits)
        return _as_declared(pd.Series(fitted, dtype=object, index=values.index), column.type)


def _as_declared(values: pd.Series, kind: pa.DataType) -> pd.Series:
    """Raises OverflowError for an integer past int64 (never wraps it), ValueError or TypeError
    for a value that is no number."""
    import pandas as pd

    if pa.types.is_floating(kind):
        return values if values.dtype == "float64" else values.astype("float64")
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        numpy = "int64" if pa.types.is_integer(kind) else "bool"
        if values.dtype == numpy:
            return values
        if numpy == "int64" and values.dtype != object and not _within_int64(values):
            raise OverflowError("a number past 64 bits")
        missing = values.isna()
        if not missing.any():
            return values.astype(numpy)  # an object column's int past 64 bits: OverflowError
        convert = int if pa.types.is_integer(kind) else bool
        converted = [None if m else convert(v) for v, m in zip(values, missing, strict=True)]
        if convert is int and any(v is not None and not INT64_MIN <= v <= INT64_MAX for v in converted):
            raise OverflowError("a number past 64 bits")
        return pd.Series(converted, dtype=object, index=values.index)
    if pa.types.is_string(kind):
        missing = values.isna()
        if values.dtype == object and not missing.any():
            return values
        return values.astype(object).where(~missing, None)
    return values.astype(object) if values.dtype != object else values


def _within_int64(values: pd.Series) -> bool:
    """Whether a numeric (not object) column's values are whole numbers int64 holds: unsigned and
    float columns are checked at once, without a Python loop."""
    if values.dtype.kind == "u":
        return values.empty or int(values.max()) <= INT64_MAX
    if values.dtype.kind == "f":
        present = values[values.notna()]
        return bool(((present >= INT64_MIN) & (present < 2.0**63) & (present == np.floor(present))).all())
    return True


def report_misfits(log: WarningLog, tables: Mapping[str, pd.DataFrame], misfits: list[Misfit]) -> None:
    """Each value left empty as a `schema` warning, at the packet of its row."""
    for misfit in misfits:
        log.add("schema", misfit.message, _row_packet(tables[misfit.table], misfit.row))


def _row_packet(table: pd.DataFrame, row: int) -> int | None:
    """The packet of row `row` of an engine table (its packet, first packet or first of its
    packets)."""
    import pandas as pd

    for name in ("packet", "first_packet", "packets"):
        if name in table.columns and 0 <= row < len(table):
            value = table[name].iloc[row]
            if name == "packets":
                value = value[0] if value is not None and len(value) else None
            return None if value is None or pd.isna(value) else int(value)
    return None


def plain(value: Any) -> Any:
    """A JSON-ready copy: numpy scalars to Python, NaN/NA to None, containers recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        return plain(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return None
    if is_pandas_missing(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


RESULT_ENGINE = "capture"
RESULT_VERSION = "1"  # bump when a table's content changes for the same capture


class CaptureAnalysis:
    """The analysis of one capture: `tables` (name -> DataFrame), `device`, `summary`.

    Read from a result folder (`open`, or `analyse_capture(..., out=)`), each table is read from
    its Parquet file the first time it is asked for; `table(name, columns)` reads only the named
    columns. Built in memory (`from_json`, `analyse_capture` without `out`), the tables are frames.
    """

    def __init__(
        self,
        tables: Mapping[str, pd.DataFrame],
        device: dict[str, Any] | None = None,
        summary: dict[str, Any] | None = None,
        folder: ResultFolder | None = None,
    ) -> None:
        self.tables = tables
        self.device = device if device is not None else {}
        self.summary = summary if summary is not None else {}
        self.folder = folder

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables")
        if tables is not None and name in TABLES:
            return tables[name]
        raise AttributeError(name)

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> CaptureAnalysis | None:
        """The analysis in a result folder, or None if there is none there, or it is damaged or of
        another version (to be rebuilt, never trusted)."""
        folder = ResultFolder.open(path, TABLES, engine=RESULT_ENGINE, version=RESULT_VERSION)
        return None if folder is None else cls.from_folder(folder)

    @classmethod
    def from_folder(cls, folder: ResultFolder, *, eager: bool = False) -> CaptureAnalysis:
        scalars = folder.scalars
        tables: Mapping[str, pd.DataFrame] = FolderTables(folder)
        if eager:
            tables = {name: tables[name] for name in TABLES}
        return cls(
            tables=tables,
            device=dict(scalars.get("device") or {}),
            summary=dict(scalars.get("summary") or {}),
            folder=None if eager else folder,
        )

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Table `name`, only `columns` if named (read from disk without the others)."""
        if columns is None:
            return self.tables[name]
        if isinstance(self.tables, FolderTables):
            return self.tables.columns(name, columns)
        return self.tables[name][list(columns)]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in TABLES:
            table = self.tables.get(name)
            records = [] if table is None else table.to_dict("records")
            out[name] = [plain(r) for r in records]
        out["device"] = plain(self.device)
        out["summary"] = plain(self.summary)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaptureAnalysis:
        misfits: list[Misfit] = []
        tables = {name: build(name, list(data.get(name) or []), misfits) for name in TABLES}
        if misfits:  # data written by an engine that let such a value through
            log = WarningLog()
            report_misfits(log, tables, misfits)
            tables["warnings"] = build("warnings", list(data.get("warnings") or []) + log.records())
        return cls(
            tables=tables, device=dict(data.get("device") or {}), summary=dict(data.get("summary") or {})
        )
