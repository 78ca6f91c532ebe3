"""Brute-force protection of the clean camera: each wrong password is answered later than the one before,
and after five a client is locked out for a while (HTTP 429 / RTSP 503 with Retry-After)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

MAX_FAILURES = 5
LOCK_S = 300
FIRST_DELAY_S = 0.1


class Log(Protocol):
    def write(self, message: str) -> None: ...


@dataclass
class Lockout:
    max_failures: int = MAX_FAILURES
    lock_s: float = LOCK_S
    first_delay_s: float = FIRST_DELAY_S
    _failures: dict[str, int] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> int:
        """Seconds the client must still wait, 0 when it may try."""
        with self._lock:
            left = self._locked_until.get(client, 0.0) - time.monotonic()
        return max(0, int(left + 0.999))

    def failed(self, client: str) -> float:
        """Count a wrong password; the delay (s) to wait before answering it."""
        return self._count(client)[0]

    def _count(self, client: str) -> tuple[float, bool]:
        """The delay, and whether this failure locked the client out."""
        with self._lock:
            count = self._failures.get(client, 0) + 1
            self._failures[client] = count
            locks = count >= self.max_failures
            if locks:
                self._locked_until[client] = time.monotonic() + self.lock_s
                self._failures[client] = 0
        return self.first_delay_s * 2 ** (min(count, self.max_failures) - 1), locks

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def failed_and_logged(self, client: str, log: Log, service: str) -> float:
        """`failed`, and a log line when this failure locks the client out."""
        delay, locks = self._count(client)
        if locks:
            log.write(f"client {client} locked out for {self.lock_s:.0f} s after {self.max_failures} "
                      f"failures ({service})")
        return delay
