"""Seal a bundle folder: its zip, with members in sorted order and fixed timestamps."""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

from workbench.batch.manifest import bundle_files


def write_zip(bundle_dir: Path, zip_path: Path, *, comment: bytes, when: datetime) -> None:
    """Zip every file of `bundle_dir` under `<bundle name>/`, deterministically, atomically."""
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    tmp = zip_path.with_name(f".{zip_path.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for rel in bundle_files(bundle_dir):
            info = zipfile.ZipInfo(f"{bundle_dir.name}/{rel}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # Unix, so the mode bits mean what they say
            with (bundle_dir / rel).open("rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        archive.comment = comment
    os.replace(tmp, zip_path)
