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

from workbench.columnar.failures import DISK_FULL, ResultWriteError, write_error
from workbench.columnar.folder import FORMAT, META, ResultFolder
from workbench.columnar.frames import FolderTables, system_memory, to_frame
from workbench.columnar.place import refuse_to_replace
from workbench.columnar.writer import MisfitHook, ResultWriter, TableWriter

__all__ = [
    "DISK_FULL",
    "FORMAT",
    "META",
    "FolderTables",
    "MisfitHook",
    "ResultFolder",
    "ResultWriteError",
    "ResultWriter",
    "TableWriter",
    "refuse_to_replace",
    "system_memory",
    "to_frame",
    "write_error",
]
