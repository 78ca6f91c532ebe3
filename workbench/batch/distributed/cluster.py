"""The Dask client of a run: `local:N` starts a LocalCluster on this machine (127.0.0.1 only, no
dashboard), `tcp://HOST:PORT` connects to a lab's scheduler (docs/DASK.md)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from workbench.errors import WorkbenchError

LOCAL = re.compile(r"local:(\d{1,3})")
REMOTE = re.compile(r"tcp://[^\s/]+:\d{1,5}")
CONNECT_TIMEOUT = "30s"
ALLOWED_FAILURES = 1  # a task whose worker dies runs once more elsewhere; dying again, it is an error
LOCAL_CONFIG = {
    "distributed.worker.daemon": False,  # a worker's kernels may start processes of their own
    "distributed.scheduler.worker-saturation": 1.0,  # one task per worker thread: a dying worker takes
}                                                    # down only the task it was running


@contextmanager
def cluster_client(address: str) -> Iterator[Any]:
    """A connected distributed.Client (and the LocalCluster it started), closed afterwards."""
    import dask
    from distributed import Client, LocalCluster

    local = LOCAL.fullmatch(address)
    if not local and not REMOTE.fullmatch(address):
        raise WorkbenchError(f"--cluster/--scheduler: expected local:N or tcp://HOST:PORT, not {address!r}")
    cluster = None
    try:
        if local:
            workers = int(local.group(1))
            if not 1 <= workers <= 256:
                raise WorkbenchError(f"local:N needs 1 to 256 workers, not {workers}")
            with dask.config.set(LOCAL_CONFIG):
                cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                    dashboard_address=None, scheduler_kwargs={"allowed_failures": ALLOWED_FAILURES},
                    silence_logs=logging.ERROR,
                )
            client = Client(cluster, timeout=CONNECT_TIMEOUT)
        else:
            client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        raise WorkbenchError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        client.register_plugin(WarmWorker(), name="workbench-warm")
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class WarmWorker(WorkerPlugin):  # type: ignore[misc]
    """On each worker (a restarted one too): papermill and nbconvert imported in the background, so
    that the first notebook does not pay for it alone; loggers quiet."""

    def setup(self, worker: Any) -> None:
        from workbench.batch.execute import warm_imports

        logging.getLogger("papermill").setLevel(logging.ERROR)
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        threading.Thread(target=warm_imports, name="workbench-warm", daemon=True).start()
