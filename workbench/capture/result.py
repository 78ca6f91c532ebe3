"""`CaptureAnalysis`: the engine's tables (pandas, typed by `schema.TABLES`), the device, a summary.

Every table, fresh from the engine or read back from the cache, goes through `typed`, so a check
sees the same pandas form of each declared type either way: integers as int64 (object holding
Python ints and None when some are missing), floats as float64, booleans as bool (object when some
are missing), text as object with None for missing, lists and structs as Python lists and dicts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from workbench.capture.schema import TABLES
from workbench.tables import TableSchema


def build(name: str, records: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """Table `name` from rows: dicts, or tuples in the order of its schema's columns."""
    schema = TABLES[name]
    return typed(schema, schema.frame(records))


def build_from_columns(name: str, columns: Mapping[str, Any]) -> pd.DataFrame:
    """Table `name` from one array (or list) per column: no row objects at all.

    Each array becomes its column in the declared pandas form directly (an object array of text
    stays object, without pandas inferring a string dtype first and `typed` undoing it).
    """
    schema = TABLES[name]
    if not columns or not len(next(iter(columns.values()))):
        return build(name, [])
    return pd.DataFrame({c.name: _column(columns[c.name], c.type) for c in schema.columns}, copy=False)


def _column(values: Any, kind: pa.DataType) -> pd.Series:
    if pa.types.is_string(kind) or pa.types.is_nested(kind):
        return pd.Series(values, dtype=object, copy=False)
    return _as_declared(pd.Series(values, copy=False), kind)


def typed(schema: TableSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's schema columns, in order, each in the pandas form of its declared type."""
    size = len(frame)
    columns = {}
    for column in schema.columns:
        if column.name in frame.columns:
            columns[column.name] = _as_declared(frame[column.name], column.type)
        else:
            columns[column.name] = pd.Series([None] * size, dtype=object, index=frame.index)
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _as_declared(values: pd.Series, kind: pa.DataType) -> pd.Series:
    if pa.types.is_floating(kind):
        return values if values.dtype == "float64" else values.astype("float64")
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        numpy = "int64" if pa.types.is_integer(kind) else "bool"
        if values.dtype == numpy:
            return values
        missing = values.isna()
        if not missing.any():
            return values.astype(numpy)
        convert = int if pa.types.is_integer(kind) else bool
        return pd.Series(
            [None if m else convert(v) for v, m in zip(values, missing, strict=True)],
            dtype=object,
            index=values.index,
        )
    if pa.types.is_string(kind):
        missing = values.isna()
        if values.dtype == object and not missing.any():
            return values
        return values.astype(object).where(~missing, None)
    return values.astype(object) if values.dtype != object else values


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
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return value


@dataclass
class CaptureAnalysis:
    tables: dict[str, pd.DataFrame]
    device: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables")
        if tables is not None and name in tables:
            return tables[name]
        raise AttributeError(name)

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
        tables = {name: build(name, list(data.get(name) or [])) for name in TABLES}
        return cls(
            tables=tables, device=dict(data.get("device") or {}), summary=dict(data.get("summary") or {})
        )
