"""The Python servers' common ground: a threaded TCP server on 127.0.0.1 that stops cleanly, and bounded
reads of lines and message heads from untrusted clients."""

from __future__ import annotations

import socket
import socketserver
import threading
from typing import Any

HOST = "127.0.0.1"
MAX_LINE = 4096
MAX_HEAD_LINES = 64
CLIENT_TIMEOUT_S = 30.0


class Server(socketserver.ThreadingTCPServer):
    """One port, one thread per client, never bound to anything but 127.0.0.1."""

    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, port: int, handler: type[socketserver.BaseRequestHandler],
                 settings: Any = None) -> None:
        super().__init__((HOST, port), handler)
        self.settings = settings
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that misbehaves is that client's problem: no traceback."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"simdevice-tcp/{self.server_address[1]}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class Handler(socketserver.StreamRequestHandler):
    """A client connection with a timeout; reads are bounded."""

    timeout = CLIENT_TIMEOUT_S
    server: Server

    def readline(self) -> bytes | None:
        """One line (at most MAX_LINE bytes, end of line stripped), None at end of stream or on a timeout."""
        try:
            line = self.rfile.readline(MAX_LINE)
        except OSError:
            return None
        return line.rstrip(b"\r\n") if line else None

    def read_head(self) -> list[bytes] | None:
        """The lines up to an empty one (a request head), None when the client stops or sends too many."""
        lines: list[bytes] = []
        while (line := self.readline()) is not None:
            if not line:
                if lines:
                    return lines
                continue
            lines.append(line)
            if len(lines) > MAX_HEAD_LINES:
                return None
        return None

    def send(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            return False
        return True


def serve(port: int, handler: type[socketserver.BaseRequestHandler], settings: Any = None) -> Server:
    """Bind and start a server thread (its handlers read `self.server.settings`); the caller stops it."""
    server = Server(port, handler, settings)
    server.start()
    return server


def reset(sock: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    finally:
        sock.close()
