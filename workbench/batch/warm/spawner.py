"""The batch worker's handle on its kernel zygote: start it ahead of need, ask it for kernels, restart it.

The worker makes itself a child subreaper (Linux prctl), so that each kernel the zygote forks
becomes the worker's own child once the zygote's short-lived middle process is gone: the worker
waits for it and reaps it like any subprocess (workbench.batch.warm.provisioner). A zygote that
died is started again once per request; one that cannot start (or no fork: not Linux) leaves
`reason` set and the kernels start the ordinary way.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from workbench.i18n import N_, tr

READY_TIMEOUT = 120.0  # seconds for the zygote's imports (a loaded machine)
SPAWN_TIMEOUT = 30.0  # seconds for one fork
PR_SET_CHILD_SUBREAPER = 36
PR_SET_PDEATHSIG = 1


class ZygoteUnavailable(RuntimeError):
    """No zygote to fork from: the kernel starts the ordinary way."""


def fork_supported() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork")


def become_subreaper() -> bool:
    """Orphaned descendants (the forked kernels) are re-parented to this process, not to init."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(signal_number: int = signal.SIGTERM) -> bool:
    """This process gets `signal_number` when the thread that started it exits (Linux prctl
    PR_SET_PDEATHSIG): a batch killed with SIGKILL leaves no worker or zygote behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        done = libc.prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False
    if done and os.getppid() == 1:  # the parent was already gone before the call
        os.kill(os.getpid(), signal_number)
    return done


@dataclass
class Zygote:
    """One zygote process and the socket to it; `spawn` gives a kernel pid (a child of this process)."""

    restarts: int = 0
    reason: str | None = None  # why kernels start the ordinary way, once it is known
    owner: int = field(default_factory=os.getpid)  # a forked copy of this handle is not this process's
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _socket: socket.socket | None = field(default=None, repr=False)
    _reader: Any = field(default=None, repr=False)
    _ready: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _why(self, message: str, **params: Any) -> None:
        """Kernels start the ordinary way from now on: `reason` (English, for logs and errors) and the
        message, to be said in the language of whoever reports it (`reason_text`)."""
        self.reason = message.format(**params)
        self._reason_message = (message, {k: str(v) for k, v in params.items()})

    def reason_text(self) -> str | None:
        """`reason` in the current language (a batch's pages and warnings)."""
        if self.reason is None:
            return None
        message, params = getattr(self, "_reason_message", (self.reason, {}))
        return tr(message, **params)

    def start(self) -> None:
        """Start the process and return at once; its imports run while the worker does other work."""
        if not fork_supported():
            self._why(N_("kernels are not forked on this platform"))
            return
        if not become_subreaper():
            self._why(N_("this process cannot adopt forked kernels (prctl PR_SET_CHILD_SUBREAPER)"))
            return
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "workbench.batch.warm.zygote", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=sys.stderr.fileno(),
                start_new_session=True,  # a Ctrl-C at the terminal reaches the batch, not the zygote
            )
        except OSError as exc:
            ours.close()
            self._why(N_("the kernel zygote could not start: {error}"), error=exc)
            return
        finally:
            theirs.close()
        self._socket, self._reader, self._ready = ours, ours.makefile("rb"), False

    def spawn(self, argv: list[str], env: dict[str, str], cwd: str) -> int:
        """A forked kernel's pid; the zygote is restarted once if it died. ZygoteUnavailable otherwise."""
        with self._lock:
            if self.reason:
                raise ZygoteUnavailable(self.reason)
            try:
                return self._ask({"argv": argv, "env": env, "cwd": cwd})
            except (OSError, ValueError, ZygoteUnavailable) as first:
                self.stop()
                self.restarts += 1
                self.start()
                try:
                    return self._ask({"argv": argv, "env": env, "cwd": cwd})
                except (OSError, ValueError, ZygoteUnavailable) as second:
                    self.stop()
                    failed = N_("the kernel zygote failed ({first}; after a restart: {second})")
                    self._why(failed, first=first, second=second)
                    raise ZygoteUnavailable(self.reason) from None

    def _ask(self, request: dict[str, Any]) -> int:
        if self._socket is None:
            raise ZygoteUnavailable(self.reason or "the kernel zygote is not running")
        if not self._ready:
            self._socket.settimeout(READY_TIMEOUT)
            hello = self._read()
            if "ready" not in hello:
                raise ZygoteUnavailable(str(hello.get("error") or "the kernel zygote did not start"))
            self._ready = True
        self._socket.settimeout(SPAWN_TIMEOUT)
        self._socket.sendall(json.dumps(request).encode() + b"\n")
        answer = self._read()
        if "pid" not in answer:
            raise ZygoteUnavailable(str(answer.get("error") or "no answer from the kernel zygote"))
        return int(answer["pid"])

    def _read(self) -> dict[str, Any]:
        line = self._reader.readline()
        if not line:
            raise ConnectionError("the kernel zygote exited")
        answer = json.loads(line)
        return answer if isinstance(answer, dict) else {}

    def stop(self) -> None:
        """Hang up (the zygote exits on end of file), then make sure it is gone and reaped."""
        for closable in (self._reader, self._socket):
            if closable is not None:
                closable.close()
        self._reader = self._socket = None
        process, self._process = self._process, None
        if process is not None:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


_ACTIVE: Zygote | None = None


def start_zygote() -> Zygote:
    """This process's zygote (started once); the `workbench` engine forks its kernels from it."""
    global _ACTIVE
    if active_zygote() is None:
        _ACTIVE = Zygote()
        _ACTIVE.start()
    assert _ACTIVE is not None
    return _ACTIVE


def active_zygote() -> Zygote | None:
    """The zygote this process started; one inherited through fork is let go (its socket closed
    here only: the process that started it keeps using it)."""
    global _ACTIVE
    if _ACTIVE is not None and _ACTIVE.owner != os.getpid():
        for closable in (_ACTIVE._reader, _ACTIVE._socket):
            if closable is not None:
                closable.close()
        _ACTIVE = None
    return _ACTIVE


def stop_zygote() -> None:
    global _ACTIVE
    zygote, _ACTIVE = active_zygote(), None
    if zygote is not None:
        zygote.stop()
