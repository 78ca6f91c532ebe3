"""A Dask worker's own folder: the content store of artefacts (`store/<sha256>`, verified on
arrival), shipped folders by digest (`trees/<digest>/`) and private scratch folders for tasks.

`$WORKBENCH_WORKER_DIR` names the folder (kept between runs, may be shared by the workers of one
machine: every write is a rename into place); without it, a temporary folder per worker process,
removed when the process ends.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import uuid
from functools import lru_cache
from pathlib import Path

from workbench.batch.distributed.tarball import unpack
from workbench.errors import EvidenceError

WORKER_DIR_ENV = "WORKBENCH_WORKER_DIR"
_verified: set[str] = set()  # store files this process has hashed


@lru_cache(maxsize=1)
def worker_root() -> Path:
    given = os.environ.get(WORKER_DIR_ENV)
    if given:
        root = Path(given).expanduser().absolute()
        root.mkdir(parents=True, exist_ok=True)
        return root
    root = Path(tempfile.mkdtemp(prefix="wb-dask-worker-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(sha256: str, data: bytes) -> Path:
    """The store's file of `sha256`, written from `data` (which must hash to it) when not there."""
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise EvidenceError(f"not a SHA-256: {sha256!r}")
    path = worker_root() / "store" / sha256
    if sha256 in _verified and path.is_file():
        return path
    if sha256_of(data) != sha256:
        raise EvidenceError("the bytes received do not have the SHA-256 they were sent as", artefact=sha256)
    if not (path.is_file() and sha256_of(path.read_bytes()) == sha256):
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{sha256}.{uuid.uuid4().hex}")
        temp.write_bytes(data)
        temp.chmod(0o444)
        os.replace(temp, path)
    _verified.add(sha256)
    return path


def tree(digest: str, data: bytes) -> Path:
    """The folder shipped as the tar `data` (named by its digest), unpacked once per worker folder."""
    if sha256_of(data) != digest:
        raise EvidenceError("a shipped folder does not have the digest it was sent as")
    path = worker_root() / "trees" / digest
    if not path.is_dir():
        temp = path.with_name(f".{digest}.{uuid.uuid4().hex}")
        unpack(data, temp)
        try:
            temp.rename(path)
        except OSError:  # another worker of this machine unpacked it first
            shutil.rmtree(temp, ignore_errors=True)
    return path


def scratch(prefix: str) -> Path:
    """A new private folder for one task (the caller removes it)."""
    folder = worker_root() / "runs"
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
