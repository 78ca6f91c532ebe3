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
SCHEDULER_OPTIONS = {
    "allowed_failures": ALLOWED_FAILURES,
    "dashboard": False,
    "dashboard_address": "127.0.0.1:0",  # its health/metrics HTTP server: any free port, never :8787
}
LOCAL_CONFIG = {"distributed.worker.daemon": False}  # a worker's kernels may start processes of their own


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
                    dashboard_address=None, scheduler_kwargs=SCHEDULER_OPTIONS,
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
    """On each worker (a restarted one too), as the local pool's initializer does: its kernel zygote
    started (workbench.batch.warm: each notebook's kernel forked from it), papermill and nbconvert
    imported in the background, loggers quiet."""

    def setup(self, worker: Any) -> None:
        from workbench.batch.execute import warm_imports
        from workbench.batch.warm import start_zygote

        logging.getLogger("papermill").setLevel(logging.ERROR)
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        start_zygote()  # returns at once; the zygote imports while the worker analyses and judges
        threading.Thread(target=warm_imports, name="workbench-warm", daemon=True).start()

    def teardown(self, worker: Any) -> None:
        from workbench.batch.warm import stop_zygote

        stop_zygote()
