"""The fallback extractor (used when unblob cannot be imported), on a real hostile archive: a
member climbing out, a corrupt nested zip and a corrupt gzip stream are recorded and the run
goes on; what is safe is extracted."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

from workbench.firmware.fallback import run_fallback
from workbench.firmware.journal import Journal
from workbench.firmware.limits import ExtractionLimits


def _image(path: Path) -> Path:
    bad_deflate = bytearray(gzip.compress(b"x" * 5000))
    bad_deflate[12:20] = b"\xff" * 8  # the deflate stream's first block is no block at all
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("etc/app.conf", "password=x\n")
        archive.writestr("../../escape.txt", "out\n")
        archive.writestr("inner.zip", b"PK\x03\x04" + b"\0" * 200)  # zip magic, nothing behind it
        archive.writestr("data.gz", bytes(bad_deflate))
    return path


def test_corrupt_members_are_recorded_and_the_rest_extracted(tmp_path):
    image = _image(tmp_path / "fw.zip")
    root = tmp_path / "work"
    root.mkdir()
    run_fallback(image, root, ExtractionLimits(), Journal(root / "journal.jsonl"))
    events = [json.loads(line) for line in (root / "journal.jsonl").read_text().splitlines()]
    layers = {(e["container"], e["format"]): e for e in events if e["event"] == "layer"}
    top = layers[(None, "zip")]
    assert top["extracted"] and (root / top["dir"] / "etc/app.conf").read_text() == "password=x\n"
    inner = layers[("inner.zip", "zip")]
    assert not inner["extracted"] and inner["reason"].startswith("zip extraction failed")
    stream = layers[("data.gz", "gzip")]  # zlib.error, which is no OSError
    assert not stream["extracted"] and stream["reason"].startswith("gzip extraction failed: Error -3")
    members = [e for e in events if e["event"] == "warning" and e["kind"] == "archive_member"]
    assert [e["member"] for e in members] == ["../../escape.txt"]
    assert not (tmp_path / "escape.txt").exists() and not (root.parent.parent / "escape.txt").exists()


def test_a_tar_with_members_climbing_out_and_absolute_names(tmp_path):
    import tarfile

    from workbench.firmware.safe_archive import SizeBudget, extract_tar

    archive_path = tmp_path / "fw.tar"
    with tarfile.open(archive_path, "w") as archive:
        for name in ("etc/ok.conf", "../../up.conf", "/etc/absolute.conf"):
            info = tarfile.TarInfo(name)
            info.size = 3
            archive.addfile(info, io.BytesIO(b"x=1"))
    outdir = tmp_path / "out"
    problems = {p.path: p for p in extract_tar(archive_path, outdir, SizeBudget(1 << 20))}
    assert (outdir / "etc/ok.conf").read_bytes() == b"x=1"
    assert "skipped: it would be written outside the archive's folder" in problems["../../up.conf"].problem
    assert not (tmp_path.parent / "up.conf").exists()
    absolute = problems["/etc/absolute.conf"]
    assert "absolute name: written inside the archive's folder" in absolute.problem
    assert (outdir / "etc/absolute.conf").read_bytes() == b"x=1"
