"""The unit's listening sockets as it sees them (/proc/net), and the processes and users behind them.

The unit prints raw /proc files; everything is parsed here, on the probe's side, and a line that does not
parse is skipped (the unit's output is hostile). Only busybox-level tools are assumed on the unit.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from workbench.probe.clients_base import printable

NET_FILES = ("tcp", "tcp6", "udp", "udp6")
NET_COMMAND = 'for f in tcp tcp6 udp udp6; do echo "#file $f"; cat /proc/net/$f; done'
# every process's open files, only the socket links kept (a fallback when ls or grep is missing)
FD_COMMAND = "ls -l /proc/[0-9]*/fd/ 2>/dev/null | grep -e '^/proc/' -e 'socket:'"
FD_FALLBACK = (
    'for d in /proc/[0-9]*/fd/*; do l=$(readlink "$d" 2>/dev/null) && '
    'case "$l" in socket:*) echo "$d $l";; esac; done; true'
)
MAX_PROCESSES = 200
TCP_LISTEN, UDP_UNCONNECTED = "0A", "07"


@dataclass(frozen=True)
class Socket:
    transport: str
    address: str
    port: int
    uid: int
    inode: int


def parse_net(text: str) -> list[Socket]:
    """Listening TCP sockets and unconnected UDP ones from the output of NET_COMMAND."""
    found: list[Socket] = []
    name = ""
    for line in text.splitlines():
        if line.startswith("#file "):
            name = line[6:].strip()
            continue
        if name not in NET_FILES:
            continue
        socket = _socket_line(name, line.split())
        if socket is not None and socket not in found:
            found.append(socket)
    return found


def _socket_line(name: str, fields: list[str]) -> Socket | None:
    if len(fields) < 10 or not fields[0].endswith(":"):
        return None
    local, remote, state = fields[1], fields[2], fields[3].upper()
    try:
        address, port = _endpoint(local)
        _, remote_port = _endpoint(remote)
        uid, inode = int(fields[7]), int(fields[9])
    except ValueError:
        return None
    transport = "tcp" if name.startswith("tcp") else "udp"
    if transport == "tcp" and state != TCP_LISTEN:
        return None
    if transport == "udp" and (state != UDP_UNCONNECTED or remote_port != 0 or set(remote[:-5]) != {"0"}):
        return None
    return Socket(transport, address, port, uid, inode)


def _endpoint(text: str) -> tuple[str, int]:
    """`0100007F:0016` -> ("127.0.0.1", 22); IPv6 as four little-endian 32-bit words."""
    hex_address, _, hex_port = text.partition(":")
    port = int(hex_port, 16)
    raw = bytes.fromhex(hex_address)
    if len(raw) not in (4, 16) or not 0 <= port <= 65535:
        raise ValueError(text)
    host_order = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(host_order)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}", port
    return str(address), port


_FD_HEADER = re.compile(r"^/proc/(\d+)/fd/?:\s*$")
_FD_LINK = re.compile(r"^/proc/(\d+)/fd/\d+\s+socket:\[(\d+)\]")
_SOCKET = re.compile(r"socket:\[(\d+)\]")


def parse_fds(text: str) -> dict[int, int]:
    """socket inode -> the lowest PID holding it, from FD_COMMAND's or FD_FALLBACK's output."""
    holders: dict[int, int] = {}
    pid: int | None = None
    for line in text.splitlines():
        if header := _FD_HEADER.match(line):
            pid = int(header[1])
            continue
        if link := _FD_LINK.match(line):
            holder, inode = int(link[1]), int(link[2])
        elif (found := _SOCKET.search(line)) and pid is not None:
            holder, inode = pid, int(found[1])
        else:
            continue
        holders[inode] = min(holder, holders.get(inode, holder))
    return holders


def process_command(pids: list[int]) -> str:
    """Status, name and command line of each PID (integers only: nothing of the unit's is quoted here)."""
    listed = " ".join(str(int(p)) for p in pids[:MAX_PROCESSES])
    return (
        f'for p in {listed}; do echo "#pid $p"; cat /proc/$p/status 2>/dev/null; '
        "printf '#comm '; cat /proc/$p/comm 2>/dev/null; printf '\\n#cmdline '; "
        "cat /proc/$p/cmdline 2>/dev/null; echo; done"
    )


@dataclass
class Process:
    pid: int
    name: str = ""
    uids: list[int] | None = None  # real, effective, saved, filesystem
    command_line: str = ""


def parse_processes(text: str) -> dict[int, Process]:
    found: dict[int, Process] = {}
    current: Process | None = None
    for line in text.split("\n"):
        if line.startswith("#pid "):
            pid = line[5:].strip()
            current = found.setdefault(int(pid), Process(int(pid))) if pid.isdigit() else None
        elif current is None:
            continue
        elif line.startswith("#comm "):
            current.name = printable(line[6:], 64) or current.name
        elif line.startswith("#cmdline "):
            current.command_line = printable(line[9:].replace("\0", " "), 200)
        elif line.startswith("Name:") and not current.name:
            current.name = printable(line[5:], 64)
        elif line.startswith("Uid:"):
            values = line[4:].split()
            if len(values) == 4 and all(v.isdigit() for v in values):
                current.uids = [int(v) for v in values]
    return found


def parse_ids(text: str) -> dict[int, str]:
    """id -> name from /etc/passwd or /etc/group (name:x:id:...)."""
    names: dict[int, str] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].strip().isdigit() and fields[0]:
            names.setdefault(int(fields[2]), printable(fields[0], 64))
    return names


def listener_rows(
    sockets: list[Socket], holders: dict[int, int], processes: dict[int, Process], users: dict[int, str]
) -> list[dict[str, Any]]:
    rows = []
    for s in sorted(sockets, key=lambda s: (s.transport, s.port, s.address)):
        pid = holders.get(s.inode)
        process = processes.get(pid) if pid is not None else None
        uids = process.uids if process is not None else None
        uid = uids[1] if uids else s.uid  # the effective uid when the process is known
        rows.append(
            {
                "test": "device_session",
                "transport": s.transport,
                "port": s.port,
                "address": s.address,
                "uid": uid,
                "user": users.get(uid),
                "pid": pid,
                "process": process.name or None if process else None,
                "command_line": process.command_line or None if process else None,
                "uids": " ".join(map(str, uids)) if uids else None,
                "source": "process" if uids else "socket",
            }
        )
    return rows
