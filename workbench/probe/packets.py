"""Which packets of the probe's capture carry each row's exchange.

The capture is read once, as a stream (workbench.capture.reader: pcap or pcapng, a cut file gives what
was read and a warning). A packet belongs to a row when it is TCP or UDP between the target and this
machine, on the row's port at the target's side, and its time lies in the row's window [started - 0.05,
finished + 0.05]. The tests run one after another, so their windows do not overlap; within a test the
rows differ by port (all rows of the port scan share its window). Each row gets the first 64 packet
numbers (1-based, as Wireshark counts) and the count of all.
"""

from __future__ import annotations

import bisect
import ipaddress
import struct
from collections import defaultdict
from pathlib import Path
from typing import Any

from workbench.capture.reader import iter_records
from workbench.capture.warnings import WarningLog
from workbench.errors import EvidenceError
from workbench.probe.results import ProbeResults

SLACK_S = 0.05
MAX_LISTED = 64
TRANSPORTS = {6: "tcp", 17: "udp"}
VLAN_TYPES = (0x8100, 0x88A8, 0x9100)
RAW_LINKS = (12, 14, 101, 228, 229)
IPV6_EXTENSIONS = (0, 43, 60)  # hop-by-hop, routing, destination options: skipped to reach TCP/UDP
PORTS = struct.Struct("!HH")


class _Window:
    __slots__ = ("row", "start", "end", "numbers", "count")

    def __init__(self, row: dict[str, Any], start: float, end: float) -> None:
        self.row, self.start, self.end = row, start, end
        self.numbers: list[int] = []
        self.count = 0


def attach_packets(results: ProbeResults, pcap: Path, target: str) -> None:
    """Fill every row's `packets` and `packet_count`, and `results.capture_packets`."""
    address = ipaddress.ip_address(target).packed
    windows = _windows(results)
    warnings = WarningLog()
    total = 0
    try:
        for number, seconds, link, frame, _ in iter_records(pcap, warnings, {}):
            total = number
            flow = endpoints(link, frame)
            if flow is None:
                continue
            transport, source, sport, destination, dport = flow
            ports = {sport} if source == address else set()
            ports |= {dport} if destination == address else set()
            for port in ports:
                for window in _owners(windows.get((transport, port), {}), seconds):
                    window.count += 1
                    if len(window.numbers) < MAX_LISTED:
                        window.numbers.append(number)
    except EvidenceError as exc:
        results.warnings.append(f"probe capture: {exc}")
    results.warnings += [
        f"probe capture: {w['message']}" + (f" (packet {w['first_packet']})" if w["first_packet"] else "")
        for w in warnings.records()
    ]
    results.capture_packets = total
    for tables in windows.values():
        for table in tables.values():
            for window in table:
                window.row["packets"], window.row["packet_count"] = window.numbers, window.count


def _owners(tables: dict[str, list[_Window]], seconds: float) -> list[_Window]:
    """In each table, the one row a packet belongs to: the latest exchange on the port that started at or
    before it, if the packet came before that exchange's end (plus a little for the closing packets).
    One exchange follows another on a port, so a packet never goes to two rows of a table."""
    owners = []
    for table in tables.values():
        at = bisect.bisect_right(table, seconds, key=lambda w: w.start) - 1
        if at >= 0 and seconds <= table[at].end:
            owners.append(table[at])
    return owners


def _windows(results: ProbeResults) -> dict[tuple[str, int], dict[str, list[_Window]]]:
    """Every row with a port and a time window, by (transport, port), then by table, in order of start;
    rows without get no packets."""
    by_port: dict[tuple[str, int], dict[str, list[_Window]]] = defaultdict(lambda: defaultdict(list))
    for name, rows in results.tables.items():
        for row in rows:
            row["packets"], row["packet_count"] = [], 0
            port, started, finished = row.get("port"), row.get("started"), row.get("finished")
            if not (_number(port) and _number(started) and _number(finished)):
                continue
            transport = str(row.get("transport") or "tcp").lower()
            by_port[(transport, int(port))][name].append(_Window(row, started, finished + SLACK_S))
    for tables in by_port.values():
        for table in tables.values():
            table.sort(key=lambda w: w.start)
    return by_port


def endpoints(link: int, frame: bytes) -> tuple[str, bytes, int, bytes, int] | None:
    """(transport, source address, source port, destination address, destination port) of a TCP or UDP
    packet (addresses packed: 4 or 16 bytes), or None for anything else."""
    network = _network_layer(link, frame)
    if network is None:
        return None
    ethertype, offset = network
    if ethertype == 0x0800 and len(frame) >= offset + 20:
        header = (frame[offset] & 0x0F) * 4
        fragment = struct.unpack_from("!H", frame, offset + 6)[0] & 0x1FFF
        protocol, source, destination = (
            frame[offset + 9],
            frame[offset + 12 : offset + 16],
            frame[offset + 16 : offset + 20],
        )
        layer4 = offset + header if header >= 20 and not fragment else -1
    elif ethertype == 0x86DD and len(frame) >= offset + 40:
        protocol, source, destination = (
            frame[offset + 6],
            frame[offset + 8 : offset + 24],
            frame[offset + 24 : offset + 40],
        )
        layer4 = offset + 40
        while protocol in IPV6_EXTENSIONS and len(frame) >= layer4 + 8:
            protocol, layer4 = frame[layer4], layer4 + (frame[layer4 + 1] + 1) * 8
    else:
        return None
    transport = TRANSPORTS.get(protocol)
    if transport is None or layer4 < 0 or len(frame) < layer4 + 4:
        return None
    sport, dport = PORTS.unpack_from(frame, layer4)
    return transport, source, sport, destination, dport


def _network_layer(link: int, frame: bytes) -> tuple[int, int] | None:
    """(ethertype, offset of the IP header) for the link types tcpdump writes, or None."""
    if link == 1 and len(frame) >= 14:  # Ethernet (also Linux `lo`)
        ethertype, offset = struct.unpack_from("!H", frame, 12)[0], 14
        while ethertype in VLAN_TYPES and len(frame) >= offset + 4:
            ethertype, offset = struct.unpack_from("!H", frame, offset + 2)[0], offset + 4
        return ethertype, offset
    if link == 113 and len(frame) >= 16:  # Linux cooked (tcpdump -i any)
        return struct.unpack_from("!H", frame, 14)[0], 16
    if link == 276 and len(frame) >= 20:  # Linux cooked v2
        return struct.unpack_from("!H", frame, 0)[0], 20
    if link in RAW_LINKS and frame:  # raw IP (tun devices)
        version = frame[0] >> 4
        return (0x0800 if version == 4 else 0x86DD if version == 6 else 0), 0
    if link in (0, 108) and len(frame) >= 4:  # BSD loopback: address family, either byte order
        family = min(int.from_bytes(frame[:4], "little"), int.from_bytes(frame[:4], "big"))
        return (0x0800 if family == 2 else 0x86DD if family in (10, 24, 28, 30) else 0), 4
    return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
