"""Owner and mode of each sensitive path on the unit and of what lies under it (SEC-03's sensitive_paths).

A path is data, never shell code: it enters the command only through shlex.quote. The unit prints one
`stat -c` line per entry (raw mode in hex, uid, gid, name); without `stat`, `ls -ldn` does.
"""

from __future__ import annotations

import re
import shlex
import stat
from typing import Any

PATH_CHARS = 1000
_STAT_LINE = re.compile(r"^([0-9a-fA-F]{1,8}) (\d+) (\d+) (.+)$")
_LS_LINE = re.compile(r"^([-a-zA-Z])([-rwxsStT]{9})[.+@]?\s+\d+\s+(\d+)\s+(\d+)\s")
MISSING = "#missing"


def _quoted(path: str) -> str:
    return shlex.quote("./" + path if path.startswith("-") else path)


def _first(most: int) -> str:
    """The first `most` + 1 lines (to tell a longer listing); all of them on a unit without `head`."""
    return f"{{ if command -v head >/dev/null 2>&1; then head -n {int(most) + 1}; else cat; fi; }}"


def stat_command(path: str, most: int) -> str:
    """Each entry at and under `path`, or MISSING."""
    p = _quoted(path)
    return (
        f"if [ -e {p} ] || [ -L {p} ]; then find {p} -exec stat -c '%f %u %g %n' {{}} + 2>/dev/null"
        f" | {_first(most)}; else echo '{MISSING}'; fi"
    )


def ls_command(path: str, most: int) -> str:
    """The same without `stat`: each name on a `#path` line, then `ls -ldn` of it."""
    return (
        f"find {_quoted(path)} 2>/dev/null | {_first(most)} | "
        'while IFS= read -r f; do printf \'#path %s\\n\' "$f"; ls -ldn "$f"; done'
    )


def parse_stat(text: str) -> list[tuple[str, int, int, int]] | None:
    """(path, raw mode, uid, gid) per line; None when the unit said the path is missing."""
    if text.strip() == MISSING:
        return None
    entries = []
    for line in text.splitlines():
        if found := _STAT_LINE.match(line):
            entries.append((found[4], int(found[1], 16), int(found[2]), int(found[3])))
    return entries


def parse_ls(text: str) -> list[tuple[str, int, int, int]]:
    entries, path = [], None
    for line in text.splitlines():
        if line.startswith("#path "):
            path = line[6:]
        elif path is not None and (found := _LS_LINE.match(line)):
            entries.append((path, _mode_of(found[1], found[2]), int(found[3]), int(found[4])))
            path = None
    return entries


def _mode_of(kind: str, perms: str) -> int:
    types = {"d": stat.S_IFDIR, "l": stat.S_IFLNK, "-": stat.S_IFREG}
    mode = types.get(kind, stat.S_IFIFO)
    for i, char in enumerate(perms):
        if char not in "-ST":
            mode |= 1 << (8 - i)
    special = {2: stat.S_ISUID, 5: stat.S_ISGID, 8: stat.S_ISVTX}
    for i, bit in special.items():
        if perms[i] in "sStT":
            mode |= bit
    return mode


def file_rows(
    path: str,
    entries: list[tuple[str, int, int, int]] | None,
    most: int,
    users: dict[int, str],
    groups: dict[int, str],
) -> list[dict[str, Any]]:
    """Rows for one sensitive path: one with exists false when missing, else at most `most` entries."""
    if entries is None:
        return [_row(path, False)]
    rows = []
    for name, mode, uid, gid in entries[:most]:
        row = _row(name, True)
        row.update(
            type=_kind(mode), mode=f"{stat.S_IMODE(mode):04o}", uid=uid, gid=gid,
            owner=users.get(uid), group=groups.get(gid),
        )  # fmt: skip
        rows.append(row)
    return rows


def _row(path: str, exists: bool) -> dict[str, Any]:
    return {
        "test": "device_session", "path": _shown(path), "exists": exists, "type": None,
        "mode": None, "uid": None, "gid": None, "owner": None, "group": None,
    }  # fmt: skip


def _shown(path: str) -> str:
    """The path as the unit named it, control characters as `?` (spaces kept as they are), clipped."""
    shown = "".join(c if c.isprintable() else "?" for c in path[:PATH_CHARS])
    return shown if len(path) <= PATH_CHARS else shown[: PATH_CHARS - 1] + "…"


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"
