"""Where another case is, as a case names it: a renewal plan's `from` and a carried verdict's
`carried_from` both hold `case` (that case's folder relative to this one's, so that both can move
together) and `case_absolute` (the folder as it was when written, tried second)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def other_case_places(named: dict[str, Any], base: Path) -> list[Path]:
    """The folders the other case may be in, in order: relative to `base` (this case's folder), then
    the absolute one; each once."""
    places: list[Path] = []
    for key in ("case", "case_absolute"):
        where = named.get(key)
        if isinstance(where, str) and where:
            place = Path(os.path.normpath(where if os.path.isabs(where) else base / where))
            if place not in places:
                places.append(place)
    return places
