"""The extraction worker finds a squashfs layer's nested containers while it fixes the tree (one
walk, not two): the same files, in the order its own candidates walk gives them."""

from __future__ import annotations

import gzip
import io
import os
import random
import tarfile
import zipfile
from pathlib import Path

from workbench.firmware import direct
from workbench.firmware.limits import ExtractionLimits
from workbench.firmware.worker import Worker, _is_container, walk_order

rng = random.Random(77)


def _gzip() -> bytes:
    return gzip.compress(rng.randbytes(200))


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x" * 100)
    return buffer.getvalue()


def _tar() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("a.txt")
        info.size = 3
        archive.addfile(info, io.BytesIO(b"abc"))
    return buffer.getvalue()


MAKERS = [
    _gzip,
    _zip,
    _tar,
    lambda: b"\x7fELF" + rng.randbytes(200),
    lambda: b"PK\x03\x04",
    lambda: rng.randbytes(300),
]
NAMES = ["a", "B", "b", "z", "_", "0", "aa", "a.b", "é", "odd\udcffname", "Z9", "~"]


def _tree(top: Path, folders: int, files: int) -> None:
    made = [top]
    for _ in range(folders):
        folder = rng.choice(made) / rng.choice(NAMES)
        if not folder.exists():
            folder.mkdir()
            made.append(folder)
    for _ in range(files):
        file = rng.choice(made) / (rng.choice(NAMES) + rng.choice(["", ".gz", ".bin", "x"]))
        if not file.exists():
            file.write_bytes(rng.choice(MAKERS)())
            if rng.random() < 0.1:
                file.chmod(0o200)  # unreadable until the fix makes it readable
    os.symlink("/etc/passwd", made[-1] / "escape")  # removed by the fix, never a candidate
    os.symlink(str(next(top.rglob("*.gz"), top)), top / "link-to-gz")  # a link: not a candidate
    os.mkfifo(top / "fifo")


def test_containers_found_while_fixing_are_the_candidates_in_their_order(tmp_path):
    for round_ in range(6):
        top = (tmp_path / f"r{round_}" / "fs_extract").resolve()
        top.mkdir(parents=True)
        _tree(top, folders=rng.randrange(1, 60), files=rng.randrange(5, 400))
        found: list[str] = []
        direct.fix_tree(top, lambda file, found=found: found.append(file) if _is_container(file) else None)
        worker = Worker(tmp_path, ExtractionLimits(), None)
        expected = list(worker.candidates(top, True))  # after the fix, as the worker ran it before
        assert expected, "the tree holds containers"
        assert walk_order(str(top), found, top) == expected


def test_a_fixed_tree_is_walked_once_by_the_worker(tmp_path, monkeypatch):
    """`run` over a layer the direct path unpacked takes its containers from the fix's walk."""
    top = (tmp_path / "x" / "0" / "fs_extract").resolve()
    top.mkdir(parents=True)
    _tree(top, folders=10, files=50)
    worker = Worker(tmp_path.resolve(), ExtractionLimits(), None)
    found: list[str] = []
    direct.fix_tree(top, lambda file: found.append(file) if _is_container(file) else None)
    worker.found[0] = (str(top), found)
    unpacked: list[str] = []
    monkeypatch.setattr(
        worker, "candidates", lambda *a: (_ for _ in ()).throw(AssertionError("walked again"))
    )
    monkeypatch.setattr(worker, "unpack", lambda file, *a, **k: unpacked.append(str(file)) or [])
    layer = {"id": 0, "extracted": True, "format": direct.NAME, "dir": "x/0/fs_extract", "depth": 1}
    monkeypatch.setattr(worker, "unpack_directly", lambda image: [layer])
    worker.run(tmp_path / "image")
    assert unpacked == [str(path) for path, _ in walk_order(str(top), found, top)] and unpacked
