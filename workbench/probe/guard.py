"""The target guard: the probe sends packets to the device's recorded address and nowhere else.

The caller passes the addresses the case records for the device; `checked_target` returns the one to
probe or raises TargetRefused with one line saying why. Nothing is sent before the guard has passed.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from collections.abc import Iterable

from workbench.errors import WorkbenchError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(WorkbenchError):
    """The probe refuses this target; nothing was sent."""


def checked_target(requested: str | None, recorded: Iterable[str]) -> Address:
    """The address to probe: `requested` if given, else the case's only recorded device address."""
    known = [_parse(a) for a in recorded]
    if requested is None:
        if len(known) != 1:
            what = "records no device address" if not known else f"records {len(known)} device addresses"
            raise TargetRefused(
                f"the case {what}: name the one to probe with --target (it must be recorded in the case)"
            )
        requested = str(known[0])
    try:
        target = ipaddress.ip_address(requested.strip())
    except ValueError:
        raise TargetRefused(
            f"refusing target {requested!r}: give the device's IP address (not a name, not a malformed one)"
        ) from None
    problem = address_problem(target)
    if problem:
        raise TargetRefused(f"refusing target {target}: {problem}")
    if target not in known:
        listed = ", ".join(str(a) for a in known) or "none"
        raise TargetRefused(
            f"refusing target {target}: not an address the case records for the device (recorded: {listed});"
            f" record it first with `workbench case address CASE {target}`"
        )
    return target


def address_problem(address: Address) -> str | None:
    """Why an address can never be a device under test, or None."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return f"an IPv4-mapped IPv6 address: give the IPv4 address {mapped} itself, as the case records it"
    if address.is_unspecified:
        return "the unspecified address means every host"
    if address.is_multicast:
        return "a multicast address reaches a group of hosts, not one device"
    if isinstance(address, ipaddress.IPv4Address) and address == ipaddress.IPv4Address("255.255.255.255"):
        return "the broadcast address reaches every host on the link"
    if address.is_reserved:
        return "a reserved address"
    if address in local_broadcasts():
        return "the broadcast address of a network this machine is on"
    return None


def local_broadcasts() -> set[Address]:
    """The directed broadcast addresses of this machine's IPv4 networks (from `ip -j addr`)."""
    try:
        done = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, timeout=10, check=False)
        interfaces = json.loads(done.stdout or "[]")
    except (OSError, subprocess.SubprocessError, ValueError):
        return set()
    found: set[Address] = set()
    for interface in interfaces if isinstance(interfaces, list) else ():
        for info in interface.get("addr_info") or ():
            if info.get("family") != "inet" or not info.get("local"):
                continue
            try:
                network = ipaddress.ip_interface(f"{info['local']}/{info.get('prefixlen', 32)}").network
            except ValueError:
                continue
            if network.prefixlen < 31:
                found.add(network.broadcast_address)
    return found


def _parse(text: str) -> Address:
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise TargetRefused(
            f"the case records {text!r} as a device address, which is not an IP address"
        ) from None
