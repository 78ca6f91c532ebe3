"""Single compressed streams (gzip, bzip2, xz, lzma; zstd and lz4 through their tools' standard
output) expanded with a running count, stopped the moment they grow past the size limit or
expand too many times their compressed size (a decompression bomb: 2 GiB of zeros fit in 2 MB
of gzip). 7z, which unblob uses for most of them, expands zeros at about 16 MB/s and cannot be
stopped before it has written everything. No unblob here: the fallback extractor uses it too.
"""

from __future__ import annotations

import bz2
import contextlib
import lzma
import shutil
import subprocess
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

IN_BLOCK = 1 << 18
OUT_BLOCK = 1 << 20
# kind -> (new decompressor, magic of a following stream in the same chunk, zlib's interface)
PYTHON: dict[str, tuple[Callable[[], Any], bytes, bool]] = {
    "gzip": (lambda: zlib.decompressobj(31), b"\x1f\x8b", True),
    "bzip2": (bz2.BZ2Decompressor, b"BZh", False),
    "xz": (lambda: lzma.LZMADecompressor(lzma.FORMAT_XZ), b"\xfd7zXZ\x00", False),
    "lzma": (lambda: lzma.LZMADecompressor(lzma.FORMAT_ALONE), b"\x00\x00never", False),
}
TOOLS = {"zstd": ["zstd", "-d", "-c", "-q"], "lz4": ["lz4", "-d", "-c", "-q"]}
CORRUPT = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError)


@dataclass(frozen=True)
class StreamBounds:
    max_size: int  # bytes one stream may expand to
    max_ratio: int  # expanded / compressed bytes beyond which it is a bomb...
    ratio_from: int  # ...once it has expanded this much


class StreamStopped(Exception):
    """The stream was stopped by a bound; nothing of it is kept. str(): why, in a sentence."""


def kinds() -> set[str]:
    return set(PYTHON) | {kind for kind, cmd in TOOLS.items() if shutil.which(cmd[0])}


def expand(inpath: Path, kind: str, target: Path, bounds: StreamBounds) -> int:
    """Expand the compressed stream(s) of `inpath` into `target`; the bytes written. Raises
    StreamStopped (target removed) at a bound, and a CORRUPT error for a damaged stream after
    writing what came before the damage."""
    size = inpath.stat().st_size
    written = 0
    try:
        with open(target, "wb") as out, _blocks(inpath, kind) as blocks:
            for block, consumed in blocks:
                written += len(block)
                _check(written, consumed if consumed is not None else size, bounds)
                out.write(block)
    except StreamStopped:
        target.unlink(missing_ok=True)
        raise
    return written


def _check(written: int, consumed: int, bounds: StreamBounds) -> None:
    if written > bounds.max_size:
        raise StreamStopped(
            f"not extracted: it expands to more than the size limit of {bounds.max_size} bytes "
            "(decompression bomb?); expansion stopped there"
        )
    if written >= bounds.ratio_from and written > bounds.max_ratio * max(consumed, 1):
        raise StreamStopped(
            f"not extracted: a decompression bomb: {consumed} compressed bytes had already expanded to "
            f"{written} (more than {bounds.max_ratio} times); expansion stopped there"
        )


@contextlib.contextmanager
def _blocks(inpath: Path, kind: str) -> Iterator[Iterator[tuple[bytes, int | None]]]:
    """(expanded block, compressed bytes consumed so far, or None when unknown)."""
    if kind in PYTHON:
        with open(inpath, "rb") as handle:
            yield _python_blocks(handle, *PYTHON[kind])
        return
    proc = subprocess.Popen(
        [*TOOLS[kind], str(inpath)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield ((block, None) for block in iter(lambda: proc.stdout.read(OUT_BLOCK), b""))  # type: ignore[union-attr]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()  # type: ignore[union-attr]
    if proc.returncode not in (0, -9):
        raise OSError(f"{kind} ended with exit status {proc.returncode}")


def _python_blocks(
    handle: BinaryIO, new: Callable[[], Any], magic: bytes, zlib_style: bool
) -> Iterator[tuple[bytes, int]]:
    decompressor, pending, read_total = new(), b"", 0

    def read() -> bytes:
        nonlocal read_total
        data = handle.read(IN_BLOCK)
        read_total += len(data)
        return data

    while True:
        if not pending and (zlib_style or decompressor.needs_input):
            pending = read()
            if not pending:
                return
        block = decompressor.decompress(pending, OUT_BLOCK)
        pending = decompressor.unconsumed_tail if zlib_style else b""
        if block:
            yield block, read_total - len(pending)
        if decompressor.eof:  # another stream may follow (gzip members, concatenated xz)
            pending = decompressor.unused_data or read()
            if not pending.startswith(magic):
                return
            decompressor = new()
