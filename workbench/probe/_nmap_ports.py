"""Which ports the port scan asks nmap for: its own most common ports plus the declared ones.

nmap's `--top-ports N` cannot be combined with a port list, so the list is built the way nmap builds
it — from its `nmap-services` file, ports ordered by how often they are found open — and the ports
the manufacturer declares are added to it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MAX_SERVICES_BYTES = 8 * 1024 * 1024  # nmap-services is about 1 MB


def services_file(nmap: str) -> Path | None:
    """nmap's `nmap-services`: $NMAPDIR, beside the binary (../share/nmap), or the usual places."""
    binary = Path(shutil.which(nmap) or nmap).resolve()
    candidates = [os.environ.get("NMAPDIR", ""), binary.parent.parent / "share" / "nmap"]
    candidates += ["/usr/share/nmap", "/usr/local/share/nmap"]
    for folder in candidates:
        path = Path(folder) / "nmap-services"
        if folder and path.is_file():
            return path
    return None


def top_ports(services: Path, transport: str, count: int) -> list[int]:
    """The `count` ports of `transport` (tcp, udp) nmap finds open most often, most frequent first."""
    if count <= 0:
        return []
    ranked: dict[int, float] = {}
    with services.open(encoding="utf-8", errors="replace") as handle:
        text = handle.read(MAX_SERVICES_BYTES)
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 3 or "/" not in fields[1]:
            continue
        number, _, proto = fields[1].partition("/")
        try:
            port, frequency = int(number), float(fields[2])
        except ValueError:
            continue
        if proto == transport and 0 < port < 65536:
            ranked[port] = max(frequency, ranked.get(port, 0.0))
    ordered = sorted(ranked, key=lambda p: (-ranked[p], p))
    return ordered[:count]


def port_ranges(ports: list[int]) -> str:
    """`1-3,8080` for [1, 2, 3, 8080]: nmap's port list, short enough to read in the record."""
    spans: list[str] = []
    ordered = sorted(set(ports))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        spans.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(spans)


def port_spec(tcp: list[int], udp: list[int]) -> str:
    """nmap's `-p` argument: `T:..,U:..` (either part left out when empty)."""
    parts = [f"T:{port_ranges(tcp)}"] if tcp else []
    parts += [f"U:{port_ranges(udp)}"] if udp else []
    return ",".join(parts)
