"""A firmware diff as a result folder (workbench.columnar): one Parquet file per kind of the
declared diff tables (`diff_kinds.DIFF_TABLES`) and meta.json, whose scalar `summary` is the
diff's summary line (the images, complete, notes, counts per kind)."""

from __future__ import annotations

import os

from workbench.columnar import ResultFolder, ResultWriter
from workbench.firmware.diff import FirmwareDiff
from workbench.firmware.diff_kinds import DIFF_TABLES

ENGINE = "firmware-diff"
VERSION = "1"  # bump when a diff table changes shape or meaning


def write_diff(diff: FirmwareDiff, out: str | os.PathLike[str]) -> ResultFolder:
    """Write the diff at `out` (an earlier result folder there is replaced, a user's own files
    never: ResultWriteError)."""
    with ResultWriter(out, DIFF_TABLES, engine=ENGINE, version=VERSION) as writer:
        for kind, table in diff.tables.items():
            columns = {name: table[name].tolist() for name in DIFF_TABLES[kind].names}
            writer.table(kind).add_columns(columns)
        return writer.commit({"summary": diff.head()})


def open_diff(folder: str | os.PathLike[str]) -> ResultFolder | None:
    """A diff result folder written by this version, or None."""
    return ResultFolder.open(folder, DIFF_TABLES, engine=ENGINE, version=VERSION)
