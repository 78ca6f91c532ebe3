"""Worker processes for the scan's per-file work (`python -m workbench.firmware.filework`), one
per core, fed batches in turn and read back in the same order.

A worker is a fresh interpreter, not a fork: the scan's process holds pandas, Arrow and
threads, and a script that calls `scan_firmware` without an `if __name__ == "__main__"` guard
must not be run again in each worker (multiprocessing's spawn and forkserver import the
caller's main script). Each worker gets its batches through a feeder thread, so a large batch
never blocks the scan while the worker writes an answer. A worker that stops (a crash in a
native parser on a hostile file) answers its batches with a reason instead of findings.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

IN_FLIGHT = 2  # batches queued per worker: one being inspected, one waiting
POOL_FROM = 2_000  # entries: fewer are inspected in the scan's process (a worker's start costs more)
POOL_BYTES_FROM = 16 << 20  # ... unless their files hold this much (a few large programs: 2 s on one core)
EARLY_FROM = 4 << 20  # image bytes from which the workers are started while the image is extracted


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Worker:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workbench.firmware.filework"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.frames: queue.Queue[bytes | None] = queue.Queue()
        self.feeder = threading.Thread(target=self._feed, name="filework-feeder", daemon=True)
        self.feeder.start()

    def _feed(self) -> None:
        while (frame := self.frames.get()) is not None:
            try:
                self.proc.stdin.write(frame)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return
        with contextlib.suppress(OSError, ValueError):
            self.proc.stdin.close()

    def send(self, payload: Any) -> None:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        self.frames.put(len(data).to_bytes(8, "little") + data)

    def receive(self) -> Any:
        """The next answer, or a reason (str) when the worker stopped."""
        head = self.proc.stdout.read(8)
        if len(head) == 8:
            body = self.proc.stdout.read(int.from_bytes(head, "little"))
            with contextlib.suppress(pickle.UnpicklingError, EOFError, ValueError):
                return pickle.loads(body)
        code = self.proc.poll()
        return (
            f"a file worker stopped (exit {code})" if code is not None else "a file worker's answer was cut"
        )

    def stop(self) -> None:
        self.frames.put(None)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stdin):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class FilePool:
    """`workers` file workers (default: one per core); use as a context manager."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = [_Worker() for _ in range(workers or cores())]

    def __enter__(self) -> FilePool:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def map(self, batches: Iterable[list]) -> Iterator[tuple[list, Any]]:
        """(batch, answer or reason) for each batch, in the order given."""
        pending: deque[tuple[_Worker, list]] = deque()
        for index, batch in enumerate(batches):
            worker = self.workers[index % len(self.workers)]
            worker.send(batch)
            pending.append((worker, batch))
            if len(pending) >= IN_FLIGHT * len(self.workers):
                worker, done = pending.popleft()
                yield done, worker.receive()
        while pending:
            worker, done = pending.popleft()
            yield done, worker.receive()

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
