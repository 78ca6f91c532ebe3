"""Which interface reaches the target: where the evidence capture is taken."""

from __future__ import annotations

import ipaddress
import json
import subprocess


def interface_for(target: str) -> str:
    """`lo` for a loopback address, else the interface of the kernel's route to the target (`ip route
    get`), else `any` (the capture then filters on the target's address alone)."""
    if ipaddress.ip_address(target).is_loopback:
        return "lo"
    try:
        done = subprocess.run(
            ["ip", "-j", "route", "get", target], capture_output=True, text=True, timeout=10, check=False
        )
        routes = json.loads(done.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return "any"
    first = routes[0] if isinstance(routes, list) and routes else None
    device = first.get("dev") if isinstance(first, dict) else None
    return str(device) if device else "any"
