"""Standard squashfs v4 through Debian's `unsquashfs` (unblob wants `sasquatch`, not packaged).

Device nodes, FIFOs and sockets are listed as evidence but never created: they are passed
to unsquashfs as exclusions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.firmware import metadata

SASQUATCH = "sasquatch"


@dataclass
class SquashfsOutcome:
    ok: bool
    entries: dict[str, metadata.Entry]
    notes: list[str] = field(default_factory=list)
    command: str = ""
    stderr: bytes = b""
    exit_code: int = 0


def exclusions(paths: list[str]) -> bytes:
    """An `-exclude-file` naming exactly these paths (with -no-wildcards). unsquashfs skips a
    line's leading blanks, takes a line starting with "#" for a comment, and then drops one
    leading backslash: each line starts with one, so that a name starting with a blank, a "#"
    or a backslash is the name itself, not another path (a FIFO named " etc" once excluded the
    folder etc). The names' own bytes (a name that is no UTF-8 is no error)."""
    return b"".join(b"\\" + os.fsencode(path) + b"\n" for path in paths)


def extract(
    inpath: Path,
    outdir: Path,
    exclude_file: Path,
    on_listing: Callable[[dict[str, metadata.Entry]], None] | None = None,
) -> SquashfsOutcome:
    """The listing is parsed before unsquashfs starts only when it may hold special files (they
    are excluded); else while unsquashfs extracts. `on_listing(entries)`, if given, is called
    while unsquashfs extracts (the caller's work on the listing beside it: its sidecar)."""
    listing = metadata.squashfs_listing(inpath)
    entries: dict[str, metadata.Entry] | None = None
    twice: list[str] = []
    special: list[str] = []
    if metadata.may_list_special(listing):
        entries, twice = metadata.listing_entries(listing)
        special = sorted(p for p, e in entries.items() if e.kind in metadata.SPECIAL_KINDS)
    notes: list[str] = []
    cmd = ["unsquashfs", "-no-xattrs", "-no-progress", "-f", "-d", str(outdir)]
    if special:
        exclude_file.parent.mkdir(parents=True, exist_ok=True)
        exclude_file.write_bytes(exclusions(special))
        cmd += ["-no-wildcards", "-exclude-file", str(exclude_file)]
        notes.append(f"{len(special)} device nodes/FIFOs/sockets listed, not created")
    cmd.append(str(inpath))
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as run:
        try:
            if entries is None:  # nothing to exclude: parsed while it extracts
                entries, twice = metadata.listing_entries(listing)
            if on_listing is not None:
                on_listing(entries)
            _, stderr = run.communicate()
        except BaseException:
            run.kill()
            raise
    if twice:  # a hostile name (a line break, " -> " in a link's) forged the line of another path
        notes.append(f"{len(twice)} paths claimed by two lines of unsquashfs's listing (a name holding a "
                     "line break or ' -> '?): their owners and modes are not known")  # fmt: skip
    proc = subprocess.CompletedProcess(cmd, run.returncode, b"", stderr)
    have_sasquatch = shutil.which(SASQUATCH) is not None
    if proc.returncode == 0:
        notes.append(
            "extracted with unsquashfs" + ("" if have_sasquatch else " (fallback: sasquatch not installed)")
        )
        return SquashfsOutcome(True, entries, notes)
    outcome = SquashfsOutcome(False, entries, notes, " ".join(cmd), proc.stderr[-4000:], proc.returncode)
    if have_sasquatch:
        retry = subprocess.run(
            [SASQUATCH, "-no-exit-code", "-f", "-d", str(outdir), str(inpath)],
            capture_output=True,
            check=False,
        )
        if retry.returncode == 0:
            outcome.ok = True
            notes.append("unsquashfs failed; extracted with sasquatch")
    else:
        notes.append("unsquashfs failed and sasquatch (vendor squashfs variants) is not installed")
    return outcome
