"""A jupyter_client kernel provisioner whose kernels are forked by the worker's zygote.

LocalProvisioner writes the connection file and builds the kernel command as ever; instead of
starting `python -m ipykernel_launcher ARGS`, this one hands ARGS to the zygote and tracks the
kernel it forks by pid: the kernel is this process's child (see workbench.batch.warm.spawner), so
poll and wait reap it, and signals go to its own session's process group. Without a zygote, or
for a kernel spec that is not this interpreter's ipykernel, it is LocalProvisioner (a subprocess).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type, default

from workbench.batch.kernel import IpcKernelManager
from workbench.batch.warm.spawner import Zygote, ZygoteUnavailable, active_zygote

LAUNCHER = ("-m", "ipykernel_launcher")


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """ARGS of `<this python> -m ipykernel_launcher ARGS`; None for any other kernel command."""
    if len(cmd) >= 3 and tuple(cmd[1:3]) == LAUNCHER and _same_python(cmd[0]):
        return list(cmd[3:])
    return None


def _same_python(executable: str) -> bool:
    if executable in ("python", "python3", sys.executable):
        return True
    try:
        return os.path.samefile(executable, sys.executable)
    except OSError:
        return False


class WarmProvisioner(LocalProvisioner):  # type: ignore[misc]
    zygote: Zygote | None = None
    fallback_reason: str | None = None  # why this kernel started the ordinary way
    forked_pid: int | None = None
    returncode: int | None = None

    @property
    def has_process(self) -> bool:
        return self.forked_pid is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        arguments = kernel_arguments(cmd)
        if self.zygote is None or arguments is None:
            self.fallback_reason = "no kernel zygote" if self.zygote is None else "not an ipykernel command"
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # ipykernel exits if this process goes away
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            pid = self.zygote.spawn(arguments, env, cwd)
        except ZygoteUnavailable as exc:
            self.fallback_reason = str(exc)
            return await super().launch_kernel(cmd, **kwargs)
        self.forked_pid = self.pid = self.pgid = pid  # the kernel leads its own session
        self.returncode = None
        self.cwd = cwd
        await self._until_bound()
        return self.connection_info

    async def _until_bound(self, limit: float = 5.0) -> None:
        """With IPC, wait until the kernel has bound its sockets (~50 ms): a client that connects
        earlier fails and retries only after zmq's reconnect interval (100 ms)."""
        info = self.connection_info
        if info.get("transport") != "ipc":
            return
        paths = [Path(f"{info['ip']}-{info[name]}") for name in ("shell_port", "iopub_port", "hb_port")]
        for _ in range(int(limit / 0.002)):
            if all(path.exists() for path in paths) or await self.poll() is not None:
                return
            await asyncio.sleep(0.002)

    async def poll(self) -> int | None:
        if self.forked_pid is None:
            return await super().poll()
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.forked_pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: gone all the same
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    async def wait(self) -> int | None:
        if self.forked_pid is None:
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.02)
        self.forked_pid = None  # has_process is False from now on
        return self.returncode

    async def send_signal(self, signum: int) -> None:
        if self.forked_pid is None:
            return await super().send_signal(signum)
        if self.returncode is not None:  # reaped: the pid may belong to someone else now
            return None
        try:
            os.killpg(self.forked_pid, signum)
        except OSError:
            os.kill(self.forked_pid, signum)
        return None

    async def kill(self, restart: bool = False) -> None:
        if self.forked_pid is None:
            return await super().kill(restart)
        await self._signal_quietly(signal.SIGKILL)
        for _ in range(400):  # reaped here: the kernel manager's wait then finds it gone at once
            if await self.poll() is not None:
                break
            await asyncio.sleep(0.005)
        return None

    async def terminate(self, restart: bool = False) -> None:
        if self.forked_pid is None:
            return await super().terminate(restart)
        await self._signal_quietly(signal.SIGTERM)
        return None

    async def _signal_quietly(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            await self.send_signal(signum)

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if not restart:  # the kernel manager removes it too; a kernel that never started must not leave it
            connection_file = getattr(self.parent, "connection_file", "")
            if connection_file:
                Path(connection_file).unlink(missing_ok=True)


class WarmKernelManager(IpcKernelManager):
    """IpcKernelManager whose kernels come from this process's zygote (when there is one)."""

    client_class = DottedObjectName("workbench.batch.warm.client.WarmKernelClient")
    client_factory = Type(klass="jupyter_client.asynchronous.AsyncKernelClient")

    @default("client_factory")
    def _warm_client_factory(self) -> type:
        from workbench.batch.warm.client import WarmKernelClient

        return WarmKernelClient

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or _new_id()
            provisioner = WarmProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            provisioner.zygote = active_zygote()
            self.provisioner = provisioner
        return await super()._async_pre_start_kernel(**kw)


def _new_id() -> str:
    import uuid

    return str(uuid.uuid4())
