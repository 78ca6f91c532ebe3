"""What a process has parsed once, kept to be handed out again as copies.

A check's context opens the catalogue, the case file, the declaration and the artefact list again for
every requirement; parsing and validating them each time cost more than the check itself. A
`PickledMemo` keeps each value pickled: every `get` unpickles a copy of its own, so no caller sees
another's changes. Keys must name the content (a digest of the bytes read), never a path alone: an
edited file is a new key. Only values are kept, never errors: a bad file is refused every time.
"""

from __future__ import annotations

import pickle
import threading
from typing import Any

MISSING = object()  # `get` for a key not kept (a kept value may be None: an empty YAML file)


class PickledMemo:
    """At most `entries` values, the oldest dropped first; a value whose pickle is larger than
    `max_pickle` bytes is not kept. Safe to share between threads."""

    def __init__(self, entries: int, max_pickle: int | None = None) -> None:
        self.entries, self.max_pickle = entries, max_pickle
        self._kept: dict[Any, bytes] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """A copy of the value kept for `key`, or MISSING."""
        with self._lock:
            kept = self._kept.get(key)
        return MISSING if kept is None else pickle.loads(kept)  # noqa: S301 - pickled by this process

    def put(self, key: Any, value: Any) -> None:
        pickled = pickle.dumps(value)
        if self.max_pickle is not None and len(pickled) > self.max_pickle:
            return
        with self._lock:
            if key not in self._kept and len(self._kept) >= self.entries:
                self._kept.pop(next(iter(self._kept)))  # the oldest
            self._kept[key] = pickled
