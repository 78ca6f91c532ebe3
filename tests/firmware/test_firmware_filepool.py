"""The file workers: batches go to whichever worker has room and come back in their order; a
worker that dies mid-way leaves its batches to be inspected in the scan's process, and the
files are all measured, in order, as in the scan's process."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest

from workbench.firmware import filework
from workbench.firmware.filepool import FilePool
from workbench.firmware.inventory import FileRecord


def _records(root: Path, count: int, large: dict[int, int]) -> list[FileRecord]:
    """`count` files, those numbered in `large` of that many bytes (a long batch among short ones)."""
    records = []
    for i in range(count):
        path = root / f"f{i:05d}.conf"
        data = os.urandom(large[i]) if i in large else f"option item_{i} 'value {i}'\n".encode()
        path.write_bytes(data)
        records.append(FileRecord(f"/etc/f{i:05d}.conf", path, "file", len(data), 0o644, 0, 0, "file"))
    return records


def _expected(records: list[FileRecord]) -> list[str]:
    return [hashlib.sha256(Path(r.disk).read_bytes()).hexdigest() for r in records]


def test_batches_come_back_in_order_whichever_worker_took_them(tmp_path):
    records = _records(tmp_path, 3000, {5: 24 << 20, 1500: 12 << 20})
    here = [FileRecord(**{f: getattr(r, f) for f in r.__slots__}) for r in records]
    with FilePool(2) as pool:
        batches = list(filework.inspect_all(records, pool))
    assert [r.path for batch, _ in batches for r in batch] == [r.path for r in records]
    assert [r.sha256 for r in records] == _expected(records)
    in_process = list(filework.inspect_all(here))
    assert [(r.sha256, r.entropy, r.type) for r in records] == [(r.sha256, r.entropy, r.type) for r in here]
    assert [len(b) for b, _ in batches] == [len(b) for b, _ in in_process]


@pytest.mark.parametrize(
    ("victim", "said"),
    [
        ("started", ("a file worker stopped", "cut")),  # the process started: its exit, or a cut answer
        ("forked", ("a file worker stopped",)),  # forked from it: seen on its pipe only
    ],
)
def test_a_worker_that_dies_leaves_its_batches_to_the_scan(tmp_path, victim, said):
    records = _records(tmp_path, 4000, {})
    problems: list[str] = []
    with FilePool(2) as pool:
        results = filework.inspect_all(records, pool, problems)
        first = next(results)
        if victim == "started":
            pid = pool.workers[0].proc.pid
        else:
            (pid,) = _forked(pool)
        os.kill(pid, signal.SIGKILL)
        rest = list(results)
    batches = [first, *rest]
    assert [r.path for batch, _ in batches for r in batch] == [r.path for r in records]
    assert [r.sha256 for r in records] == _expected(records)
    assert problems and all(any(words in p for words in said) for p in problems)


def _forked(pool: FilePool) -> list[int]:
    """The pids of the workers forked from the first (its children)."""
    first = pool.workers[0].proc.pid
    children = Path(f"/proc/{first}/task/{first}/children").read_text().split()
    return [int(pid) for pid in children]


def _ended(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"  # ended, not yet reaped by whoever its parent is now


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether the process ends within `within` seconds (a killed one takes the kernel a moment)."""
    deadline = time.monotonic() + within
    while not _ended(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_second_worker_is_forked_from_the_first_and_both_end_with_the_pool(tmp_path):
    records = _records(tmp_path, 600, {})
    with FilePool(2) as pool:
        batches = list(filework.inspect_all(records, pool))
        (forked,) = _forked(pool)
        assert pool.workers[1].proc is None and pool.workers[1].running()
    assert [r.path for batch, _ in batches for r in batch] == [r.path for r in records]
    assert [r.sha256 for r in records] == _expected(records)
    assert pool.workers[0].proc.returncode == 0 and _gone(forked)


def test_the_forked_worker_is_stopped_when_the_first_is_killed(tmp_path):
    records = _records(tmp_path, 300, {})
    with FilePool(2) as pool:
        list(filework.inspect_all(records, pool))
        (forked,) = _forked(pool)
        os.kill(pool.workers[0].proc.pid, signal.SIGKILL)
    assert _gone(forked)
