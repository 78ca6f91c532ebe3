"""Hostile archives inside an image, built here: a zip, a cpio and a 7z each with a member climbing
out (`../../x`) and an absolute one (`/abs/x`), a tar and the cpio with device nodes (a 0:0
character device among them) and a gzip bomb (2 GiB of zeros in 2 MB). Each scan runs in its own
process with a time limit; the tests run as whoever runs the suite (as root, mknod would succeed
without the worker's seccomp filter)."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest
from rootfs_builder import require, write

from workbench.firmware import FirmwareScan

SCAN_TIMEOUT = 600
OUTSIDE = "skipped: it would be written outside the archive's folder"
TRAVERSAL, ABSOLUTE = b"traversal, must not be written\n", b"absolute\n"
HOSTILE = [("../../x", TRAVERSAL), ("/abs/x", ABSOLUTE), ("ok.txt", b"fine\n")]
SCAN = (
    "import json, sys\n"
    "from workbench.firmware import scan_firmware\n"
    "s = scan_firmware(sys.argv[1], workdir=sys.argv[2], out=sys.argv[3])\n"
    "print(json.dumps(s.image['extraction']))\n"
)
ROOT_DEVICES = (
    "dev d 755 0 0",
    "dev/console c 600 0 0 5 1",
    "dev/whiteout c 000 0 0 0 0",
    "dev/initctl i 600 0 0 f",
    "dev/log i 666 0 0 s",
)
SPECIAL = (stat.S_ISCHR, stat.S_ISBLK, stat.S_ISFIFO, stat.S_ISSOCK)


def newc(entries: list[tuple[str, int, bytes, int, int]]) -> bytes:
    """A new-ASCII cpio archive: (name, mode, data, device major, device minor) per member."""
    out = bytearray()
    for ino, (name, mode, data, major, minor) in enumerate([*entries, ("TRAILER!!!", 0, b"", 0, 0)], 1):
        encoded = name.encode() + b"\0"
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(encoded), 0]
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + encoded
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def zip_archive(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.create_system, info.external_attr = 3, 0o100644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def sevenzip_archive(members: list[tuple[str, bytes]], work: Path) -> bytes:
    """A 7z made by 7z from harmless names of the same length, then renamed in its plain header
    (7z will not store `../../x` itself); both header CRCs recomputed."""
    source = work / "7z-source"
    source.mkdir()
    renames = []
    for index, (name, data) in enumerate(members):
        harmless = chr(ord("a") + index) * len(name)
        (source / harmless).write_bytes(data)
        renames.append((harmless, name))
    archive = work / "made.7z"
    subprocess.run(
        [require("7z"), "a", "-mhc=off", "-mhe=off", "-m0=copy", str(archive), *(h for h, _ in renames)],
        cwd=source,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    raw = bytearray(archive.read_bytes())
    shutil.rmtree(source)
    archive.unlink()
    offset, size = struct.unpack_from("<QQ", raw, 12)
    header = bytes(raw[32 + offset : 32 + offset + size])
    for harmless, name in renames:
        assert header.count(harmless.encode("utf-16-le")) == 1
        header = header.replace(harmless.encode("utf-16-le"), name.encode("utf-16-le"))
    raw[32 + offset : 32 + offset + size] = header
    struct.pack_into("<I", raw, 28, zlib.crc32(header))
    struct.pack_into("<I", raw, 8, zlib.crc32(bytes(raw[12:32])))
    return bytes(raw)


def tar_with_devices() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, major in (
            ("dev/whiteout", tarfile.CHRTYPE, 0),
            ("dev/sda", tarfile.BLKTYPE, 8),
            ("dev/pipe", tarfile.FIFOTYPE, 0),
        ):
            info = tarfile.TarInfo(name)
            info.type, info.devmajor, info.devminor, info.mode = kind, major, 0, 0o600
            archive.addfile(info)
        info = tarfile.TarInfo("etc/ok.conf")
        info.size = 5
        archive.addfile(info, io.BytesIO(b"x=1\n\n"))
    return buffer.getvalue()


def gzip_bomb(path: Path, expanded: int = 2 << 30) -> Path:
    """`expanded` bytes of zeros as gzip, by streaming zlib: one 1 MiB block deflated after a full
    flush is the same bytes every time, so it is written again and again (2 MB for 2 GiB)."""
    block = bytes(1 << 20)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH) == deflated
    crc = 0
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03")
        for _ in range(expanded // len(block)):
            out.write(deflated)
            crc = zlib.crc32(block, crc)
        out.write(deflate.flush(zlib.Z_FINISH))
        out.write(struct.pack("<II", crc, expanded & 0xFFFFFFFF))
    return path


def scan(image: Path, work: Path) -> tuple[str, FirmwareScan]:
    out = work / "out"
    done = subprocess.run(
        [sys.executable, "-c", SCAN, str(image), str(work / "work"), str(out)],
        capture_output=True,
        text=True,
        timeout=SCAN_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = FirmwareScan.open(out, workdir=work / "work")
    assert result is not None
    return json.loads(done.stdout.splitlines()[-1]), result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    work = tmp_path_factory.mktemp("hostile")
    root = work / "root"
    write(root, "/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
    write(root, "/pkg/evil.zip", zip_archive(HOSTILE))
    write(root, "/pkg/evil.7z", sevenzip_archive(HOSTILE, work))
    devices = [
        ("dev/null0", stat.S_IFCHR | 0o600, b"", 0, 0),
        ("dev/fifo", stat.S_IFIFO | 0o600, b"", 0, 0),
        ("dev/sda", stat.S_IFBLK | 0o600, b"", 8, 0),
    ]
    write(root, "/pkg/evil.cpio", newc([(n, 0o100644, d, 0, 0) for n, d in HOSTILE] + devices))
    write(root, "/pkg/dev.tar", tar_with_devices())
    image = work / "fw.sqfs"
    subprocess.run(  # device nodes in the root file system itself, given as mksquashfs pseudo files
        [require("mksquashfs"), str(root), str(image), "-noappend", "-all-root", "-quiet", "-no-progress"]
        + [arg for pseudo in ROOT_DEVICES for arg in ("-p", pseudo)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    status, result = scan(image, work)
    return work, status, result


def _warnings(result: FirmwareScan) -> list[dict]:
    return result.warnings.to_dict("records")


@pytest.mark.parametrize("archive", ["evil.zip", "evil.cpio", "evil.7z"])
def test_members_climbing_out_are_skipped_and_warned_naming_archive_and_member(hostile, archive):
    work, status, result = hostile
    assert status == "complete"
    inside = f"/pkg/{archive}!"
    warnings = _warnings(result)
    climbing = [w for w in warnings if w["path"] == f"{inside}/../../x"]
    assert climbing, warnings
    assert climbing[0]["kind"] == "archive_member"
    assert climbing[0]["message"].startswith('"../../x" ' + OUTSIDE)
    absolute = [w for w in warnings if w["path"] == f"{inside}/abs/x"]
    assert absolute and "absolute name" in absolute[0]["message"]
    paths = set(result.files["path"])
    assert f"{inside}/ok.txt" in paths and f"{inside}/abs/x" in paths
    assert f"{inside}/x" not in paths  # 7z used to write ../../x as x, silently
    assert not any(".." in p.split("/") for p in paths)  # the file list shows only what was extracted
    assert result.read_file(f"{inside}/abs/x") == ABSOLUTE


def test_nothing_is_written_outside_and_no_extractor_path_is_shown(hostile):
    work, _status, result = hostile
    for folder, _dirs, files in os.walk(work):
        for name in files:
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink() and path.stat().st_size == len(TRAVERSAL):
                assert path.read_bytes() != TRAVERSAL, f"a member climbing out was written: {path}"
    texts = [str(w["message"]) for w in _warnings(result)] + list(result.layers["reason"])
    workdir = str((work / "work").resolve())
    assert not [t for t in texts if workdir in t or "/work/" in t or ".tmp" in t or "_extract" in t]
    assert not [t for t in texts if "Errno" in t or t.endswith("Ignored.")]


def test_no_device_node_fifo_or_socket_is_created_yet_all_are_listed(hostile):
    work, _status, result = hostile
    for folder, dirs, files in os.walk(work / "work"):
        for name in dirs + files:
            mode = os.lstat(os.path.join(folder, name)).st_mode
            assert not any(test(mode) for test in SPECIAL), os.path.join(folder, name)
    kinds = dict(zip(result.files["path"], result.files["type"], strict=True))
    assert kinds["/pkg/dev.tar!/dev/whiteout"] == "char_device"
    assert kinds["/pkg/dev.tar!/dev/sda"] == "block_device"
    assert kinds["/pkg/dev.tar!/dev/pipe"] == "fifo"
    assert kinds["/pkg/evil.cpio!/dev/null0"] == "char_device"
    assert kinds["/pkg/evil.cpio!/dev/fifo"] == "fifo"
    assert kinds["/pkg/dev.tar!/etc/ok.conf"] == "config"
    assert kinds["/dev/console"] == kinds["/dev/whiteout"] == "char_device"
    assert kinds["/dev/initctl"] == "fifo" and kinds["/dev/log"] == "socket"
    by_path = {w["path"]: w["message"] for w in _warnings(result)}
    assert by_path["/pkg/dev.tar!/dev/whiteout"].startswith('character device 0:0 "dev/whiteout" not created')
    assert by_path["/pkg/evil.cpio!/dev/sda"].startswith('block device 8:0 "dev/sda" not created')


def test_the_worker_cannot_create_special_files_even_as_root(tmp_path):
    from workbench.firmware.nomknod import forbid_special_files

    child = (
        "import os, stat, sys\n"
        "from workbench.firmware.nomknod import forbid_special_files\n"
        "assert forbid_special_files()\n"
        "kinds = (('c', stat.S_IFCHR), ('p', stat.S_IFIFO), ('s', stat.S_IFSOCK), ('f', stat.S_IFREG))\n"
        "for name, mode in kinds:\n"
        "    try:\n"
        "        os.mknod(os.path.join(sys.argv[1], name), mode | 0o600, 0)\n"
        "    except PermissionError:\n"
        "        pass\n"
        "os.system('mkfifo ' + os.path.join(sys.argv[1], 'shell-fifo'))\n"
    )
    assert callable(forbid_special_files)
    done = subprocess.run([sys.executable, "-c", child, str(tmp_path)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["f"]  # a regular file only


def test_a_gzip_bomb_is_stopped_early_with_a_clear_warning(tmp_path):
    image = gzip_bomb(tmp_path / "bomb.img")
    assert image.stat().st_size < 4 << 20
    status, result = scan(image, tmp_path)
    assert status == "limit"
    bombs = [w for w in _warnings(result) if w["kind"] == "limit"]
    assert bombs and "decompression bomb" in bombs[0]["message"]
    assert "expansion stopped" in bombs[0]["message"]
    assert bombs[0]["path"] is not None and bombs[0]["path"].startswith("/")
    assert result.files.empty or int(result.files["size"].max()) < 256 << 20
    written = sum(
        os.lstat(os.path.join(folder, name)).st_size
        for folder, _dirs, files in os.walk(tmp_path / "work")
        for name in files
    )
    assert written < 512 << 20


def test_the_fallback_stops_a_bomb_of_every_python_compressor(tmp_path):
    import bz2
    import lzma

    from workbench.firmware.safe_archive import decompress
    from workbench.firmware.streams import StreamBounds

    zeros = bytes(32 << 20)
    bounds = StreamBounds(max_size=1 << 30, max_ratio=100, ratio_from=4 << 20)
    makers = {"gzip": lambda d: zlib.compress(d, 9, wbits=31), "bzip2": bz2.compress, "xz": lzma.compress}
    for kind, make in makers.items():
        source = tmp_path / f"zeros.{kind}"
        source.write_bytes(make(zeros))
        with pytest.raises(OverflowError, match="decompression bomb"):
            decompress(source, tmp_path / kind, kind, bounds)
        assert not any((tmp_path / kind).iterdir())  # nothing of it kept
    (tmp_path / "text.gz").write_bytes(zlib.compress(b"line of text\n" * 1000, 9, wbits=31))
    assert decompress(tmp_path / "text.gz", tmp_path / "ok", "gzip", bounds) == []
    assert (tmp_path / "ok" / "text").read_bytes() == b"line of text\n" * 1000
