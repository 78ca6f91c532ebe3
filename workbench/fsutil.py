"""Hashing, atomic writes and reading errors: the primitives evidence handling rests on."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

CHUNK = 1 << 20


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Remove a folder however deep, ignoring what cannot be removed. shutil.rmtree recurses once
    per level: a hostile image's tree of thousands of nested folders exceeds Python's recursion
    limit, and the folder (an extracted image) would stay behind."""
    try:
        shutil.rmtree(path, ignore_errors=True)
    except RecursionError:
        subprocess.run(["rm", "-rf", "--one-file-system", "--", os.fspath(path)], check=False)


def sha256_file(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, exclusive: bool = False) -> None:
    """Write data so that readers see the old file or the whole new one, never a part.

    With exclusive=True the write fails (FileExistsError) if the target already exists.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, target)  # fails if target exists; never replaces
            os.unlink(tmp)
        else:
            os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write_text(path: str | os.PathLike[str], text: str, *, exclusive: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), exclusive=exclusive)


def atomic_write_json(path: str | os.PathLike[str], data: Any, *, exclusive: bool = False) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    atomic_write_text(path, text, exclusive=exclusive)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def reading(
    label: str, error: type[WorkbenchError], folder: str = "is a folder, not a file"
) -> Iterator[None]:
    """Turn the OS's reasons a file cannot be read into one-line `error`s naming `label`."""
    try:
        yield
    except FileNotFoundError:
        raise error("no such file", path=label) from None
    except IsADirectoryError:
        raise error(folder, path=label) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror or exc}", path=label) from None
