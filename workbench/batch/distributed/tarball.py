"""Folders as tar bytes for the trip between the client and a Dask worker, unpacked safely.

What comes back from a worker is treated as hostile: tarfile's `data` filter refuses absolute
names, names outside the destination, links that leave it and device files; a refused member is
left out (as the firmware engine leaves out a link that escapes its image), the rest unpacked.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path


def pack(folder: Path, arcname: str) -> bytes:
    """`folder` and everything under it, as an uncompressed tar whose top entry is `arcname`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        archive.add(str(folder), arcname=arcname, recursive=True)
    return buffer.getvalue()


def pack_files(files: dict[str, bytes]) -> bytes:
    """A tar of the given (relative name -> content) files."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def unpack(data: bytes, dest: Path) -> list[str]:
    """Unpack `data` into `dest`; the names of the members refused (left out)."""
    refused: list[str] = []

    def keep_safe(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        try:
            return tarfile.data_filter(member, path)
        except tarfile.FilterError:
            refused.append(member.name)
            return None

    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        archive.extractall(str(dest), filter=keep_safe)
    return refused
