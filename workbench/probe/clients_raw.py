"""Raw request/answer exchanges over one TCP (or TLS) connection, for RTSP and for malformed input:
what `http.client` would refuse to send or to read. Answers are parsed as `PROTO/x.y CODE reason`
plus headers plus at most `MAX_READ` bytes of body."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field

from workbench.probe.clients_base import MAX_READ, connect, read_until

_STATUS = re.compile(rb"^([A-Z]{2,8})/(\d)\.(\d) +(\d{3})(?: +([^\r\n]*))?")


@dataclass
class RawAnswer:
    data: bytes = b""  # everything read (at most MAX_READ)
    status: int | None = None  # the status code, when the answer starts with a status line
    status_line: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # names lower-cased
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


def parse(data: bytes) -> RawAnswer:
    answer = RawAnswer(data=data)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    match = _STATUS.match(lines[0]) if lines else None
    if not match:
        return answer
    answer.status = int(match[4])
    answer.status_line = lines[0][:200].decode("latin-1")
    for line in lines[1:100]:
        name, colon, value = line.partition(b":")
        if colon:
            answer.headers.append((name.strip().lower().decode("latin-1"), value.strip().decode("latin-1")))
    answer.body = body
    return answer


def _answer_complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    length = re.search(rb"(?im)^content-length:\s*(\d{1,12})\s*$", head)
    return len(body) >= int(length[1]) if length else True


def exchange(host: str, port: int, payload: bytes, timeout: float, tls: bool = False,
             sock: socket.socket | None = None) -> RawAnswer:
    """Send `payload`, read one answer (headers + Content-Length body) within `timeout` seconds.
    An empty answer means the device closed the connection; no answer at all raises TimeoutError."""
    deadline = time.monotonic() + timeout
    own = sock is None
    conn = sock or connect(host, port, timeout, tls)
    try:
        conn.sendall(payload)
        return parse(read_until(conn, _answer_complete, deadline, MAX_READ))
    finally:
        if own:
            conn.close()
