"""One bidirectional flow: counters kept per packet, addresses decoded from its key on demand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Limits:
    """What bounds memory, whatever the size of the capture. No limit drops a row: tables are
    streamed to disk; a limit bounds what is held in memory at once, and reaching one that can
    change a result (a stream analysed early, a flow written out while still open) is a warning.

    With the defaults the whole analysis stays under 300 MB (benchmarks/README_capture.md).
    """

    max_streams: int = 4096  # TCP streams analysed at once
    stream_bytes: int = 32 * 1024 * 1024  # bytes held by all of them together
    live_flows: int = 100_000  # flows held in memory; beyond, ended then least active written out
    close_linger: float = 5.0  # capture seconds an ended TCP flow waits for its last packets
    rows_held: int = 16_384  # rows of a table held before they are written (a row group)
    max_names: int = 50_000  # addresses remembered with the DNS name they were resolved from


def reverse_key(key: bytes, with_ports: bool) -> bytes:
    """The other direction's key: addresses (then ports) swapped."""
    size = 4 if len(key) <= 12 else 16
    back = key[size : 2 * size] + key[:size]
    return back + key[2 * size + 2 : 2 * size + 4] + key[2 * size : 2 * size + 2] if with_ports else back


PORTS = tuple(range(65536))
TRANSPORTS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 2: "igmp", 47: "gre", 50: "esp", 132: "sctp"}


class Flow:
    """`ckey` is the client-to-server key: client address, server address (then ports for TCP/UDP).

    `id` is its number (flow_id): flows are numbered from 1 in order of their first packet.
    `fins`: bit 1 the client's FIN, bit 2 the server's, bit 4 a RST, bit 8 written out (engine).
    """

    __slots__ = (
        "id",
        "proto",
        "ckey",
        "cport",
        "sport",
        "first_ts",
        "last_ts",
        "first_packet",
        "pc",
        "ps",
        "bc",
        "bs",
        "app",
        "sni",
        "cmac",
        "smac",
        "served",
        "stream",
        "inspect",
        "tries",
        "isn_c",
        "isn_s",
        "fins",
    )

    def __init__(
        self, proto: int, ckey: bytes, ts: float, number: int, cport: int = 0, sport: int = 0
    ) -> None:
        self.id = 0
        self.proto, self.ckey = proto, ckey
        self.cport, self.sport = PORTS[cport], PORTS[sport]  # as Python: shared int objects, less memory
        self.first_ts = self.last_ts = ts
        self.first_packet = number
        self.pc = self.ps = self.bc = self.bs = 0
        self.app: str | None = None
        self.sni: str | None = None
        self.cmac: bytes | None = None
        self.smac: bytes | None = None
        self.served = 0  # first server packet with payload (any server packet for UDP)
        self.stream: Any = None  # the streams.TcpStream following this flow (flows know no streams)
        self.inspect = proto == 6 or proto == 17
        self.tries = 0
        self.isn_c: int | None = None
        self.isn_s: int | None = None
        self.fins = 0

    @property
    def _size(self) -> int:
        return 4 if len(self.ckey) <= 12 else 16

    @property
    def cip(self) -> bytes:
        return self.ckey[: self._size]

    @property
    def sip(self) -> bytes:
        size = self._size
        return self.ckey[size : 2 * size]
