"""An HTTP (or RTSP) connection: request heads, credentials, form posts and firmware-like transfers.

Message heads are parsed as they complete; bodies are skipped after their first bytes (kept
for magic numbers), except urlencoded forms (up to 64 KiB), which may carry a password.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from workbench.capture import downloads, http, sizes
from workbench.capture.streams import TcpStream

MAX_QUEUED = 64


class HttpStream(TcpStream):
    def __init__(self, flow, sink, protocol: str = "http") -> None:
        super().__init__(flow, sink)
        self.protocol = protocol
        self.parsers = (http.HttpParser(self._response, False), http.HttpParser(self._request, True))
        self.requests: deque[tuple[http.Head, list[int]]] = deque()

    def deliver(self, c2s: bool, data: bytes, number: int, ts: float) -> int:
        parser = self.parsers[c2s]
        skip = parser.feed(data, number)
        server, client = self.parsers
        self.size = len(server.buf) + len(server.body) + len(client.buf) + len(client.body)
        if server.closed and client.closed:
            self.done = True
        return skip

    # --- requests -------------------------------------------------------------------------------
    def _request(self, head: http.Head, body: bytes, size: int | None, packets: list[int]) -> None:
        self._check_length(head, packets)
        method, _, rest = head.first.partition(" ")
        if method == "HEAD":
            self.parsers[0].expect_no_body += 1
        if len(self.requests) < MAX_QUEUED:
            self.requests.append((head, packets))
        for header in ("authorization", "proxy-authorization"):
            value = head.get(header)
            if value and (found := http.authorization(value)):
                _, user, secret, detail = found
                path = rest.rsplit(" ", 1)[0]
                emit = self.sink.credential_emitter(self.flow)
                emit(self.protocol, user, secret, packets, f"{detail}, {method} {path}"[:300])
        ctype = (head.get("content-type") or "").lower()
        if body and "x-www-form-urlencoded" in ctype and (form := http.form_credentials(body)):
            user, secret, field = form
            path = rest.rsplit(" ", 1)[0]
            emit = self.sink.credential_emitter(self.flow)
            emit(
                self.protocol,
                user,
                secret,
                packets,
                f"HTML form post, field {field!r}, {method} {path}"[:300],
            )
        if method in ("POST", "PUT") and "x-www-form-urlencoded" not in ctype:
            self._transfer(head, head, body, size, packets, upload=True)

    # --- responses ------------------------------------------------------------------------------
    def _response(self, head: http.Head, body: bytes, size: int | None, packets: list[int]) -> None:
        self._check_length(head, packets)
        status = head.first.split(" ", 2)[1] if head.first.count(" ") >= 1 else ""
        if status.startswith("1"):
            return
        request = self.requests.popleft() if self.requests else None
        if request is None or not status.startswith("2"):
            return
        req_head, req_packets = request
        self._transfer(req_head, head, body, size, sorted(set(req_packets[:1] + packets[:3])), upload=False)

    def _check_length(self, head: http.Head, packets: list[int]) -> None:
        if head.length_too_large:
            self.sink.warnings.add(
                sizes.WARNING_KIND,
                sizes.oversized("HTTP Content-Length", head.length_digits or ""),
                packets[0] if packets else None,
            )

    def _transfer(
        self,
        req: http.Head,
        carrier: http.Head,
        body: bytes,
        size: int | None,
        packets: list[int],
        upload: bool,
    ) -> None:
        parts = req.first.split(" ")
        path = parts[1] if len(parts) > 1 else None
        ctype = carrier.get("content-type")
        listed, firmware, reason, magic = downloads.judge(path, ctype, body)
        if not listed:
            return
        ep = self.endpoint()
        row: dict[str, Any] = {
            "packets": packets,
            "protocol": self.protocol + (" upload" if upload else ""),
            "client_ip": ep["client_ip"],
            "server_ip": ep["server_ip"],
            "server_port": ep["server_port"],
            "host": req.get("host"),
            "path": path,
            "content_type": ctype,
            "size": size,
            "magic": magic,
            "looks_like_firmware": firmware,
            "encrypted": False,
            "reason": reason,
        }
        self.sink.download_row(row)

    def finish(self) -> None:
        for parser in self.parsers:
            parser.finish()

    def close(self) -> None:
        super().close()
        self.parsers = ()  # type: ignore[assignment] - the parsers' callbacks point back here
        self.requests.clear()
