"""Where the bytes of one reassembled direction came from: `(stream offset, packet number)` marks,
in stream order, one where each packet's data begins."""

from __future__ import annotations

Mark = tuple[int, int]


def packet_at(marks: list[Mark], offset: int) -> int:
    """The packet that carried the byte at stream `offset` (the first packet's before any mark, 0 without)."""
    number = marks[0][1] if marks else 0
    for start, num in marks:
        if start > offset:
            break
        number = num
    return number
