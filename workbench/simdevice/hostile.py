"""Bad answers for the probe's bad-input tests, one small server each: a service that accepts and never
answers, a TLS port that resets every handshake, a 10 MB banner, and `<script>` in an HTTP title."""

from __future__ import annotations

import contextlib
import socket

from .files import MODEL
from .tcp import Handler, Server, reset, serve

SILENT_HOLD_S = 120.0
BANNER_BYTES = 10 * 1024 * 1024
SCRIPT = "<script>alert('simdevice')</script>"
HTTP_PAGE = (f"<!DOCTYPE html><html><head><title>{SCRIPT}{MODEL}</title></head>"
             f"<body><h1>{SCRIPT}</h1></body></html>").encode()


class Silent(Handler):
    """Accepts, reads and discards, answers nothing until the client leaves (or SILENT_HOLD_S)."""

    timeout = SILENT_HOLD_S

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(1.0)
        for _ in range(int(SILENT_HOLD_S)):
            if self.server.stopping.is_set():
                return
            try:
                if not sock.recv(4096):
                    return
            except TimeoutError:
                continue
            except OSError:
                return


class ResetHandshake(Handler):
    """Reads the ClientHello (bounded), then resets the connection."""

    timeout = 5.0

    def handle(self) -> None:
        with contextlib.suppress(OSError):
            self.request.recv(16384)

    def finish(self) -> None:
        super().finish()
        reset(self.request)


class HugeBanner(Handler):
    """A telnet-style banner of 10 MB, `<script>` first, then the connection closes."""

    def handle(self) -> None:
        chunk = b"A" * 65536
        self.send(f"{SCRIPT} {MODEL} ".encode())
        for _ in range(BANNER_BYTES // len(chunk)):
            if self.server.stopping.is_set() or not self.send(chunk):
                return
        self.send(b"\r\nlogin: ")


class ScriptHttp(Handler):
    """An HTTP server whose title and Server header carry `<script>`."""

    def handle(self) -> None:
        if self.read_head() is None:
            return
        head = (f"HTTP/1.1 200 OK\r\nServer: {SCRIPT}\r\nContent-Type: text/html\r\n"
                f"Content-Length: {len(HTTP_PAGE)}\r\nConnection: close\r\n\r\n").encode()
        self.send(head + HTTP_PAGE)


def start(port: int, kind: type[Handler]) -> Server:
    return serve(port, kind)
