"""Results on disk: table writers, result folders checked on open, sorted spills merged back."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

from workbench.columnar import ResultFolder, ResultWriter, to_frame
from workbench.rowsout import write_csv, write_jsonl
from workbench.spill import SortedSpill
from workbench.tables import TableSchema, load_tables

YAML = """
types:
  packet: int64
tables:
  events:
    doc: one row per event
    columns:
      packet: [packet, the packet]
      name: [string, a name]
      size: [int64, a size]
      tags: [list<string>, tags]
  empty:
    doc: never written
    columns:
      n: [int64, a number]
"""


@pytest.fixture
def schemas(tmp_path: Path) -> dict[str, TableSchema]:
    path = tmp_path.parent / f"{tmp_path.name}-tables.yaml"
    path.write_text(YAML)
    return load_tables(path)


def _write(final: Path, schemas, rows, **kwargs) -> ResultFolder:
    misfits = []
    hook = lambda m, r: misfits.append((m, r))  # noqa: E731
    with ResultWriter(final, schemas, engine="test", version="1", on_misfit=hook, **kwargs) as w:
        w.table("events", rows_per_group=3).add_many(rows)
        folder = w.commit({"facts": {"a": 1}})
    folder.misfits = misfits  # type: ignore[attr-defined]
    return folder


def test_rows_round_trip_in_row_groups_and_a_misfit_is_left_empty(tmp_path, schemas) -> None:
    rows = [(i, f"n{i}", i * 10, [f"t{i}"]) for i in range(1, 8)] + [{"packet": 8, "size": 2**70}]
    folder = _write(tmp_path / "r", schemas, rows)
    frame = to_frame(folder.read("events"))
    assert list(frame["packet"]) == list(range(1, 9)) and folder.rows("events") == 8
    assert frame["size"].iloc[-1] is None and frame["tags"].iloc[0] == ["t1"]
    ((misfit, row),) = folder.misfits
    assert misfit.row == 7 and row["packet"] == 8  # the row's values, to name its packet
    assert folder.rows("empty") == 0 and folder.scalars == {"facts": {"a": 1}}
    reopened = ResultFolder.open(tmp_path / "r", schemas, engine="test", version="1")
    assert reopened is not None and list(to_frame(reopened.read("events", ["name"])).columns) == ["name"]
    assert ResultFolder.open(tmp_path / "r", schemas, engine="test", version="2") is None
    assert ResultFolder.open(tmp_path / "r", schemas, engine="other", version="1") is None


def test_a_name_in_bytes_that_are_not_utf8_is_written_as_python_shows_it(tmp_path, schemas) -> None:
    """A file name from a device's file system need not be UTF-8: os gives its bytes as
    surrogates, which Arrow's UTF-8 cannot hold; the row is kept, the bytes written `\\xff`."""
    odd = b"bad\xffname\xc3".decode("utf-8", "surrogateescape")
    rows = [(1, odd, 1, [odd]), (2, "caf\u00e9", 2, []), (3, "lone \ud800", 3, []), (4, None, 4, None)]
    folder = _write(tmp_path / "r", schemas, rows)
    names = folder.read("events", ["name"]).column("name").to_pylist()
    assert names == ["bad\\xffname\\xc3", "caf\u00e9", "lone \\ud800", None]
    assert folder.misfits == []  # kept, not left empty


@pytest.mark.parametrize("durable", [True, False])
def test_a_result_is_forced_to_disk_unless_it_is_scratch(tmp_path, schemas, monkeypatch, durable) -> None:
    """A result kept (--out, a cache) is fsynced before it is moved into place; a command's scratch
    result (read once, removed) is not, and is the same result."""
    from workbench.columnar import writer

    synced: list[Path] = []
    monkeypatch.setattr(writer, "fsync_tree", lambda folder: synced.append(folder))
    folder = _write(tmp_path / "r", schemas, [(1, "a", 1, [])], durable=durable)
    assert len(synced) == (1 if durable else 0)
    assert folder.rows("events") == 1
    assert ResultFolder.open(tmp_path / "r", schemas, engine="test", version="1") is not None


