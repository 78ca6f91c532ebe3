"""The per-file work starts while the inventory is still walked: the pool reads batches as it
needs them (never more than AHEAD a worker beyond the earliest not given back), and the scan's
Inventory gives its records once, in order, running what waits for the whole walk at its end."""

from __future__ import annotations

import os
from pathlib import Path

from workbench.firmware import filework
from workbench.firmware.filepool import AHEAD, FilePool
from workbench.firmware.inventory import FileRecord
from workbench.firmware.scan import Inventory


def _record(root: Path, i: int, size: int = 0) -> FileRecord:
    path = root / f"f{i:05d}.conf"
    data = os.urandom(size) if size else f"option item_{i} 'value {i}'\n".encode()
    path.write_bytes(data)
    return FileRecord(f"/etc/f{i:05d}.conf", str(path), "file", len(data), 0o644, 0, 0, "file")


def test_the_pool_sends_batches_before_the_walk_has_ended(tmp_path):
    records = [_record(tmp_path, i, 3 << 20 if i in (40, 41) else 0) for i in range(60)]
    batches = [records[i : i + 1] for i in range(60)]
    sent_before: dict[int, int] = {}  # batch number -> batches sent when it was read
    sent = 0

    with FilePool(2) as pool:
        for worker in pool.workers:

            def counted(payload, send=worker.send):
                nonlocal sent
                sent += 1
                send(payload)

            worker.send = counted

        def lazily():
            for number, batch in enumerate(batches):
                sent_before[number] = sent
                yield batch

        answered = []
        for batch, answer in pool.map(lazily(), weight=filework._content, heavy=1 << 20):
            assert not isinstance(answer, str)
            measured, _ = answer
            assert measured[0][0] is not None
            answered.append(batch[0].path)
    assert answered == [r.path for r in records]  # every batch, in order
    window = AHEAD * 2
    assert sent_before[window - 1] == 0  # the first window read before any is sent ...
    assert sent_before[window] > 0 and sent_before[59] > 0  # ... then the walk goes on beside the workers


def test_an_inventory_gives_each_record_once_in_order_and_says_when_it_is_walked(tmp_path):
    records = [_record(tmp_path, i) for i in range(25)]
    walked: list[int] = []
    inventory = Inventory(iter(records))
    assert inventory.read_until(10, 1 << 30) is True and len(inventory.files) == 10
    inventory.when_walked(lambda: walked.append(len(inventory.files)))
    given = []
    for record in inventory.records():
        given.append(record)
        if len(given) == 12:
            assert not walked and len(inventory.files) == 12  # walked as the records are asked for
    assert given == records and walked == [25] and inventory.walked
    assert inventory.walk_all() == records and walked == [25]  # once
    late: list[int] = []
    inventory.when_walked(lambda: late.append(1))  # registered after the end: run at once
    assert late == [1]


def test_a_small_inventory_is_walked_whole_before_the_pool_is_chosen(tmp_path):
    records = [_record(tmp_path, i) for i in range(5)]
    inventory = Inventory(iter(records))
    assert inventory.read_until(2_000, 16 << 20) is False  # not enough for file workers
    assert inventory.walked and inventory.files == records
    assert list(inventory.records()) == records
