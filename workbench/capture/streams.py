"""TCP reassembly, only for the streams that need it, with per-stream caps.

`TcpStream` puts segments in order (retransmissions trimmed, a few out-of-order segments held,
gaps end the direction) and hands contiguous bytes to `deliver`. An analyser may ask to skip the
next N bytes unseen (an HTTP body whose first bytes it already kept): those are never buffered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workbench.capture import logins
from workbench.columnar import ResultWriteError

if TYPE_CHECKING:
    from workbench.capture.flow import Flow
    from workbench.capture.sink import Sink

MASK = 0xFFFFFFFF
HALF = 0x80000000
MAX_PENDING = 32  # out-of-order segments held per direction before the direction is given up


class Direction:
    __slots__ = ("next", "pending", "skip_end", "closed")

    def __init__(self) -> None:
        self.next: int | None = None
        self.pending: dict[int, tuple[bytes, int]] = {}
        self.skip_end: int | None = None
        self.closed = False


class TcpStream:
    """Base class: reassembly. Subclasses implement deliver() and finish()."""

    protocol = "tcp"

    def __init__(self, flow: Flow, sink: Sink) -> None:
        self.flow = flow
        self.sink = sink
        self.dirs = (Direction(), Direction())  # index 1 = client to server
        self.done = False
        self.size = 0  # bytes currently held (approximate)

    # --- reassembly -----------------------------------------------------------------------------
    def segment(self, c2s: bool, seq: int, payload: bytes, number: int, ts: float, cut: bool) -> None:
        d = self.dirs[c2s]
        if d.closed or self.done:
            return
        if d.next is None:
            d.next = seq
        if seq == d.next and d.skip_end is None and not d.pending:  # the usual case: in order
            d.next = (seq + len(payload)) & MASK
            skip = self.deliver(c2s, payload, number, ts)
            if skip:
                d.skip_end = (d.next + skip) & MASK
        elif seq == d.next and not d.pending and len(payload) <= (d.skip_end - seq) & MASK < HALF:
            d.next = (seq + len(payload)) & MASK  # in order, wholly inside a part skipped unseen
        else:
            self._accept(d, c2s, seq, payload, number, ts)
        if d.pending:
            self._drain(d, c2s, ts)
        if cut:  # the rest of this segment was not captured: a gap
            d.closed = True
            self._drop_pending(d)

    def _accept(self, d: Direction, c2s: bool, seq: int, payload: bytes, number: int, ts: float) -> None:
        assert d.next is not None
        off = (seq - d.next) & MASK
        if off >= HALF:  # starts before the next expected byte: trim the part already seen
            overlap = (d.next - seq) & MASK
            if overlap >= len(payload):
                return
            payload, seq, off = payload[overlap:], d.next, 0
        if d.skip_end is not None:
            to_end = (d.skip_end - seq) & MASK
            if to_end < HALF:  # the segment starts inside the region to skip
                if to_end >= len(payload):
                    end = (seq + len(payload)) & MASK
                    if (end - d.next) & MASK < HALF:
                        d.next = end
                    return
                payload, seq = payload[to_end:], d.skip_end
            d.next, d.skip_end = d.skip_end, None
            off = (seq - d.next) & MASK
            if off >= HALF:
                return
        if off == 0:
            d.next = (seq + len(payload)) & MASK
            skip = self.deliver(c2s, payload, number, ts)
            if skip:
                d.skip_end = (d.next + skip) & MASK
        elif len(d.pending) >= MAX_PENDING:
            d.closed = True
            self._drop_pending(d)
            self.sink.warnings.add(
                "tcp-gap", "TCP segments missing from the capture; stream analysis stopped there", number
            )
        elif seq not in d.pending:
            d.pending[seq] = (payload, number)
            self.size += len(payload)

    def _drain(self, d: Direction, c2s: bool, ts: float) -> None:
        progress = True
        while progress and d.pending and not d.closed:
            progress = False
            for seq in list(d.pending):
                assert d.next is not None
                if (d.next - seq) & MASK < HALF or (
                    d.skip_end is not None and (d.skip_end - seq) & MASK < HALF
                ):
                    payload, number = d.pending.pop(seq)
                    self.size -= len(payload)
                    self._accept(d, c2s, seq, payload, number, ts)
                    progress = True

    def _drop_pending(self, d: Direction) -> None:
        self.size -= sum(len(p) for p, _ in d.pending.values())
        d.pending.clear()

    # --- analyser interface ---------------------------------------------------------------------
    def deliver(self, c2s: bool, data: bytes, number: int, ts: float) -> int:
        """Contiguous bytes of one direction; returns how many following bytes may be skipped."""
        raise NotImplementedError

    def finish(self) -> None:
        """No more data will come: report what was found."""

    def close(self) -> None:
        for d in self.dirs:
            d.pending.clear()
        self.size = 0

    # helpers
    def endpoint(self) -> dict[str, Any]:
        return self.sink.endpoints(self.flow)


class ChunkStream(TcpStream):
    """Keeps the first `cap` bytes of each direction in arrival order; a parser reads them at the end."""

    def __init__(self, flow: Flow, sink: Sink, protocol: str, cap: int = 16 * 1024) -> None:
        super().__init__(flow, sink)
        self.protocol = protocol
        self.cap = cap
        self.chunks: list[tuple[bool, int, bytes]] = []
        self.kept = [0, 0]

    def deliver(self, c2s: bool, data: bytes, number: int, ts: float) -> int:
        room = self.cap - self.kept[c2s]
        if room <= 0:
            if self.kept[not c2s] >= self.cap:
                self.done = True
            return 0
        piece = data[:room]
        self.chunks.append((c2s, number, piece))
        self.kept[c2s] += len(piece)
        self.size += len(piece)
        if self.protocol == "mqtt" and not c2s and self.kept[0] >= 4:
            self.done = True  # CONNACK seen: the CONNECT before it is complete
        return 0

    def finish(self) -> None:
        emit = self.sink.credential_emitter(self.flow)
        try:
            if self.protocol == "telnet":
                logins.telnet(self.chunks, emit)
            elif self.protocol == "ftp":
                logins.ftp(
                    self.chunks, emit, self.sink.ftp_download_emitter(self.flow), self.sink.warnings.add
                )
            elif self.protocol == "pop3":
                logins.pop3(self.chunks, emit)
            elif self.protocol == "imap":
                logins.imap(self.chunks, emit)
            elif self.protocol == "smtp":
                logins.smtp(self.chunks, emit)
            elif self.protocol == "mqtt":
                logins.mqtt(self.chunks, emit)
        except ResultWriteError:
            raise  # the result cannot be written: not a parser's problem
        except Exception as exc:  # a parser bug must not lose the rest of the analysis
            self.sink.warnings.add(
                "parser-error",
                f"{self.protocol} parser failed: {exc!r}",
                self.chunks[0][1] if self.chunks else None,
            )

    def close(self) -> None:
        super().close()
        self.chunks = []
