"""A simulated IoT device for tests, the demo and training: real servers from Debian, configured with
planted defects (the defective variant) or done right (the clean variant), run on 127.0.0.1 inside a
private network and mount namespace. Both cameras grant the lab test access (WORKDIR/test-access.yaml: a root
shell by key into the unit's own file system, its security log, its local update, the password change). It
knows nothing of the workbench that probes it.

    python -m workbench.simdevice --variant defective --workdir DIR -- CMD ...   # inside in_netns(...)
    with running("clean", workdir) as device: device.ports, device.password, device.access
    describe("defective")   # port, protocol, service, software, defect planted, behaviour

What each variant plants: docs/SIMDEVICE.md."""

from .device import Device, SimDeviceError, running
from .netns import in_netns, netns_problem
from .variants import VARIANTS, describe

__all__ = ["VARIANTS", "Device", "SimDeviceError", "describe", "in_netns", "netns_problem", "running"]
