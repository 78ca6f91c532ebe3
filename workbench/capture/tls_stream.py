"""A TLS connection followed until its handshake is over (ChangeCipherSpec or application data).

Records are read as they complete and dropped; handshake messages spanning records and TCP
segments are joined, so multi-segment certificate chains are found. Reassembly stops at the
end of the handshake, at an oversized record (a warning), or at a per-direction cap.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from workbench.capture import tls
from workbench.capture.marks import Mark, packet_at
from workbench.capture.streams import TcpStream

MAX_HANDSHAKE = 128 * 1024  # handshake bytes kept per direction


class _Side:
    __slots__ = ("buf", "base", "marks", "hs", "hs_start", "encrypted", "finished", "record_version")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.base = 0  # stream offset of buf[0]
        self.marks: list[Mark] = []
        self.hs = bytearray()
        self.hs_start: int | None = None  # packet where the pending handshake message began
        self.encrypted = False
        self.finished = False
        self.record_version: int | None = None


class TlsStream(TcpStream):
    protocol = "tls"

    def __init__(self, flow, sink) -> None:
        super().__init__(flow, sink)
        self.sides = (_Side(), _Side())  # index 1 = client
        self.client_hello: tls.ClientHello | None = None
        self.server_hello: tls.ServerHello | None = None
        self.hello_packet: int | None = None
        self.hello_ts: float | None = None
        self.chain: list[dict[str, Any]] = []
        self.cert_packet: int | None = None
        self.alerts: list[str] = []

    def deliver(self, c2s: bool, data: bytes, number: int, ts: float) -> int:
        side = self.sides[c2s]
        if side.finished:
            self._check_done()
            return 0
        if side.buf:  # a record began in an earlier packet: join
            side.marks.append((side.base + len(side.buf), number))
            side.buf += data
            buf: bytes | bytearray = side.buf
        else:  # the usual case: this packet starts on a record boundary, read it in place
            side.marks = [(side.base, number)]
            buf = data
        pos = self._records(c2s, side, buf, ts, number)
        if side.finished:
            side.buf = bytearray()
            side.hs = bytearray()
        elif buf is data:
            if pos < len(data):
                side.buf = bytearray(data[pos:])
        else:
            del side.buf[:pos]
        side.base += pos
        marks = side.marks
        while len(marks) > 1 and marks[1][0] <= side.base:
            marks.pop(0)
        server, client = self.sides
        self.size = len(server.buf) + len(server.hs) + len(client.buf) + len(client.hs)
        self._check_done()
        return 0

    def _check_done(self) -> None:
        if self.sides[0].finished and self.sides[1].finished:
            self.done = True

    def _records(self, c2s: bool, side: _Side, buf: bytes | bytearray, ts: float, number: int) -> int:
        """Complete records of one side from buf (at stream offset side.base); returns the bytes used.

        `number` is the packet whose data completed them.
        """
        pos = 0
        size = len(buf)
        while size - pos >= 5 and not side.finished:
            ctype, major, minor = buf[pos], buf[pos + 1], buf[pos + 2]
            length = (buf[pos + 3] << 8) | buf[pos + 4]
            if not (20 <= ctype <= 24 and major == 3):
                sslv2_hello = pos == 0 and side.base == 0 and buf[0] & 0x80
                if sslv2_hello and c2s and self.client_hello is None:
                    self._sslv2_hello(bytes(buf), side, ts)
                side.finished = True
                break
            if length > tls.MAX_RECORD:
                self.sink.warnings.add(
                    "tls-record-oversize",
                    f"TLS record claims {length} bytes (over 16 KiB + 2048); stream not followed further",
                    packet_at(side.marks, side.base + pos),
                )
                side.finished = True
                break
            if size - pos < 5 + length:
                break
            if side.record_version is None:
                side.record_version = (major << 8) | minor
            start = side.base + pos
            pos += 5 + length
            if ctype == 22:
                if not side.encrypted:
                    body = bytes(buf[pos - length : pos])
                    self._handshake(c2s, side, body, packet_at(side.marks, start), ts, number)
            elif ctype == 20:
                side.encrypted = True
                side.finished = True
            elif ctype == 21:
                if side.encrypted or length != 2:
                    self.alerts.append("encrypted alert")
                else:
                    self.alerts.append(tls.alert_text(buf[pos - 2], buf[pos - 1]))
            elif ctype == 23:
                side.finished = True
            if len(side.hs) > MAX_HANDSHAKE:
                side.finished = True
        return pos

    def _handshake(self, c2s: bool, side: _Side, body: bytes, number: int, ts: float, now: int) -> None:
        if not side.hs:  # the usual case: whole messages in this record, read in place
            pos, size = 0, len(body)
            while size - pos >= 4:
                mlen = (body[pos + 1] << 16) | (body[pos + 2] << 8) | body[pos + 3]
                if size - pos < 4 + mlen:
                    break
                mtype = body[pos]
                message = body[pos + 4 : pos + 4 + mlen]
                pos += 4 + mlen
                try:
                    self._message(c2s, mtype, message, number, ts, now)
                except tls.TlsError as exc:
                    self.sink.warnings.add("malformed-tls", f"malformed TLS handshake message: {exc}", number)
                if side.finished:
                    return
            if pos < size:  # a message continued in the next record
                side.hs = bytearray(body[pos:])
                side.hs_start = number
            return
        side.hs += body
        while len(side.hs) >= 4:
            mtype = side.hs[0]
            mlen = int.from_bytes(side.hs[1:4], "big")
            if len(side.hs) < 4 + mlen:
                break
            message = bytes(side.hs[4 : 4 + mlen])
            first_packet = side.hs_start or number
            del side.hs[: 4 + mlen]
            side.hs_start = number if side.hs else None
            try:
                self._message(c2s, mtype, message, first_packet, ts, now)
            except tls.TlsError as exc:
                self.sink.warnings.add(
                    "malformed-tls", f"malformed TLS handshake message: {exc}", first_packet
                )
            if side.finished:
                return

    def _message(self, c2s: bool, mtype: int, message: bytes, number: int, ts: float, now: int) -> None:
        """One handshake message: `number` is the packet where it began, `now` where it completed."""
        if c2s and mtype == 1 and self.client_hello is None:
            self.client_hello = tls.parse_client_hello(message)
            self.hello_packet, self.hello_ts = number, ts
            self.flow.sni = self.client_hello.sni
        elif not c2s and mtype == 2 and self.server_hello is None:
            self.server_hello = tls.parse_server_hello(message)
            if self.hello_packet is None:
                self.hello_packet, self.hello_ts = number, ts
            if self.server_hello.negotiated == 0x0304:
                self.sides[0].finished = True  # everything after ServerHello is encrypted
        elif not c2s and mtype == 11 and not self.chain:
            from workbench.capture import certs  # cryptography's import: only for a capture with one

            when = self.hello_ts or ts
            self.chain = [certs.describe(der, when) for der in tls.parse_certificate_list(message)]
            self.cert_packet = now  # Wireshark shows the message in the packet that completes it

    def _sslv2_hello(self, data: bytes, side: _Side, ts: float) -> None:
        # 2-byte header (high bit set), type 1, version, cipher specs length, session id, challenge
        if len(data) < 11 or data[2] != 1:
            return
        version = int.from_bytes(data[3:5], "big")
        cs_len = int.from_bytes(data[5:7], "big")
        specs = data[11 : 11 + cs_len]
        ciphers = [int.from_bytes(specs[i : i + 3], "big") for i in range(0, len(specs) - 2, 3)]
        self.client_hello = tls.ClientHello(version, [c for c in ciphers if c <= 0xFFFF])
        self.client_hello.extensions = []
        side.record_version = 0x0002
        self.hello_packet, self.hello_ts = packet_at(side.marks, 0), ts

    def finish(self) -> None:
        if self.client_hello is None and self.server_hello is None:
            return
        self.sink.tls_row(self._row())

    def _row(self) -> dict[str, Any]:
        ch, sh = self.client_hello, self.server_hello
        ep = self.endpoint()
        client_side, server_side = self.sides[1], self.sides[0]
        hello = _hello_fields(ch) if ch else _NO_HELLO
        return {
            "packet": self.hello_packet,
            "client_ip": ep["client_ip"],
            "server_ip": ep["server_ip"],
            "server_port": ep["server_port"],
            "record_version": client_side.record_version or server_side.record_version,
            "hello_version": ch.version if ch else None,
            "offered_versions": hello.offered_versions,
            "offered_ciphers": hello.offered_ciphers,
            "sni": ch.sni if ch else None,
            "alpn": list(ch.alpn) if ch else [],
            "chosen_version": sh.negotiated if sh else None,
            "chosen_cipher": tls.cipher_name(sh.cipher) if sh else None,
            "certificates": self.chain,
            "certificate_packet": self.cert_packet,
            "alerts": self.alerts[:20],
            "ja3": hello.ja3,
            "ja4": hello.ja4,
        }

    def close(self) -> None:
        super().close()
        for side in self.sides:
            side.buf = side.hs = bytearray()
            side.marks = []


class _Hello(NamedTuple):
    """What the tls table derives from a ClientHello (shared, read-only, by identical hellos)."""

    offered_versions: list[int]
    offered_ciphers: list[str]
    ja3: str | None
    ja4: str | None


_NO_HELLO = _Hello([], [], None, None)
_HELLOS: dict[tuple, _Hello] = {}


def _hello_fields(ch: tls.ClientHello) -> _Hello:
    key = ch.key()
    found = _HELLOS.get(key)
    if found is None:
        found = _Hello(
            [v for v in ch.supported_versions if not tls.is_grease(v)],
            [tls.cipher_name(c) for c in ch.ciphers if not tls.is_grease(c)],
            ch.ja3(),
            ch.ja4(),
        )
        if len(_HELLOS) >= 1024:
            _HELLOS.clear()
        _HELLOS[key] = found
    return found
