"""Tasks handed to the cluster no faster than its workers take them.

The scheduler counts a worker's death against every task that worker held, running or only
waiting there, and gives a task up once its workers died more than `allowed_failures` times (the
local cluster's: 1, a task runs once more elsewhere). With more tasks out than worker threads, a
notebook that kills its worker would take waiting ones down with it; so at most one task per live
worker thread is out (at least one, so that a cluster whose workers are restarting gets work).
"""

from __future__ import annotations

import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

RETRIES = 1  # a task that raises runs once more (Dask's retries)


@dataclass
class Job:
    handler: Callable[[Any], None]  # called with the finished future
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    name: str
    owner: Any = None  # the case plan it belongs to (None: several)


class Dispatcher:
    def __init__(self, client: Any) -> None:
        from distributed import as_completed

        self.client = client
        self.finished = as_completed()
        self.waiting: deque[Job] = deque()
        self.running: dict[Any, Job] = {}

    def submit(self, job: Job) -> None:
        self.waiting.append(job)
        self.pump()

    def pump(self) -> None:
        room = max(1, sum(self.client.nthreads().values()))
        while self.waiting and len(self.running) < room:
            job = self.waiting.popleft()
            key = f"{job.name}-{uuid.uuid4().hex[:12]}"
            future = self.client.submit(job.fn, *job.args, key=key, retries=RETRIES, pure=False)
            self.running[future] = job
            self.finished.add(future)

    def done(self) -> Iterator[tuple[Job, Any]]:
        """(job, future) of each task as it finishes, until none is out or waiting."""
        for future in self.finished:
            job = self.running.pop(future)
            yield job, future
            self.pump()
