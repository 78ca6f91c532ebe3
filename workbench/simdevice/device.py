"""Start a variant on 127.0.0.1, wait until every port accepts a connection, stop every server after.

A camera (defective or clean) first gets its own file system (rootfs.py, with /usr, /dev, /proc bound in)
and grants the lab test access (access.py: WORKDIR/test-access.yaml)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import access, rootfs
from .mounts import unmount
from .netns import only_loopback, private_mounts
from .password import new_password
from .tcp import HOST
from .unit import Unit, camera_of
from .variants import Running, Service, services

READY_TIMEOUT_S = 20.0


class SimDeviceError(RuntimeError):
    """The device could not start: which port, and what its server said."""


@dataclass
class Device:
    variant: str
    workdir: Path
    password: str                    # the clean camera's admin password, random per start
    services: tuple[Service, ...]
    running: list[Running] = field(default_factory=list)
    mounts: list[Path] = field(default_factory=list)
    access: Path | None = None       # test-access.yaml, on a camera

    @property
    def ports(self) -> list[int]:
        return [service.port for service in self.services]

    @property
    def pids(self) -> dict[int, int]:
        """Each port's server PID (FTP and the hostile servers run in this process; the others each in
        their own)."""
        return {service.port: run.pid for service, run in zip(self.services, self.running, strict=False)}

    def ready_line(self) -> str:
        return f"simdevice {self.variant} ready: " + " ".join(f"tcp/{port}" for port in self.ports)

    def state(self) -> dict[str, object]:
        return {"variant": self.variant, "ports": self.ports, "pid": os.getpid(),
                "pids": {str(port): pid for port, pid in self.pids.items()},
                "password": self.password, "workdir": str(self.workdir),
                "access": None if self.access is None else str(self.access)}

    def stop(self) -> None:
        for run in reversed(self.running):
            with contextlib.suppress(Exception):
                run.stop()
        unmount(self.mounts)
        self.mounts = []


def accepts(port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def wait_ready(device: Device, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    for service, run in zip(device.services, device.running, strict=True):
        while not accepts(service.port):
            code = run.exited()
            if code is not None or time.monotonic() > deadline:
                what = f"exited with {code}" if code is not None else f"not listening after {timeout_s:.0f} s"
                raise SimDeviceError(f"tcp/{service.port} ({service.software}) {what}; its output:\n"
                                     f"{run.log_tail() or '(none)'}")
            time.sleep(0.1)


@contextlib.contextmanager
def running(variant: str, workdir: Path | str, *, require_private_netns: bool = True,
            ready_timeout_s: float = READY_TIMEOUT_S) -> Iterator[Device]:
    """The variant's servers, up and accepting, for the duration of the block (inside a private namespace)."""
    if require_private_netns and not only_loopback():
        raise SimDeviceError("refusing to start outside a private network namespace (only `lo` may exist): "
                             "run it through workbench.simdevice.netns.in_netns")
    if not private_mounts():   # always: the device's mounts never reach the host
        raise SimDeviceError("refusing to start outside a private mount namespace (its mounts would reach "
                             "the host): run it through workbench.simdevice.netns.in_netns")
    chosen = services(variant)
    busy = [service.port for service in chosen if accepts(service.port, 0.2)]
    if busy:
        raise SimDeviceError("already in use: " + " ".join(f"tcp/{port}" for port in busy))
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    unit = Unit(workdir, new_password(workdir), camera_of(variant))
    device = Device(variant, workdir, unit.password, chosen)
    try:
        if unit.camera is not None:
            try:
                rootfs.build(unit)
                device.mounts = rootfs.mount_system(unit)
                device.access = access.grant(unit)
            except (OSError, RuntimeError) as failure:
                raise SimDeviceError(f"the unit's file system could not be made: {failure}") from failure
        for service in chosen:
            try:
                device.running.append(service.start(service.port, unit))
            except (OSError, RuntimeError) as failure:
                raise SimDeviceError(f"tcp/{service.port} ({service.software}) did not start: {failure}") \
                    from failure
        wait_ready(device, ready_timeout_s)
        yield device
    finally:
        device.stop()


def write_ready_file(path: Path, device: Device) -> None:
    """The device's state as JSON, written whole (its existence means ready)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(device.state(), indent=1) + "\n")
    os.replace(partial, path)
