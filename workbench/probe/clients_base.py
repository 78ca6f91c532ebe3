"""What every protocol client shares: the outcome of one exchange, bounded reads, printable text.

The device's answers are hostile: every read stops at `MAX_READ` bytes, every socket has a timeout,
and every string kept from the device is made printable and cut before it enters a table.
"""

from __future__ import annotations

import errno
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_READ = 64 * 1024  # never more than this from the device in one exchange
DETAIL_CHARS = 200


@dataclass
class Outcome:
    """One exchange with a service: a login attempt or a request without credentials.

    `accepted` is None when the exchange failed to run (then `failure` says why: refused, timeout,
    error); `locked` is the device saying it stopped taking attempts (429, Retry-After, ...)."""

    accepted: bool | None
    status: str
    detail: str = ""
    locked: bool = False
    failure: str = ""  # "", "refused", "timeout", "error"
    started: float = field(default_factory=time.time)
    finished: float = 0.0

    def done(self) -> Outcome:
        self.finished = time.time()
        self.status = printable(self.status, DETAIL_CHARS)
        self.detail = printable(self.detail, DETAIL_CHARS)
        return self

    @property
    def word(self) -> str:
        """rejected, accepted, locked, refused, timeout or error (the bruteforce table's outcome)."""
        if self.locked:
            return "locked"
        if self.failure:
            return self.failure
        if self.accepted is None:
            return "error"
        return "accepted" if self.accepted else "rejected"


def printable(text: str | bytes, limit: int = DETAIL_CHARS) -> str:
    """`text` with control characters replaced by spaces (runs collapsed), cut to `limit` characters."""
    if isinstance(text, bytes):
        text = text[: limit * 4].decode("utf-8", errors="replace")
    cleaned = "".join(c if c.isprintable() else " " for c in text[: limit * 4])
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def failure_of(exc: BaseException) -> tuple[str, str]:
    """(failure word, one-line detail) for an exception raised by a client."""
    if isinstance(exc, ConnectionRefusedError):
        return "refused", "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout", "no answer before the timeout"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "refused", "connection reset by the device"
    if "timed out" in str(exc) or "protocol banner" in str(exc):  # paramiko's words for a silent peer
        return "timeout", printable(str(exc))
    if isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "refused", printable(str(exc))
    return "error", printable(f"{type(exc).__name__}: {exc}")


def failed(started: float, exc: BaseException) -> Outcome:
    word, detail = failure_of(exc)
    return Outcome(None, word, detail, failure=word, started=started).done()


def connect(host: str, port: int, timeout: float, tls: bool = False) -> socket.socket:
    """A TCP connection with `timeout` on every operation; TLS without certificate verification
    (the device's certificate is self-signed; the TLS test judges it, not this client)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    if not tls:
        return sock
    try:
        return insecure_tls().wrap_socket(sock, server_hostname=None)
    except BaseException:
        sock.close()
        raise


def insecure_tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    return context


def read_until(
    sock: socket.socket, done: Callable[[bytes], bool], deadline: float, limit: int = MAX_READ
) -> bytes:
    """Bytes from `sock` until `done(data)` holds, the peer closes, `limit` bytes or `deadline`
    (time.monotonic) passes; a timeout with nothing read raises TimeoutError."""
    data = b""
    while len(data) < limit and not done(data):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            if not data:
                raise TimeoutError("no answer before the deadline")
            break
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(16384, limit - len(data)))
        except TimeoutError:
            if not data:
                raise
            break
        if not chunk:
            break
        data += chunk
    return data
