"""The extraction journal: what the worker (or the fallback extractor) did, one JSON line an
event, so that a worker stopped by a limit still leaves an account of its work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Journal:
    def __init__(self, path: Path) -> None:
        self.handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the run

    def write(self, event: str, **fields: Any) -> None:
        self.handle.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        self.handle.flush()


def new_layer(
    layer_id: int, parent: int | None, container: str | None, depth: int, offset: int, end: int, whole: bool
) -> dict[str, Any]:
    """A layer's journal record before extraction: where it is, inside what, nothing extracted yet."""
    return {
        "id": layer_id,
        "parent": parent,
        "container": container,
        "depth": depth,
        "offset": offset,
        "end": end,
        "whole": whole,
        "dir": None,
        "meta": None,
        "extracted": False,
    }
