"""Owner and mode of each sensitive path on the unit and of what lies under it (SEC-03's sensitive_paths).

A path is data, never shell code: it enters the command only through shlex.quote. `find` walks the path
without following links (so a link never makes it loop); each entry is described by what it points to
(`stat -L`, or `ls -ldnL` on a unit without `stat`), a link also by its target (`readlink -f`). A link to a
folder outside what was listed is then listed the same way, its entries named through the link, until
`most` entries: the listing stays bounded whatever the links do. A link that cannot be resolved (dangling,
a loop) is a row of type `link` with the error.
"""

from __future__ import annotations

import re
import shlex
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.probe.shell import Ran

PATH_CHARS = 1000
MAX_FOLLOWED = 16  # folders reached through links listed per sensitive path
_STAT_LINE = re.compile(r"^([0-9a-fA-F]{1,8}) (\d+) (\d+)$")
_LS_LINE = re.compile(r"^([-a-zA-Z])([-rwxsStT]{9})[.+@]?\s+\d+\s+(\d+)\s+(\d+)\s")
MISSING, MORE, INCOMPLETE = "#missing", "#more", "#incomplete"


def _quoted(path: str) -> str:
    return shlex.quote("./" + path if path.startswith("-") else path)


def listing_command(path: str, most: int) -> str:
    """`#root` and the path resolved, then per entry at and under it (at most `most`, then MORE): `#path`,
    `#link` and its target for a link, the `stat -L` line (or `ls -ldnL`'s), or `#unreadable`; INCOMPLETE
    when find could not read everything; MISSING when there is no such path."""
    p = _quoted(path)
    describe = (
        "if command -v stat >/dev/null 2>&1; then d() { stat -L -c '%f %u %g' \"$1\"; };"
        ' else d() { ls -ldnL "$1"; }; fi; '
    )
    each = (
        'n=0; while IFS= read -r f; do if [ "$f" = "#find-failed" ]; then echo "#incomplete"; continue; fi;'
        f' n=$((n+1)); if [ $n -gt {int(most)} ]; then echo "#more"; break; fi; printf \'#path %s\\n\' "$f";'
        ' if [ -L "$f" ]; then printf \'#link %s\\n\' "$(readlink -f "$f" 2>/dev/null)"; fi;'
        ' d "$f" 2>/dev/null || echo "#unreadable"; done'
    )
    return (
        f"if [ -e {p} ] || [ -L {p} ]; then {describe}"
        f"printf '#root %s\\n' \"$(readlink -f {p} 2>/dev/null)\"; "
        f"{{ find {p} 2>/dev/null || echo '#find-failed'; }} | {{ {each}; }}; else echo '{MISSING}'; fi"
    )


@dataclass
class Entry:
    path: str
    mode: int | None = None  # raw st_mode of what it points to; None when unreadable
    uid: int | None = None
    gid: int | None = None
    link: bool = False
    target: str = ""  # for a link, its resolved path ("" when it cannot be resolved)


@dataclass
class Listing:
    """One `listing_command`'s answer: None entries when the path is missing."""

    root: str = ""
    entries: list[Entry] | None = field(default_factory=list)
    more: bool = False  # cut at `most` entries
    incomplete: bool = False  # find could not read part of it (not root?)


def parse_listing(text: str) -> Listing:
    if text.strip() == MISSING:
        return Listing(entries=None)
    listing = Listing()
    entries: list[Entry] = []
    for line in text.splitlines():
        if line.startswith("#path "):
            entries.append(Entry(line[6:]))
        elif line.startswith("#root "):
            listing.root = line[6:]
        elif line == MORE:
            listing.more = True
        elif line == INCOMPLETE:
            listing.incomplete = True
        elif entries and line.startswith("#link "):
            entries[-1].link, entries[-1].target = True, line[6:]
        elif entries and entries[-1].mode is None:
            _describe(entries[-1], line)
    listing.entries = entries
    return listing


