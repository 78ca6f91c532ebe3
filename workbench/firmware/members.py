"""One policy for archive members that are not ordinary files, folders or links, shared by every
extractor (tar, cpio, zip, 7z, the fallbacks), and the sentences of the warnings that say what
was done. A member's name is quoted as the archive gives it; the warning's path column names
the archive's image path and the member (`/pkg/a.zip!/../../x`).

- a name that climbs out of the archive's folder (`../../x`): skipped;
- an absolute name (`/abs/x`): written inside the archive's folder (`abs/x`), as tar does;
- a device node, FIFO or socket: never created; the file list shows it as an entry of its kind
  from the archive's own listing where there is one.
"""

from __future__ import annotations

import posixpath
import re
import stat

OUTSIDE = "skipped: it would be written outside the archive's folder"
REDIRECTED = "written inside it, under .unblob-lost+found, instead"
THE_REST = "the rest of the archive was extracted"
NEVER_CREATED = "not created: device nodes, FIFOs and sockets never are"
SPECIAL_WORDS = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}
_ERRNO = re.compile(r"\[Errno \d+\] ([^:']+)")


def quoted(name: str, limit: int = 200) -> str:
    """A member name as it may appear in a warning: quoted, shortened, without control characters."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return '"' + (clean if len(clean) <= limit else clean[:limit] + "...") + '"'


def climbs_out(name: str) -> bool:
    """Whether a member named so would be written outside the archive's folder."""
    normalised = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    return normalised in ("", ".", "..") or normalised.startswith("../")


def is_absolute(name: str) -> bool:
    return name.replace("\\", "/").startswith("/")


def outside(name: str) -> str:
    return f"{quoted(name)} {OUTSIDE} (its name climbs out with '..')"


def absolute(name: str) -> str:
    inside = posixpath.normpath(name.replace("\\", "/")).lstrip("/")
    return f"{quoted(name)} has an absolute name: written inside the archive's folder as {quoted(inside)}"


def special(name: str, mode: int, device: tuple[int, int] | None = None) -> str:
    """A device node, FIFO or socket member, recorded rather than created."""
    words = SPECIAL_WORDS.get(stat.S_IFMT(mode), "special file")
    if device is not None and stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK):
        words += f" {device[0]}:{device[1]}"
    return f"{words} {quoted(name)} {NEVER_CREATED} (the file list shows it from the archive's listing)"


def link_outside(name: str, target: str) -> str:
    return f"symbolic link {quoted(name)} to {quoted(target)} skipped: it points outside the archive's folder"


def is_special(mode: int) -> bool:
    return stat.S_IFMT(mode) in SPECIAL_WORDS


# unblob's own wordings (its tar extractor, its FileSystem) -> a sentence, or None: not a problem
_REWORDED = {
    "Traversal attempt.": lambda n: outside(n),
    "Absolute path.": lambda n: absolute(n),
    "Absolute path as link target.": lambda n: None,  # the file list keeps the target as written
    "Traversal attempt through link path.": lambda n: (
        f"symbolic or hard link {quoted(n)} skipped: it points outside the archive's folder"
    ),
    "Duplicate tar entry.": lambda n: (
        f"{quoted(n)} appears more than once in the archive: the last copy is kept"
    ),
    "File with empty filename in tar archive.": lambda n: "a member without a name skipped",
    "File with filename too long in tar archive.": lambda n: (
        f"{quoted(n, 80)} skipped: its name is longer than 255 characters"
    ),
    "Root privileges are required to create block and char devices.": lambda n: (
        f"device node {quoted(n)} {NEVER_CREATED}"
    ),
    "Missing elevated permissions for block and character device creation.": lambda n: (
        f"device node {quoted(n)} {NEVER_CREATED}"
    ),
    "Hard link target does not exist.": lambda n: (
        f"hard link {quoted(n)} skipped: what it links to was not extracted"
    ),
}


def sentence(path: str | None, problem: str, resolution: str) -> str | None:
    """What an extractor reported about one member, as a sentence an inspector can read; None
    for a report that is no problem."""
    name = path or ""
    if problem in _REWORDED:
        return _REWORDED[problem](name)
    if problem.startswith("Potential path traversal through"):
        if resolution == "Redirected.":
            return f"{quoted(name)} would be written outside the archive's folder: {REDIRECTED}"
        return f"link {quoted(name)} skipped: it points outside the archive's folder"
    if resolution == "Ignored.":
        error = _ERRNO.search(problem)
        reason = error.group(1).strip().lower() if error else problem.strip().rstrip(".")
        what = f"{quoted(name)} " if name else ""
        return f"{what}skipped: the extractor could not write it ({reason}); {THE_REST}"
    return f"{problem} {resolution}".strip()
