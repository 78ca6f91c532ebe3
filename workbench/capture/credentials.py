"""Credentials seen in clear: one row per (protocol, client, server, user, secret), masked on output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

MAX_PACKETS = 20  # packet numbers kept per credential: enough to prove it
MAX_HELD = 10_000  # distinct credentials merged in memory before they are written


def mask(secret: str | None) -> str | None:
    """'password' -> 'p******d (8 chars)': shape without the value."""
    if secret is None:
        return None
    if not secret:
        return "(empty)"
    n = len(secret)
    if n <= 3:
        return f"{'*' * n} ({n} chars)"
    return f"{secret[0]}{'*' * (n - 2)}{secret[-1]} ({n} chars)"


class CredentialLog:
    """One row per distinct credential, its packets merged; at most `held` are held in memory,
    then all are handed to `write` (a credential seen again later gets a row of its own)."""

    def __init__(self, write: Callable[[dict[str, Any]], None], reveal: bool, held: int = MAX_HELD) -> None:
        self.write = write
        self.reveal = reveal
        self.held = held
        self._items: dict[tuple, dict[str, Any]] = {}

    def add(
        self,
        protocol: str,
        client_ip: str,
        server_ip: str,
        server_port: int,
        username: str | None,
        secret: str | None,
        packets: list[int],
        detail: str = "",
    ) -> None:
        key = (protocol, client_ip, server_ip, server_port, username, secret)
        item = self._items.get(key)
        if item is None:
            if len(self._items) >= self.held:
                self.flush()
            self._items[key] = {
                "protocol": protocol,
                "client_ip": client_ip,
                "server_ip": server_ip,
                "server_port": server_port,
                "username": username,
                "secret": secret,
                "packets": sorted(set(packets))[:MAX_PACKETS],
                "detail": detail,
            }
            return
        merged = sorted(set(item["packets"]) | set(packets))
        item["packets"] = merged[:MAX_PACKETS]
        if detail and detail not in item["detail"]:
            item["detail"] = f"{item['detail']}; {detail}" if item["detail"] else detail

    def flush(self) -> None:
        """Hand every credential held to `write` (masked unless revealed) and forget them."""
        for item in self._items.values():
            if not self.reveal:
                item["secret"] = mask(item["secret"])
            self.write(item)
        self._items = {}
