"""The kernel client of warm kernels: jupyter_client's, with a shorter IOPub flush once the kernel is ready.

jupyter_client's wait_for_ready ends by draining IOPub until it has been quiet for 0.2 s, which
every notebook pays once. The messages it drains (the status of the kernel_info request, the
IOPub welcome) come over a local socket within milliseconds, and one that came later would be
ignored anyway (nbclient takes only the messages whose parent is the cell it executes).
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient

QUIET = 0.03  # seconds of IOPub silence that end the flush


class WarmKernelClient(AsyncKernelClient):  # type: ignore[misc]
    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """jupyter_client's wait: a kernel_info reply on shell and a message on IOPub, then the flush."""
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply" and await self._iopub_connected():
                    self._handle_kernel_info_reply(msg)
                    break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=QUIET)
            except Empty:
                break

    async def _iopub_connected(self) -> bool:
        try:
            await self.iopub_channel.get_msg(timeout=0.2)
        except Empty:
            return False
        return True
