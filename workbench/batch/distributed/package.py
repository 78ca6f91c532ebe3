"""A *case package*: what a worker needs to rebuild a case in a private folder of its own.

The client makes it (`package_of`): the case's small records (case.yaml, declaration, verdicts,
artefact registry: `workbench.batch.seal.case_records`), each artefact's SHA-256, and a lab
catalogue given by path shipped as a folder. The worker rebuilds it (`unpacked`): the records
written, the artefacts hard-linked from its content store, the analysis caches unpacked; the folder
is removed afterwards. Workers never see the case folder itself.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from workbench.batch.distributed import store
from workbench.batch.distributed.tarball import pack, pack_files, unpack
from workbench.errors import CaseError
from workbench.fsutil import sha256_file

CATALOG_FOLDER = "catalog"


@dataclass(frozen=True)
class CasePackage:
    name: str  # the case folder's name
    records: dict[str, bytes]  # path relative to the case -> content
    artefacts: dict[str, str]  # artefact name -> SHA-256 of its file now
    catalog: str | None  # the catalogue as the notebooks are given it (a name inside catalog_digest's tree)
    catalog_digest: str | None = None  # a lab catalogue given by path, shipped as a folder


@dataclass(frozen=True)
class Unpacked:
    case_dir: Path
    catalog: str | None  # the catalogue source to load on this worker
    folder: Path  # the task's private folder (the case is inside it)


def package_of(
    case: Any, catalog_source: str | None, catalog_path: Path | None
) -> tuple[CasePackage, bytes | None]:
    """The package of `case` and, for a lab catalogue at `catalog_path`, the folder to ship (tar)."""
    from workbench.batch.seal import case_records

    records = {rel: path.read_bytes() for path, rel, _ in case_records(case)}
    artefacts = {a.name: sha256_file(a.path) for a in case.artefacts()}
    if catalog_path is None:
        return CasePackage(case.path.name, records, artefacts, catalog_source), None
    if catalog_path.is_dir():
        shipped, name = pack(catalog_path, CATALOG_FOLDER), CATALOG_FOLDER
    else:
        shipped, name = pack_files({catalog_path.name: catalog_path.read_bytes()}), catalog_path.name
    return CasePackage(case.path.name, records, artefacts, name, store.sha256_of(shipped)), shipped


@contextmanager
def unpacked(
    package: CasePackage, blobs: dict[str, bytes], caches: list[bytes], trees: dict[str, bytes]
) -> Iterator[Unpacked]:
    """The package rebuilt in a private folder (with the artefacts whose bytes are in `blobs`)."""
    folder = store.scratch("case-")
    try:
        case_dir = folder / _safe_part(package.name)
        for sub in ("artefacts", "verdicts", "cache"):
            (case_dir / sub).mkdir(parents=True)
        for rel, data in package.records.items():
            target = case_dir / _safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name, sha256 in package.artefacts.items():
            if sha256 in blobs:
                _link(store.stored(sha256, blobs[sha256]), case_dir / "artefacts" / _safe_part(name))
        for cache in caches:
            unpack(cache, case_dir / "cache")
        catalog = package.catalog
        if package.catalog_digest is not None:
            shipped = store.tree(package.catalog_digest, trees[package.catalog_digest])
            catalog = str(shipped / _safe_part(package.catalog or ""))
        yield Unpacked(case_dir, catalog, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system: a copy, read-only as the case keeps it
        shutil.copyfile(source, target)
        target.chmod(0o444)


def _safe_part(name: str) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise CaseError(f"refusing a case package entry named {name!r}")
    return name


def _safe_relative(rel: str) -> Path:
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute():
        raise CaseError(f"refusing a case package record at {rel!r}")
    return Path(*(_safe_part(p) for p in parts))
