"""The first rows of a result's table for the terminal, laid out without pandas: an engine's
command starts faster without it, and a few dozen rows need no data frame."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workbench.i18n.text import display_width

Shown = Callable[[Any], Any]


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    max_width: int = 60,
    shown: Mapping[str, Shown] | None = None,
) -> str:
    """`rows` as a text table: a header, a line per row, every column right-aligned to its widest
    cell (by terminal columns), a cell longer than `max_width` cut with "..."; `shown` maps a
    column to what its value is shown as."""
    shown = shown or {}
    cells = [[_cell(shown.get(c, _same)(row.get(c)), max_width) for c in columns] for row in rows]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [_line(columns, widths)] + [_line(r, widths) for r in cells]
    return "\n".join(lines)


def _same(value: Any) -> Any:
    return value


def _cell(value: Any, max_width: int) -> str:
    text = _text(value).replace("\n", "\\n").replace("\t", "\\t")
    if len(text) > max_width:
        text = text[: max_width - 3] + "..."
    return text


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value == value else "NaN"
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return " ".join(" " * (w - display_width(c)) + c for c, w in zip(cells, widths, strict=True))
