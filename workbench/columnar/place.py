"""Where a result goes: never over a user's files, atomically into place, nothing left behind."""

from __future__ import annotations

import errno
import glob
import os
import secrets
import shutil
from pathlib import Path

from workbench.columnar.failures import ResultWriteError
from workbench.columnar.folder import FORMAT, META, read_meta


def refuse_to_replace(final: Path) -> None:
    """A result is written only where nothing is, into an empty folder, or over an earlier result
    folder that holds nothing else (its tables, meta.json, CSV beside them): never over a user's
    file or folder (an --out given by mistake destroys nothing)."""
    if not (final.exists() or final.is_symlink()):
        return
    if final.is_symlink() or not final.is_dir():
        raise ResultWriteError("exists and is not a folder: a result is not written over it", path=str(final))
    entries = list(final.iterdir())
    meta = read_meta(final / META)
    if not (isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("engine")):
        if entries:
            raise ResultWriteError(
                "exists and is not a result folder (no meta.json of ours): choose an empty or new folder",
                path=str(final),
            )
        return
    others = sorted(p.name for p in entries if p.name != META and p.suffix not in (".parquet", ".csv"))
    if others:
        raise ResultWriteError(
            f"holds an earlier result and other files ({', '.join(others[:5])}): a result is not written"
            " over them; choose an empty or new folder",
            path=str(final),
        )


def remove_stale(final: Path) -> None:
    """Temporary and set-aside folders of `final` left by a process that no longer runs (killed
    mid-write): removed before a new result is written beside them."""
    for stale in final.parent.glob(f".{glob.escape(final.name)}.*-*-*"):
        kind, _, rest = stale.name[len(final.name) + 2 :].partition("-")
        pid = rest.partition("-")[0]
        if kind not in ("tmp", "old") or not pid.isdigit() or _alive(int(pid)):
            continue
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def rename_if_free(tmp: Path, final: Path) -> bool:
    """Rename `tmp` to `final` if nothing is there (atomic: fails if another process was first)."""
    if final.exists() or final.is_symlink():
        return False
    try:
        os.rename(tmp, final)  # onto nothing; onto a folder another process just made: ENOTEMPTY
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            return False
        raise
    return True


def fsync_tree(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_file():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_folder(tmp: Path, final: Path) -> None:
    """Rename `tmp` to `final`; an older folder there is moved aside first and then removed."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.parent / f".{final.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(final, old)
    os.rename(tmp, final)
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
