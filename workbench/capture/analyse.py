"""`analyse_capture`: run the engine over a file, its tables streamed into a result folder."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.capture.engine import LINK_NAMES, Engine, Limits
from workbench.capture.reader import open_records
from workbench.capture.result import RESULT_ENGINE, RESULT_VERSION, CaptureAnalysis
from workbench.capture.schema import TABLES
from workbench.capture.sink import Sink
from workbench.capture.tables_out import write_tables
from workbench.capture.warnings import WarningLog
from workbench.columnar import ResultFolder, ResultWriter, system_memory
from workbench.errors import EvidenceError
from workbench.tables import Misfit


def analyse_capture(
    path: str | os.PathLike[str],
    *,
    device_ips: Iterable[str] = (),
    device_macs: Iterable[str] = (),
    reveal_secrets: bool = False,
    limits: Limits | None = None,
    out: str | os.PathLike[str] | None = None,
    cache: bool = False,
    durable: bool = True,
) -> CaptureAnalysis:
    """Analyse a pcap/pcapng capture (optionally .gz) in one streaming pass.

    With `out`, the tables are written to that result folder and read from it as they are asked
    for (an earlier result there is replaced; a folder that is not a result is never touched:
    ResultWriteError); with cache=True `out` is a cache's own folder, where a complete result
    another process wrote meanwhile is kept. Without `out`, the tables are read into memory
    from a temporary folder. durable=False: `out` is scratch, read once then removed (its files
    are not forced to the disk).
    Raises EvidenceError only when the file is missing or not a capture at all; damage inside a
    capture gives a partial result and rows in the `warnings` table; ResultWriteError when the
    result cannot be written (a full disk), leaving nothing behind.
    """
    path = Path(path)
    if not path.is_file():
        raise EvidenceError("capture file not found", path=str(path))
    args = (list(device_ips), list(device_macs), reveal_secrets, limits or Limits())
    if out is not None:
        folder = write_result(path, Path(out), *args, cache=cache, durable=durable)
        return CaptureAnalysis.from_folder(folder)
    with tempfile.TemporaryDirectory(prefix="workbench-capture-") as tmp:
        folder = write_result(path, Path(tmp) / "result", *args, durable=False)
        return CaptureAnalysis.from_folder(folder, eager=True)


def write_result(
    path: Path,
    out: Path,
    ips: list[str],
    macs: list[str],
    reveal: bool,
    limits: Limits,
    *,
    cache: bool = False,
    durable: bool = True,
) -> ResultFolder:
    """The analysis of `path` as a result folder at `out`."""
    warnings = WarningLog()

    def misfit(found: Misfit, row: dict[str, Any]) -> None:
        warnings.add("schema", found.message, _packet_of(row))

    with (
        system_memory(),
        fewer_collections(),
        ResultWriter(
            out,
            TABLES,
            engine=RESULT_ENGINE,
            version=RESULT_VERSION,
            on_misfit=misfit,
            cache=cache,
            durable=durable,
        ) as result,
    ):
        sink = Sink(warnings, limits, result, reveal)
        engine = Engine(sink)
        info: dict[str, Any] = {"file_format": None, "link_types": []}
        try:
            records = open_records(path, warnings, info)  # EvidenceError: not a capture
        except (OSError, EOFError) as exc:
            raise EvidenceError(f"capture cannot be read: {exc}", path=str(path)) from None
        try:
            engine.run(records)
        finally:
            records.close()
        engine.finish()
        device = write_tables(engine, sink, result, ips, macs)
        result.flush()  # every misfit reported before the warnings are written
        result.table("warnings").add_many(warnings.records())
        summary = {
            "packets": engine.packets,
            "bytes": engine.bytes,
            "first_ts": engine.first_ts,
            "last_ts": engine.last_ts,
            "link_types": info.get("link_types") or [],
            "link_type_names": [LINK_NAMES.get(t, str(t)) for t in info.get("link_types") or []],
            "file_format": info.get("file_format"),
            "flows": engine.flows,
            "secrets_revealed": reveal,
        }
        return result.commit({"device": device, "summary": summary})


@contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """The cyclic garbage collector run every `young` new objects instead of 700 while the
    engine runs: it keeps a flow, its stream and rows for each of up to hundreds of thousands of
    flows, which the collector would otherwise walk again and again (a tenth of a scan-heavy
    capture's time). The engine's objects hold no cycles it relies on the collector for."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _packet_of(row: dict[str, Any]) -> int | None:
    """The packet of a row of an engine table: its packet, first packet or first of its packets."""
    for name in ("packet", "first_packet", "order"):
        if isinstance(row.get(name), int) and row[name] > 0:
            return row[name]
    packets = row.get("packets")
    if isinstance(packets, list) and packets and isinstance(packets[0], int):
        return packets[0]
    return None
