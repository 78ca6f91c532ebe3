"""A firmware diff on the terminal: the images, the notes, a count per kind, then a table per
kind with changes (a `what` column: `field old -> new` for a change, the main facts of a row
added or removed), at most `limit` rows each."""

from __future__ import annotations

from typing import Any

from workbench.firmware.diff import FirmwareDiff
from workbench.firmware.diff_kinds import CHANGES, KINDS

# what an added or removed row shows of itself, per kind
BRIEF: dict[str, tuple[str, ...]] = {
    "files": ("type", "sha256", "mode", "link_target"),
    "accounts": ("hash_scheme", "password_hash", "shell", "line"),
    "keys": ("key_type", "key_bits", "subject", "fingerprint", "offset"),
    "secrets": ("value", "line", "offset"),
    "services": ("kind", "source", "line", "command", "enabled"),
    "components": ("version", "path"),
    "vulnerabilities": ("version", "severity", "fixed_in", "path"),
    "binaries": ("nx", "pie", "relro", "canary", "fortify"),
}
WIDTH = 110  # of the `what` column


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    text = str(value)
    if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
        return text[:12] + "…"  # a SHA-256: its first digits say which
    return text if len(text) <= 60 else text[:57] + "…"


def _what(kind: str, row: dict[str, Any]) -> str:
    if row["change"] == "changed":
        parts = [f"{f} {_short(row[f'old_{f}'])} -> {_short(row[f'new_{f}'])}" for f in row["fields"]]
    else:
        side = "new_" if row["change"] == "added" else "old_"
        parts = [f"{c} {_short(row[side + c])}" for c in BRIEF[kind] if row.get(side + c) is not None]
    text = "; ".join(parts)
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def image_line(label: str, image: dict[str, Any]) -> str:
    state = image.get("extraction")
    state = state if image.get("unpacked", True) else f"{state}, nothing unpacked"
    facts = f"sha256 {image.get('sha256')}  {image.get('size')} bytes"
    return f"{label}: {image.get('name')}  {facts}  extraction: {state}"


def render(diff: FirmwareDiff, kinds: list[str], *, limit: int = 200) -> str:
    lines = [image_line("old", diff.old_image), image_line("new", diff.new_image)]
    lines += [f"note: {note}" for note in diff.notes]
    counts = diff.summary()
    lines.append("")
    lines.append(f"{'kind':16} {'added':>7} {'removed':>7} {'changed':>7}")
    for kind in kinds:
        lines.append(f"{kind:16} " + " ".join(f"{counts[kind][c]:>7}" for c in CHANGES))
    if no_change(diff):
        lines += ["", "no differences: every row of these kinds is the same in both images"]
    for kind in kinds:
        table = diff.tables[kind]
        if table.empty:
            continue
        said = ", ".join(f"{counts[kind][c]} {c}" for c in CHANGES if counts[kind][c])
        lines += ["", f"== {kind} ({said}): {KINDS[kind].doc}"]
        shown = table.head(limit)
        columns = ["change", *KINDS[kind].identity]
        cells = [[_cell(row[c]) for c in columns] + [_what(kind, row)] for row in shown.to_dict("records")]
        lines += _aligned([*columns, "what"], cells)
        if len(table) > limit:
            lines.append(f"... and {len(table) - limit} more rows (all of them with --out or --json)")
    return "\n".join(lines)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)  # an identity (a path) in full: it is the evidence


def _aligned(header: list[str], cells: list[list[str]]) -> list[str]:
    """Left-aligned columns, each as wide as its widest cell (the last one not padded)."""
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header) - 1)]
    return [
        "  ".join([*(text.ljust(width) for text, width in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *cells]
    ]


def no_change(diff: FirmwareDiff) -> bool:
    return all(table.empty for table in diff.tables.values())
