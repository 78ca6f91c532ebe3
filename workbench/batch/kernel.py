"""Kernel manager for batch runs: local IPC sockets instead of unencrypted TCP.

ipykernel >= 7.3 warns on every start that TCP without CurveZMQ is unencrypted; a batch's
kernels are private to the machine, so Unix-domain sockets (transport "ipc") are both quieter
and never reachable from the network. Socket paths are absolute and short (the limit is ~107
bytes), under a private folder of the temporary directory.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import CaselessStrEnum, default


def _socket_dir() -> str:
    path = os.path.join(tempfile.gettempdir(), f"wb-ipc-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


class IpcKernelManager(AsyncKernelManager):
    transport = CaselessStrEnum(
        ["tcp", "ipc"], default_value="ipc" if sys.platform != "win32" else "tcp", config=True
    )

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport == "ipc":
            return os.path.join(_socket_dir(), f"k{uuid.uuid4().hex[:12]}")
        return super()._ip_default()
