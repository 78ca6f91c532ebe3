"""The gate every sslyze connection passes: the TLS test's rate limit and its stop at the budget.

sslyze opens every TCP connection through one function (`tls_connection._open_socket`); the gate
wraps it once for the process. A connection to a location a `Gate` is registered for waits its turn
(at most `rate_per_s` new connections a second) and is refused once the gate is closed — so a scan
abandoned at its time budget stops sending within one network timeout instead of running on
into the next test. Connections of anything else pass untouched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sslyze.connection_helpers import tls_connection

_GATES: dict[int, Gate] = {}  # id(ServerNetworkLocation) -> its gate (the gate keeps the location alive)
_LOCK = threading.Lock()
_original: Callable[..., Any] | None = None


class GateClosed(ConnectionRefusedError):
    """The TLS test is over (its budget is spent): no new connection to the device."""


class Gate:
    def __init__(self, location: Any, rate_per_s: float) -> None:
        self.location = location
        self.interval = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self.closed = False
        self.connections = 0
        self._next = 0.0
        self._lock = threading.Lock()

    def admit(self) -> None:
        with self._lock:
            if self.closed:
                raise GateClosed("the TLS test stopped at its time budget")
            now = time.monotonic()
            wait = max(0.0, self._next - now)
            self._next = max(now, self._next) + self.interval
            self.connections += 1
        if wait:
            time.sleep(wait)

    def close(self) -> None:
        with self._lock:
            self.closed = True


def open_gate(location: Any, rate_per_s: float) -> Gate:
    """Pace and guard every sslyze connection to `location` (the very object given to sslyze)."""
    _install()
    gate = Gate(location, rate_per_s)
    with _LOCK:
        _GATES[id(location)] = gate
    return gate


def forget(gate: Gate) -> None:
    """Unregister a gate whose scan has ended (an abandoned scan's gate stays, closed)."""
    with _LOCK:
        if _GATES.get(id(gate.location)) is gate:
            del _GATES[id(gate.location)]


def installed() -> bool:
    return _original is not None


def _install() -> None:
    global _original
    with _LOCK:
        if _original is not None or not hasattr(tls_connection, "_open_socket"):
            return
        _original = tls_connection._open_socket

        def gated_open_socket(server_location: Any, network_timeout: int) -> Any:
            gate = _GATES.get(id(server_location))
            if gate is not None:
                gate.admit()
            assert _original is not None
            return _original(server_location, network_timeout)

        tls_connection._open_socket = gated_open_socket
