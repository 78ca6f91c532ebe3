"""The kernel zygote: a process that has imported what every notebook imports and forks kernels on request.

Run as `python -m workbench.batch.warm.zygote FD` by the batch worker (workbench.batch.warm.spawner),
FD being its end of a socket pair. It imports (PRELOAD), never runs a notebook's code, starts no
thread, then answers one JSON line per request `{"argv", "env", "cwd"}` with `{"pid"}` or
`{"error"}`. Each kernel is forked twice (zygote -> short-lived middle -> kernel), so that it is
reparented to the worker, a child subreaper, which then owns it: waits for it, signals it, reaps it.
The kernel starts its own session, takes stdin from /dev/null, keeps the zygote's stdout/stderr
(the worker's kernel log), and runs IPKernelApp as `python -m ipykernel_launcher ARGS` would.
The zygote ends when the worker closes its end of the socket.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import os
import signal
import socket
import sys
import time
from typing import Any

# what the notebooks import (notebooks/*.ipynb, workbench.notebook, workbench.ui), and the kernel app
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.interactiveshell",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    "numpy",
    "pandas",
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "pyarrow.dataset",
    "pyarrow.pandas_compat",
    "pandas.io.formats.html",
    "pandas.io.formats.string",
    "IPython.core.logger",
    "workbench.notebook",
    "workbench.ui",
    "workbench.ui.publish",
    "workbench.renewal",
    "workbench.analysis",
    "workbench.capture.plots",
    "workbench.firmware.plots",
    "workbench.firmware.scan",
    "workbench.checks.registry",
)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets when unset
# native thread pools that would otherwise start at import (OpenBLAS under numpy, jemalloc under
# pyarrow): the zygote forks with one thread only. Kernels get the request's environment back.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}
REPARENT_WAIT = 5.0  # seconds a new kernel waits for its middle process to be gone
_SOCKET: socket.socket | None = None  # the zygote's end of the socket pair; detached in kernels


def preload() -> None:
    """Import everything once; load every check unit (modules and pages) as the notebooks will."""
    # matplotlib reads MPLBACKEND when imported: the value an ordinary kernel would give it
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name, value in SINGLE_THREADED.items():
        os.environ.setdefault(name, value)
    for name in PRELOAD:
        importlib.import_module(name)
    from workbench.checks.registry import all_units

    all_units()


def serve(sock: socket.socket) -> None:
    """One request per line until the worker hangs up; the answers in the same order."""
    reader = sock.makefile("rb")
    for line in reader:
        try:
            reply: dict[str, Any] = {"pid": spawn(json.loads(line))}
        except Exception as exc:  # a bad request or a failed fork: that request's error, not the zygote's end
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sock.sendall(json.dumps(reply).encode() + b"\n")


def spawn(request: dict[str, Any]) -> int:
    """Fork a kernel for `request` and return its pid once it is the worker's child."""
    read_end, write_end = os.pipe()
    middle = os.fork()
    if middle == 0:  # the middle process: fork the kernel, tell its pid, leave at once
        code = 1
        try:
            os.close(read_end)
            middle_pid = os.getpid()  # before the fork: the kernel may outlive it before it asks
            kernel = os.fork()
            if kernel == 0:
                os.close(write_end)
                _run_kernel(request, middle_pid)
            os.write(write_end, str(kernel).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        text = answer.read()
    os.waitpid(middle, 0)  # once it is reaped, the kernel has its new parent
    if not text:
        raise OSError("the kernel could not be forked")
    return int(text)


def _run_kernel(request: dict[str, Any], middle: int) -> None:
    """In the kernel process: detach, become the kernel the request describes, never return."""
    code = 1
    try:
        os.setsid()
        deadline = time.monotonic() + REPARENT_WAIT
        while os.getppid() == middle and time.monotonic() < deadline:
            time.sleep(0.0005)
        _kernel_process_state(request)
        from ipykernel.kernelapp import IPKernelApp

        # a trait default read from the environment when ipykernel was imported, i.e. in the zygote
        app = IPKernelApp.instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        app.initialize(list(request["argv"]))
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - the kernel's failure goes to the log; never back into the zygote
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _kernel_process_state(request: dict[str, Any]) -> None:
    """stdin, working folder, environment, sys.path and argv as an ordinary kernel has them."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    if _SOCKET is not None:  # detached first: its object must never close a descriptor the kernel reuses
        _SOCKET.detach()
    os.closerange(3, _max_fd())  # the zygote's socket and anything else it held
    cwd = str(request["cwd"])
    started_in = os.getcwd()
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in dict(request["env"]).items()})
    if sys.path and sys.path[0] in ("", started_in):  # `python -m` puts the working folder first
        sys.path[0] = cwd
    launcher = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [launcher.origin if launcher and launcher.origin else sys.argv[0], *request["argv"]]
    if "numpy" in sys.modules:  # its global generator was seeded in the zygote; `random` reseeds itself
        sys.modules["numpy"].random.seed()


def _max_fd() -> int:
    try:
        return max(256, min(os.sysconf("SC_OPEN_MAX"), 1 << 16))
    except (ValueError, OSError):
        return 1024


def main(argv: list[str]) -> int:
    global _SOCKET
    from workbench.batch.warm.spawner import die_with_parent

    die_with_parent(signal.SIGKILL)  # its worker gone (even by SIGKILL), nothing is left to fork for
    sock = _SOCKET = socket.socket(fileno=int(argv[1]))
    chatter = io.StringIO()  # an ordinary kernel's import notices go to its iopub, unseen: so here
    try:
        with contextlib.redirect_stderr(chatter), contextlib.redirect_stdout(chatter):
            preload()
    except Exception as exc:  # the worker falls back to ordinary kernels and says why
        print(chatter.getvalue(), file=sys.stderr)
        sock.sendall(json.dumps({"error": f"preload failed: {type(exc).__name__}: {exc}"}).encode() + b"\n")
        return 1
    threads = len(os.listdir(f"/proc/{os.getpid()}/task")) if os.path.isdir("/proc") else 1
    if threads > 1:  # fork-safe libraries survive it, but say so in the kernel log
        print(f"kernel zygote: {threads} threads after the imports; forking anyway", file=sys.stderr)
    sock.sendall(json.dumps({"ready": os.getpid()}).encode() + b"\n")
    serve(sock)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
