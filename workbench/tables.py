"""Engine tables, each with one declared schema: the boundary between the engines and the checks.

An engine declares every table it produces once, as a `TableSchema` (column names, Arrow types and
a line of documentation each). The same declaration builds the engine's DataFrames, types the
cache's tables when they are read back, gives the checks typed rows (a TLS version is an integer
code, a packet list a list of integers, a missing value `None`; never a string to parse again) and
writes the table of columns in docs/CONTRACTS.md.

Rows are read in batches, so a table of millions of rows never becomes one Python object per row
all at once; a check that needs a few columns names them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import yaml

if TYPE_CHECKING:  # imported where a table is built or read, not by every engine at start
    import pandas as pd

ROWS_PER_BATCH = 10_000
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built with it: 10x faster
INT64_MAX = 2**63 - 1
# what pyarrow raises for a value that does not fit a type (a number past its range, text for a number)
CONVERSION_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str = ""
    declared_as: str = ""  # the type's name in the declaration (`port`, `tls_version`...)


@dataclass(frozen=True)
class Misfit:
    """A value that does not fit its declared column (a size past 64 bits, text for a port):
    the engine leaves it empty and reports it as a warning."""

    table: str
    column: str
    row: int  # the value's position in the values converted
    value: Any
    reason: str

    @property
    def message(self) -> str:
        return (
            f"table {self.table}, column {self.column}: {str(self.value)[:80]!r} does not fit"
            f" ({self.reason}); left empty"
        )


@dataclass(frozen=True)
class TableSchema:
    """One engine table: its name, what a row is, and its columns in order."""

    name: str
    doc: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def arrow(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type) for c in self.columns])

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    # --- building (the engines) ------------------------------------------------------------
    def empty(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame({c: pd.Series(dtype=object) for c in self.names})

    def frame(self, records: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]]) -> pd.DataFrame:
        """A table from rows: dicts, or tuples in the order of the columns."""
        import pandas as pd

        if not records:
            return self.empty()
        return pd.DataFrame.from_records(records, columns=list(self.names))

    def frame_from_columns(self, columns: Mapping[str, Any]) -> pd.DataFrame:
        """A table from one array (or list) per column: no row objects at all."""
        import pandas as pd

        if not columns or not len(next(iter(columns.values()))):
            return self.empty()
        return pd.DataFrame({c: columns[c] for c in self.names}, copy=False)

    def fitted(self, column: str, values: Sequence[Any], misfits: list[Misfit] | None = None) -> list[Any]:
        """`values` as Python values of the column's declared type (None where missing), all at
        once; only when that fails, value by value: a value that does not fit becomes None and is
        reported in `misfits`. The one checked conversion of every engine's tables."""
        kind = self.column(column).type
        try:
            return pa.array(values, type=kind, from_pandas=True).to_pylist()
        except CONVERSION_ERRORS:
            pass
        out = []
        for row, value in enumerate(values):
            try:
                out.append(pa.array([value], type=kind, from_pandas=True).to_pylist()[0])
            except CONVERSION_ERRORS as exc:
                out.append(None)
                if misfits is not None:
                    misfits.append(Misfit(self.name, column, row, value, str(exc)))
        return out

    # --- reading (the cache and the checks) ------------------------------------------------
    def to_arrow(self, frame: pd.DataFrame, columns: Iterable[str] = ()) -> pa.Table:
        """The frame as an Arrow table of the declared types (only `columns`, if named).

        A column the frame lacks is all nulls; a value of the wrong type is an error naming the
        table, because it means the engine broke its contract.
        """
        wanted = tuple(columns) or self.names
        fields = [pa.field(n, self.column(n).type) for n in wanted]
        arrays = []
        for field in fields:
            if field.name in frame.columns:
                values = frame[field.name]
                try:
                    arrays.append(pa.array(_plain_values(values), type=field.type, from_pandas=True))
                except CONVERSION_ERRORS as exc:
                    raise TypeError(f"table {self.name!r}, column {field.name!r}: {exc}") from exc
            else:
                arrays.append(pa.nulls(len(frame), type=field.type))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def rows(self, frame: pd.DataFrame | None, columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
        """Typed rows of `frame` (the named columns, else all, plus any context columns such as
        `artefact` and `sha256` the frame carries beyond the schema), read in batches."""
        if frame is None or frame.empty:
            return
        wanted = tuple(columns) or self.names
        extra = [c for c in frame.columns if c not in self.names and c not in wanted]
        for start in range(0, len(frame), ROWS_PER_BATCH):
            part = frame.iloc[start : start + ROWS_PER_BATCH]
            typed = self.to_arrow(part, wanted).to_pylist()
            context = part[extra].to_dict("records") if extra else None
            for i, row in enumerate(typed):
                if context is not None:
                    row.update({k: plain_cell(v) for k, v in context[i].items()})
                yield row

    def markdown(self) -> str:
        """The columns as a Markdown table, for docs/CONTRACTS.md."""
        lines = [f"`{self.name}`: {self.doc}", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.declared_as or c.type} | {c.doc} |" for c in self.columns]
        return "\n".join(lines)


# --- declarations as data ----------------------------------------------------------------
PRIMITIVES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "int64": pa.int64(),
    "uint16": pa.uint16(),
    "float64": pa.float64(),
}


def parse_type(text: str, aliases: Mapping[str, pa.DataType]) -> pa.DataType:
    """`string`, `uint16`..., a name from `aliases`, or `list<...>` of one of them."""
    text = text.strip()
    if text.startswith("list<") and text.endswith(">"):
        return pa.list_(parse_type(text[5:-1], aliases))
    if text in aliases:
        return aliases[text]
    if text in PRIMITIVES:
        return PRIMITIVES[text]
    raise ValueError(f"unknown column type {text!r}")


def load_tables(path: Path) -> dict[str, TableSchema]:
    """The tables an engine declares in a YAML file: `types` (names for types, a struct as a
    mapping of field to type) and `tables` (name -> doc and columns: name -> [type, doc])."""
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    aliases: dict[str, pa.DataType] = {}
    for name, spec in (data.get("types") or {}).items():
        if isinstance(spec, dict):
            aliases[name] = pa.struct([pa.field(f, parse_type(t, aliases)) for f, t in spec.items()])
        else:
            aliases[name] = parse_type(str(spec), aliases)
    tables = {}
    for name, spec in data["tables"].items():
        columns = tuple(
            Column(column, parse_type(kind, aliases), doc, kind)
            for column, (kind, doc) in spec["columns"].items()
        )
        tables[name] = TableSchema(name, spec["doc"], columns)
    return tables


def is_pandas_missing(value: Any) -> bool:
    """Whether `value` is pandas' NA or NaT (never, when pandas was not even imported)."""
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def plain_cell(value: Any) -> Any:
    """A cell as a Python value: NaN/NA/NaT as None, numpy scalars unwrapped."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if is_pandas_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return value
    return value


def _plain_values(series: pd.Series) -> Any:
    """Values Arrow can convert: object columns with numpy arrays inside become lists."""
    if series.dtype != object:
        return series
    return [v.tolist() if hasattr(v, "tolist") and not isinstance(v, str | bytes) else v for v in series]