def test_a_folder_that_does_not_match_its_meta_is_not_opened(tmp_path, schemas) -> None:
    _write(tmp_path / "r", schemas, [(1, "a", 1, [])])
    meta = json.loads((tmp_path / "r" / "meta.json").read_text())
    meta["tables"]["events"]["rows"] = 2
    (tmp_path / "r" / "meta.json").write_text(json.dumps(meta))
    assert ResultFolder.open(tmp_path / "r", schemas, engine="test", version="1") is None
    _write(tmp_path / "s", schemas, [(1, "a", 1, [])])
    (tmp_path / "s" / "empty.parquet").unlink()
    (tmp_path / "s" / "empty.parquet").symlink_to(tmp_path / "r" / "empty.parquet")
    assert ResultFolder.open(tmp_path / "s", schemas, engine="test", version="1") is None


def test_an_error_while_writing_leaves_nothing(tmp_path, schemas) -> None:
    with pytest.raises(RuntimeError), ResultWriter(tmp_path / "r", schemas, engine="test", version="1") as w:
        w.table("events").add((1, "a", 1, []))
        raise RuntimeError("the engine failed")
    assert list(tmp_path.iterdir()) == []


def test_a_cache_keeps_a_complete_result_already_there(tmp_path, schemas) -> None:
    first = _write(tmp_path / "r", schemas, [(1, "first", 1, [])])
    kept = _write(tmp_path / "r", schemas, [(1, "second", 1, [])], cache=True)
    assert to_frame(kept.read("events"))["name"].tolist() == ["first"] and kept.path == first.path
    replaced = _write(tmp_path / "r", schemas, [(1, "third", 1, [])])
    assert to_frame(replaced.read("events"))["name"].tolist() == ["third"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_json_lines_and_csv_hold_every_row(tmp_path, schemas) -> None:
    rows = [(i, f'he said "{i}"\n', i, ["a", "b"]) for i in range(1, 20_000)]
    folder = _write(tmp_path / "r", schemas, rows)
    out = tmp_path / "rows.jsonl"
    with open(out, "w") as handle:
        assert write_jsonl(folder, ["events", "empty"], handle) == len(rows)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(rows) and lines[0] == {
        "table": "events",
        "packet": 1,
        "name": 'he said "1"\n',
        "size": 1,
        "tags": ["a", "b"],
    }
    assert write_csv(folder, "events", tmp_path / "events.csv") == len(rows)
    assert write_csv(folder, "empty", tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text().strip() == "n"


def test_a_sorted_spill_gives_every_row_back_in_key_order(tmp_path) -> None:
    schema = pa.schema([("key", pa.int64()), ("value", pa.string())])
    spill = SortedSpill(tmp_path, "t", schema, "key", rows_per_run=97)
    rows = [(k, f"v{k}") for k in range(1, 3000)] + [(500, "again"), (None, "no key"), (None, "none either")]
    random.Random(7).shuffle(rows)
    for row in rows:
        spill.add(row)
    chunks = list(spill.chunks(rows=250))
    merged = [
        r
        for chunk in chunks
        for r in zip(*(chunk.column(c).to_pylist() for c in ("key", "value")), strict=True)
    ]
    assert sorted(merged, key=lambda r: (r[0] or 0, r[1])) == sorted(rows, key=lambda r: (r[0] or 0, r[1]))
    keys = [k or 0 for k, _ in merged]
    assert keys == sorted(keys)  # rows without a key first, then in key order
    assert len(chunks) > 1 and max(c.num_rows for c in chunks) < len(rows)  # a range at a time
    assert [c.column_names for c in spill.chunks(["value"])][0] == ["value"]


def test_a_killed_writers_temporary_folder_is_removed_by_the_next(tmp_path, schemas) -> None:
    pid = _dead_pid()
    stale = tmp_path / f".r.tmp-{pid}-abcd"
    (stale / ".scratch").mkdir(parents=True)
    alive = tmp_path / f".r.tmp-{os.getpid()}-beef"  # a writer still running: left alone
    alive.mkdir()
    _write(tmp_path / "r", schemas, [(1, "a", 1, [])])
    assert not stale.exists() and alive.exists()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("kind", ["fifo", "link to a device", "huge"])
def test_a_tampered_meta_json_is_not_read_without_end(tmp_path, schemas, kind) -> None:
    _write(tmp_path / "r", schemas, [(1, "a", 1, [])])
    meta = tmp_path / "r" / "meta.json"
    meta.unlink()
    if kind == "fifo":
        os.mkfifo(meta)
    elif kind == "link to a device":
        meta.symlink_to("/dev/zero")
    else:
        meta.write_text('{"format": 1, "x": "' + "a" * (2 << 20) + '"}')
    assert ResultFolder.open(tmp_path / "r", schemas, engine="test", version="1") is None
