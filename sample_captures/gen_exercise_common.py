"""What the exercise-device generators share (gen_exercise_home.py, gen_exercise_practice.py): a DNS
lookup from the device, OpenSSL's libssl, an image built from a root filesystem in a scratch folder, and
the command line that writes every file and prints its size and SHA-256."""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import gen_capture as gc
import gen_firmware as gf


def resolve(cap: gc.Capture, device: str, name: str, address: str, port: int) -> list[int]:
    """The device asks the gateway for `name`, which answers `address`; the two packets' numbers."""
    ident = cap.rng.getrandbits(16)
    return [
        cap.udp(device, port, gc.GATEWAY, 53, gc.dns_query(ident, name)),
        cap.udp(gc.GATEWAY, 53, device, port, gc.dns_answer(ident, name, address)),
    ]


def compile_libssl(root: Path, banner: str) -> None:
    """/usr/lib/libssl.so.1.0.0 carrying OpenSSL's version `banner` (what the scanners identify)."""
    gf.compile_c(
        root / "usr/lib/libssl.so.1.0.0",
        gf.LIBRARY % banner,
        ["-O2", "-Wl,-soname,libssl.so.1.0.0"],
        shared=True,
    )


def write_image(
    out: Path, fill_rootfs: Callable[[Path], None], assemble: Callable[[Path, Path], None]
) -> Path:
    """`fill_rootfs` fills an empty root filesystem, `assemble(rootfs, out)` makes the image of it."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "rootfs"
        root.mkdir()
        fill_rootfs(root)
        assemble(root, out)
        shutil.rmtree(root)
    return out


def main(generate: Callable[[Path], list[Path]], default_outdir: Path) -> None:
    """`python gen_….py [OUTDIR]`: generate, then print each file's size and SHA-256."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default_outdir
    for path in generate(target):
        print(f"{path}  {path.stat().st_size} bytes  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
