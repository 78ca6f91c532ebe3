"""What could not be read, counted by kind: the evidence says when a capture was incomplete."""

from __future__ import annotations

from typing import Any


class WarningLog:
    """Warnings aggregated by kind: count, first message, first packet number."""

    def __init__(self) -> None:
        self._by_kind: dict[str, list[Any]] = {}

    def add(self, kind: str, message: str, packet: int | None = None, count: int = 1) -> None:
        entry = self._by_kind.get(kind)
        if entry is None:
            self._by_kind[kind] = [count, message, packet]
        else:
            entry[0] += count
            if entry[2] is None and packet is not None:
                entry[2] = packet

    def count(self, kind: str) -> int:
        entry = self._by_kind.get(kind)
        return entry[0] if entry else 0

    def records(self) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "count": count, "message": message, "first_packet": packet}
            for kind, (count, message, packet) in self._by_kind.items()
        ]
