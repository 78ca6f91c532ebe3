"""A complete result folder, opened only when every file matches its meta.json."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from workbench.fsutil import sha256_file
from workbench.tables import TableSchema

FORMAT = 1
META = "meta.json"
MAX_META = 1 << 20  # meta.json holds scalars and table facts: a larger one is not ours
ROWS_PER_GROUP = 65_536


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
    ) -> ResultFolder | None:
        """The result at `path`, or None when there is none, it is incomplete or damaged (a file
        missing, of another size or hash, a table of other columns) or was written by another
        engine or version: such a folder is never trusted, only rebuilt."""
        folder = Path(path)
        meta = read_meta(folder / META)
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
            if not isinstance(facts, dict) or not _matches(file, facts, schemas[name]):
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
        """The table (only `columns`, if named, in that order), as Arrow in its declared types.
        Read by ParquetFile: `pq.read_table` goes through pyarrow.dataset, whose import cost a
        command 60 ms."""
        schema = self.schemas[name].arrow
        wanted = list(columns) if columns is not None else schema.names
        declared = pa.schema([schema.field(column) for column in wanted])
        with pq.ParquetFile(self.file(name)) as handle:
            table = handle.read(columns=wanted).select(wanted)
        return table if table.schema.equals(declared) else table.cast(declared)

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


def read_meta(path: Path) -> Any:
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


def file_facts(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _matches(file: Path, facts: Mapping[str, Any], schema: TableSchema) -> bool:
    try:
        if file.is_symlink() or not file.is_file() or file.stat().st_size != facts.get("bytes"):
            return False
        if sha256_file(file) != facts.get("sha256"):
            return False
        metadata = pq.read_metadata(file)
        return metadata.num_rows == facts.get("rows") and metadata.schema.to_arrow_schema().equals(
            schema.arrow
        )
    except (OSError, pa.ArrowException, ValueError):
        return False