def _describe(entry: Entry, line: str) -> None:
    if found := _STAT_LINE.match(line):
        entry.mode, entry.uid, entry.gid = int(found[1], 16), int(found[2]), int(found[3])
    elif found := _LS_LINE.match(line):
        entry.mode, entry.uid, entry.gid = _mode_of(found[1], found[2]), int(found[3]), int(found[4])


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


@dataclass
class PathListing:
    """All that was listed for one sensitive path, through its links."""

    entries: list[Entry] | None  # None: the path is missing
    cut: bool = False  # stopped at `most` entries (or too many linked folders)
    incomplete: bool = False
    ran: list[Ran] = field(default_factory=list)  # the commands, for their rows' errors


def list_path(run: Callable[[str], Ran], path: str, most: int) -> PathListing:
    """List `path` and, through links to folders outside what was listed, what they lead to: at most `most`
    entries, and MAX_FOLLOWED such folders."""
    first = run(listing_command(path, most))
    done = PathListing(None, ran=[first])
    if first.error:
        return done
    listing = parse_listing(first.text)
    if listing.entries is None:
        return done
    done.entries, done.cut, done.incomplete = listing.entries, listing.more, listing.incomplete
    walked = listing.root and listing.entries and not listing.entries[0].link  # find does not enter a link
    roots = [listing.root] if walked else []
    queue = list(listing.entries)
    while queue and not done.cut:
        entry = queue.pop(0)
        target = entry.target
        if not (entry.link and entry.mode is not None and stat.S_ISDIR(entry.mode) and target):
            continue
        if any(target == r or target.startswith(r.rstrip("/") + "/") for r in roots):
            continue  # listed already (a link back into the tree, a loop)
        room = most - len(done.entries)
        if room <= 0 or len(roots) > MAX_FOLLOWED:
            done.cut = True
            break
        ran = run(listing_command(target, room + 1))  # + the target itself
        done.ran.append(ran)
        more = parse_listing(ran.text) if not ran.error else Listing(entries=None)
        roots.append(target)
        if more.entries is None:
            done.incomplete = True
            continue
        found = [_through(e, target, entry.path) for e in more.entries[1:]]  # [0] is the target itself
        done.entries += found
        queue += found
        done.cut |= more.more
        done.incomplete |= more.incomplete
    return done


def _through(entry: Entry, target: str, link: str) -> Entry:
    """An entry found under a link's target, named through the link (where the unit's software finds it)."""
    if entry.path.startswith(target):
        entry.path = link + entry.path[len(target) :]
    return entry


def file_rows(
    path: str, entries: list[Entry] | None, most: int, users: dict[int, str], groups: dict[int, str]
) -> list[dict[str, Any]]:
    """Rows for one sensitive path: one with exists false when missing, else at most `most` entries."""
    if entries is None:
        return [_row(path, False)]
    rows = []
    for entry in entries[:most]:
        row = _row(entry.path, True)
        if entry.link:
            row["target"] = _shown(entry.target) if entry.target else None
            if not entry.target:
                row["error"] = "a link whose target's path could not be read"
        if entry.mode is None:
            row.update(type="link" if entry.link else None, error=_unreadable(entry))
        else:
            row.update(
                type=_kind(entry.mode), mode=f"{stat.S_IMODE(entry.mode):04o}", uid=entry.uid, gid=entry.gid,
                owner=users.get(entry.uid), group=groups.get(entry.gid),
            )  # fmt: skip
        rows.append(row)
    return rows


def _unreadable(entry: Entry) -> str:
    if not entry.link:
        return "its owner and mode could not be read"
    if entry.target:
        return f"the link's target {_shown(entry.target)} cannot be read (missing?)"
    return "the link cannot be resolved (it points to nothing that exists, or loops)"


def _row(path: str, exists: bool) -> dict[str, Any]:
    return {
        "test": "device_session", "path": _shown(path), "exists": exists, "type": None,
        "mode": None, "uid": None, "gid": None, "owner": None, "group": None, "target": None, "error": None,
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
