"""Worker processes for the scan's per-file work (`workbench.firmware.filework.main`), one
per core; each batch goes to a worker with room (one long batch, a 94 MB program, does not hold
the batches after it), and the answers are given back in the order of the batches.

The first worker is a fresh interpreter, not a fork of the scan's process: that one holds
pandas, Arrow and threads, and a script that calls `scan_firmware` without an `if __name__ ==
"__main__"` guard must not be run again in each worker (multiprocessing's spawn and forkserver
import the caller's main script). The others are forked from the first once it has imported
lief, numpy and the finders (single-threaded, nothing read yet), each with pipes of its own: the
imports are paid once, not once per core. Each worker gets its batches through a feeder
thread, so a large batch never blocks the scan while the worker writes an answer. A worker that
stops (a crash in a native parser on a hostile file) answers its batches with a reason instead
of findings.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

IN_FLIGHT = 2  # batches queued per worker: one being inspected, one waiting
AHEAD = 16  # batches per worker sent before the earliest unanswered one is given back (memory bound)
POOL_FROM = 2_000  # entries: fewer are inspected in the scan's process (a worker's start costs more)
POOL_BYTES_FROM = 16 << 20  # ... unless their files hold this much (a few large programs: 2 s on one core)
EARLY_FROM = 4 << 20  # image bytes from which the workers are started while the image is extracted


# `python -m workbench.firmware.filework`, but without the collector while it imports (lief makes
# thousands of types: a tenth of its import) and without running the module twice (as __main__,
# then under its name for its classes to pickle)
WORKER = (
    "import gc, sys; gc.disable(); from workbench.firmware import filework; "
    "sys.exit(filework.main(sys.argv[1:]))"
)


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def early_pool(image_size: int) -> FilePool | None:
    """File workers for a scan, started before the image is extracted (their imports, half a
    CPU second, beside its hashing and extraction), from an image of EARLY_FROM bytes on two
    cores or more; else None."""
    return FilePool() if image_size >= EARLY_FROM and cores() > 1 else None


class _Worker:
    """One file worker: `proc` the process started (the first), None for one forked from it
    (its end is seen on its pipe: the forked one is not this process's child)."""

    def __init__(self, stdin: Any, stdout: Any, proc: subprocess.Popen | None = None) -> None:
        self.proc = proc
        self.stdin, self.stdout = stdin, stdout
        self.ended = False  # its answers' pipe reached its end
        self.frames: queue.Queue[bytes | None] = queue.Queue()
        self.feeder = threading.Thread(target=self._feed, name="filework-feeder", daemon=True)
        self.feeder.start()
        self.sent: queue.Queue[int | None] = queue.Queue()  # batch numbers, in the order sent
        self.answers: queue.Queue[tuple[_Worker, int, Any]] | None = None
        self.reader = threading.Thread(target=self._read, name="filework-reader", daemon=True)
        self.reader.start()

    @classmethod
    def start(cls, count: int) -> list[_Worker]:
        """`count` workers: one process, which forks the others once it has imported what they
        all need (lief, numpy, the finders: half a CPU second that each would spend again).
        The process leads a process group of its own, its forks with it, so that all are
        stopped together whatever becomes of the first."""
        pairs = [(os.pipe(), os.pipe()) for _ in range(count - 1)]  # (to the fork, from the fork)
        theirs = [fd for (to_r, _), (_, from_w) in pairs for fd in (to_r, from_w)]
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", WORKER] + [f"{to_r},{from_w}" for (to_r, _), (_, from_w) in pairs],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                pass_fds=theirs,
                start_new_session=True,
            )
        except BaseException:
            for (_, to_w), (from_r, _) in pairs:
                os.close(to_w)
                os.close(from_r)
            raise
        finally:
            for fd in theirs:  # the worker's ends, in the worker now
                os.close(fd)
        workers = [cls(proc.stdin, proc.stdout, proc)]
        for (_, to_w), (from_r, _) in pairs:
            workers.append(cls(os.fdopen(to_w, "wb"), os.fdopen(from_r, "rb")))
        return workers

    def running(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return not self.ended

    def _read(self) -> None:
        """Each answer, in the order the batches were sent, to `answers` with the batch's number."""
        while (index := self.sent.get()) is not None:
            answer = self.receive()
            if self.answers is not None:
                self.answers.put((self, index, answer))

    def _feed(self) -> None:
        while (frame := self.frames.get()) is not None:
            try:
                self.stdin.write(frame)
                self.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                return
        with contextlib.suppress(OSError, ValueError):
            self.stdin.close()

    def send(self, payload: Any) -> None:
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        self.frames.put(len(data).to_bytes(8, "little") + data)

    def receive(self) -> Any:
        """The next answer, or a reason (str) when the worker stopped."""
        head = self.stdout.read(8)
        if len(head) == 8:
            body = self.stdout.read(int.from_bytes(head, "little"))
            with contextlib.suppress(pickle.UnpicklingError, EOFError, ValueError):
                return pickle.loads(body)
        if self.proc is None:
            self.ended = True
            return "a file worker stopped"
        code = self.proc.poll()
        return (
            f"a file worker stopped (exit {code})" if code is not None else "a file worker's answer was cut"
        )

    def finish(self) -> None:
        """No more batches: the worker ends once it has answered those it has."""
        self.frames.put(None)
        self.sent.put(None)

    def wait(self) -> None:
        """The end of a started worker and of those forked from it (the first waits for its
        forks before it ends); all of them killed if it does not end in time or ends badly."""
        if self.proc is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        if self.proc.returncode != 0:  # killed, or still running: its forks may be left
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def close_pipes(self) -> None:
        for stream in (self.stdout, self.stdin):
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class FilePool:
    """`workers` file workers (default: one per core); use as a context manager."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = _Worker.start(workers or cores())

    def __enter__(self) -> FilePool:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def map(
        self, batches: Iterable[list], weight: Callable[[list], int] | None = None, heavy: int = 0
    ) -> Iterator[tuple[list, Any]]:
        """(batch, answer or reason) for each batch, in the order given; a batch goes to the worker
        with the fewest batches queued (IN_FLIGHT at most), answers that come early wait for the
        earlier ones (AHEAD batches per worker at most are sent and not given back yet). The
        batches are read as they are needed, and while no answer has come (they may come from
        a walk of the tree still going on: the workers start on the first ones, and the walk
        goes on beside them). Among those read within AHEAD per worker of the earliest not given
        back, those of `heavy` `weight` or more are sent first, the heaviest first (a long batch
        sent last keeps one worker busy after the other has finished; one sent far ahead would
        hold a place until all before it are given back), the others in their order."""
        answers: queue.Queue[tuple[_Worker, int, Any]] = queue.Queue()
        for worker in self.workers:
            worker.answers = answers
        queued = dict.fromkeys(self.workers, 0)
        window = AHEAD * len(self.workers)
        source = enumerate(batches)
        read, exhausted = 0, False
        ahead: dict[int, list] = {}  # read, not sent yet
        weights: dict[int, int] = {}  # of the heavy ones among them
        waiting: dict[int, list] = {}  # sent, not given back yet
        done: dict[int, Any] = {}
        given = 0

        def read_one() -> bool:
            nonlocal read, exhausted
            item = None if exhausted else next(source, None)
            if item is None:
                exhausted = True
                return False
            index, batch = item
            ahead[index] = batch
            read += 1
            if weight is not None and (heavy_weight := weight(batch)) >= heavy:
                weights[index] = heavy_weight
            return True

        while True:
            while read < given + window and read_one():
                pass
            while ahead:
                alive = [w for w in self.workers if w.running()] or self.workers
                worker = min(alive, key=queued.__getitem__)
                if queued[worker] >= IN_FLIGHT:
                    break
                if len(waiting) < window - 1:
                    near = [i for i in weights if i < given + window]
                    index = max(near, key=lambda i: (weights[i], -i)) if near else min(ahead)
                elif given in ahead:  # the last place is kept for the batch given back next
                    index = given
                else:
                    break
                weights.pop(index, None)
                waiting[index], queued[worker] = ahead.pop(index), queued[worker] + 1
                worker.send(waiting[index])
                worker.sent.put(index)
            if given in done:
                yield waiting.pop(given), done.pop(given)
                given += 1
                continue
            if not waiting and not ahead:
                if exhausted:
                    return
                continue  # (nothing sent: read on)
            while answers.empty() and read_one():  # the walk goes on while the workers work
                pass
            worker, index, answer = answers.get()
            queued[worker] -= 1
            done[index] = answer

    def close(self) -> None:
        for worker in self.workers:  # all told first: the first one waits for its forks
            worker.finish()
        for worker in self.workers:
            worker.wait()
        for worker in self.workers:
            worker.close_pipes()
