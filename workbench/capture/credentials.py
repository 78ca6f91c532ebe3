"""Credentials seen in clear: one row per (protocol, client, server, user, secret), masked on output."""

from __future__ import annotations

from typing import Any

MAX_PACKETS = 20  # packet numbers kept per credential: enough to prove it
MAX_CREDENTIALS = 10_000


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
    def __init__(self) -> None:
        self._items: dict[tuple, dict[str, Any]] = {}
        self.dropped = 0

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
            if len(self._items) >= MAX_CREDENTIALS:
                self.dropped += 1
                return
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

    def records(self, reveal: bool) -> list[dict[str, Any]]:
        out = []
        for item in sorted(self._items.values(), key=lambda i: i["packets"][0] if i["packets"] else 0):
            row = dict(item)
            if not reveal:
                row["secret"] = mask(row["secret"])
            out.append(row)
        return out
