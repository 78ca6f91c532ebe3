"""The first rows of a result's table for the terminal, laid out without pandas: an engine's
command starts faster without it, and a few dozen rows need no data frame.

Every value comes from a device: a control character in it (ESC, BEL, CR, ...) is shown escaped,
as `\\x1b`, never sent to the terminal, where it could clear the screen, set the title or
overwrite a line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from workbench.i18n.text import display_width

Shown = Callable[[Any], Any]
_ESCAPED = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_ESCAPED |= {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def render(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    max_width: int = 60,
    line_width: int = 200,
    shown: Mapping[str, Shown] | None = None,
) -> str:
    """`rows` as a text table: a header, a line per row, every column right-aligned to its widest
    cell, a cell wider than `max_width` cut with "..." (widths in terminal columns: a CJK
    character takes two); columns beyond `line_width` go on in a block below, each block led by
    the first column (the row's key), as pandas prints a wide frame; `shown` maps a column to
    what its value is shown as."""
    shown = shown or {}
    cells = [[_cell(shown.get(c, _same)(row.get(c)), max_width) for c in columns] for row in rows]
    widths = [max([display_width(c)] + [display_width(r[i]) for r in cells]) for i, c in enumerate(columns)]
    blocks = []
    for part in _blocks(widths, line_width):  # columns that fit the terminal, block after block
        header = _line([columns[i] for i in part], [widths[i] for i in part])
        body = [_line([r[i] for i in part], [widths[i] for i in part]) for r in cells]
        blocks.append("\n".join([header, *body]))
    return "\n\n".join(blocks)


def _blocks(widths: Sequence[int], line_width: int) -> list[list[int]]:
    """Column indexes per block; every block after the first starts with column 0."""
    blocks: list[list[int]] = [[]]
    used = 0
    for index, width in enumerate(widths):
        if len(blocks[-1]) > (len(blocks) > 1) and used + 1 + width > line_width:
            blocks.append([0])
            used = widths[0]
        used += width + (1 if blocks[-1] else 0)
        blocks[-1].append(index)
    return blocks


def _same(value: Any) -> Any:
    return value


def _cell(value: Any, max_width: int) -> str:
    text = _text(value).translate(_ESCAPED)
    if display_width(text) <= max_width:
        return text
    kept, used = [], 0
    for char in text:  # as many characters as fit, with room for "..."
        used += display_width(char)
        if used > max_width - 3:
            break
        kept.append(char)
    return "".join(kept) + "..."


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
