"""Real firmware images for the tests (tests/firmware and tests/checks/firmware): a root filesystem
tree written file by file, packed by mksquashfs with fixed timestamps, optionally behind a real
U-Boot uImage kernel header."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import textwrap
from pathlib import Path

import pytest

from workbench.firmware.uimage import build_header

SQUASHFS_ALIGN = 0x10000


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed (scripts/install-system-deps.sh installs it)")
    return path


def write(root: Path, path: str, content: str | bytes, mode: int = 0o644) -> Path:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = textwrap.dedent(content).lstrip("\n").encode()
    target.write_bytes(content)
    target.chmod(mode)
    return target


def link(root: Path, path: str, target: str) -> None:
    where = root / path.lstrip("/")
    where.parent.mkdir(parents=True, exist_ok=True)
    where.symlink_to(target)


def tar_gz(root: Path, path: str, members: dict[str, str], links: dict[str, str] | None = None) -> None:
    """A .tar.gz inside the tree; `links` are symbolic link members (name -> target)."""
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1514764800
            archive.addfile(info, io.BytesIO(data))
        for name, to in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = tarfile.SYMTYPE, to, 1514764800
            archive.addfile(info)


def mksquashfs(root: Path, image: Path) -> Path:
    subprocess.run(
        [require("mksquashfs"), str(root), str(image), "-noappend", "-all-root", "-no-progress", "-quiet",
         "-mkfs-time", "0", "-all-time", "0"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return image


def with_kernel(squashfs: Path, image: Path, kernel: bytes) -> Path:
    """uImage kernel at offset 0, padding, the squashfs at the next 64 KiB boundary."""
    header = build_header(kernel, name="Test kernel", arch=3)
    head = header + kernel
    head += b"\xff" * (-len(head) % SQUASHFS_ALIGN)
    image.write_bytes(head + squashfs.read_bytes())
    return image
