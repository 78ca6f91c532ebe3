"""The scan's result folder (Parquet + meta.json, workbench.columnar): read back it gives the typed
tables of the scan, column by column too; a damaged, truncated or other-version folder is never
opened and a scan writes it again; a full disk leaves no half-written folder; an image of many
files gives one row per file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from rootfs_builder import link, mksquashfs, require, write

from workbench.columnar import META
from workbench.firmware import FirmwareScan, scan_firmware
from workbench.firmware.inventory import COLUMNS, FileRecord
from workbench.firmware.result import RESULT_VERSION
from workbench.firmware.schema import TABLES

SHADOW = "root:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0:19000:0:99999:7:::\nnobody:*:19000::::::\n"


def _image(base: Path) -> Path:
    root = base / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\n")
    write(root, "/etc/shadow", SHADOW, 0o600)
    write(root, "/etc/inittab", "::respawn:/usr/sbin/telnetd -l /bin/sh -p 2323\n")
    write(root, "/etc/config/cloud.conf", "api_token=9f8e7d6c5b4a39281706\npassword='hunter2hunter2'\n")
    write(root, "/etc/update.sh", "#!/bin/sh\nwget http://fw.example.com/firmware.bin\nmtd write x\n", 0o755)
    source = base / "hello.c"
    source.write_text('#include <stdio.h>\nint main(void) { puts("BusyBox v1.24.1 (2017)"); return 0; }\n')
    program = root / "bin" / "hello"
    program.parent.mkdir(parents=True)
    subprocess.run([require("gcc"), "-O1", str(source), "-o", str(program)], check=True)
    link(root, "/bin/sh", "hello")
    link(root, "/etc/escape", "../../../../etc/hostname")
    return mksquashfs(root, base / "fw.sqfs")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    base = tmp_path_factory.mktemp("columnar")
    image = _image(base)
    folder = base / "case" / "cache" / "result"
    scan = scan_firmware(image, workdir=base / "case" / "work", out=folder)
    return base, image, folder, scan


def _typed(table: pd.DataFrame, name: str) -> None:
    assert tuple(table.columns) == TABLES[name].names
    for column in table.columns:
        assert table[column].dtype == object, (name, column)
        for value in table[column]:
            assert value is None or type(value) in (str, int, float, bool), (name, column, value)


def test_the_folder_read_back_gives_the_scans_typed_tables(scanned):
    _, _, folder, scan = scanned
    assert (folder / META).is_file() and {p.stem for p in folder.glob("*.parquet")} == set(TABLES)
    opened = FirmwareScan.open(folder)
    assert opened is not None and opened.image == scan.image
    assert opened.password_hashes == scan.password_hashes and opened.password_hashes
    # the same rows as the JSON form the earlier cache kept, typed alike
    eager = FirmwareScan.from_json(json.loads(json.dumps(scan.to_json(), default=str)))
    for name in TABLES:
        _typed(opened.tables[name], name)
        pd.testing.assert_frame_equal(opened.tables[name], eager.tables[name])
        pd.testing.assert_frame_equal(opened.tables[name], scan.tables[name])
    assert {"files", "accounts", "binaries", "services", "secrets", "update"} <= {
        n for n in TABLES if len(opened.tables[n])
    }
    assert opened.read_file("/etc/passwd").startswith(b"root:x:0:0")
    assert opened.local_path("/bin/sh") == opened.local_path("/bin/hello") is not None
    assert opened.local_path("/etc/escape") is None
    match = opened.match_passwords(["nope", "admin"], reveal=True)
    assert len(match) == 0 or set(match["user"]) <= {"root"}


def test_a_table_is_read_on_first_use_and_columns_alone_when_named(scanned):
    _, _, folder, _ = scanned
    opened = FirmwareScan.open(folder)
    assert opened.tables._read == {}  # nothing read yet
    part = opened.table("files", ["path", "sha256"])
    assert list(part.columns) == ["path", "sha256"] and opened.tables._read == {}
    whole = opened.tables["files"]
    pd.testing.assert_frame_equal(part, whole[["path", "sha256"]])
    assert opened.files is whole and set(opened.tables) == set(TABLES)


def test_the_files_rows_as_tuples_are_the_rows_as_dicts():
    record = FileRecord("/bin/x", None, "file", 3, 0o4755, 0, 0, "elf", "x86_64-64-le", "ab", 1.5, None, 0)
    assert TABLES["files"].names == COLUMNS
    assert dict(zip(COLUMNS, record.values(), strict=True)) == record.row()
    assert record.row()["mode"] == "4755"


def test_a_moved_case_folder_still_finds_its_extracted_files(scanned, tmp_path):
    base, _, _, scan = scanned
    moved = tmp_path / "moved"
    shutil.copytree(base / "case", moved, symlinks=True)
    opened = FirmwareScan.open(moved / "cache" / "result", workdir=moved / "work")
    found = opened.local_path("/etc/passwd")
    assert found is not None and found.is_relative_to(moved)
    assert opened.read_file("/etc/passwd") == scan.read_file("/etc/passwd")


def _damage(folder: Path, how: str) -> None:
    if how == "truncated":
        file = folder / "files.parquet"
        file.write_bytes(file.read_bytes()[:-100])
    elif how == "flipped":
        file = folder / "accounts.parquet"
        data = bytearray(file.read_bytes())
        data[len(data) // 2] ^= 0xFF
        file.write_bytes(bytes(data))
    elif how == "missing_table":
        (folder / "keys.parquet").unlink()
    elif how == "other_version":
        meta = json.loads((folder / META).read_text())
        meta["version"] = RESULT_VERSION + "-old"
        (folder / META).write_text(json.dumps(meta))
    elif how == "meta_garbage":
        (folder / META).write_bytes(b"\x00{not json")
    elif how == "other_columns":
        pq.write_table(
            pq.read_table(folder / "update.parquet").drop_columns(["detail"]), folder / "update.parquet"
        )


@pytest.mark.parametrize(
    "how", ["truncated", "flipped", "missing_table", "other_version", "meta_garbage", "other_columns"]
)
def test_a_damaged_or_other_version_folder_is_not_opened_and_a_scan_rebuilds_it(scanned, tmp_path, how):
    base, image, folder, scan = scanned
    copy = tmp_path / "result"
    shutil.copytree(folder, copy)
    assert FirmwareScan.open(copy) is not None
    _damage(copy, how)
    assert FirmwareScan.open(copy) is None
    rebuilt = scan_firmware(image, workdir=base / "case" / "work", out=copy, cache=True)
    again = FirmwareScan.open(copy)
    assert again is not None and rebuilt.image["sha256"] == again.image["sha256"]
    for name in TABLES:
        pd.testing.assert_frame_equal(again.tables[name], scan.tables[name])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left aside


def test_no_folder_at_all_is_not_opened(tmp_path):
    assert FirmwareScan.open(tmp_path / "absent") is None
    assert FirmwareScan.open(tmp_path) is None  # a folder without meta.json


FULL_DISK = textwrap.dedent(
    """
    import sys
    from workbench.columnar import ResultWriteError
    from workbench.firmware import scan_firmware
    try:
        scan_firmware(sys.argv[1], workdir=sys.argv[2], out=sys.argv[3])
    except ResultWriteError as exc:
        print("ResultWriteError:", exc)
        sys.exit(3)
    """
)


def test_a_full_disk_gives_a_clear_error_and_leaves_no_half_written_folder(tmp_path):
    """The result folder's disk is a 64 KiB tmpfs, mounted in a private mount namespace (unshare
    -m: the mount is seen by the test's child alone); the files table of 4,000 files does not fit."""
    require("unshare")
    root = tmp_path / "root"
    for i in range(4000):
        write(root, f"/usr/share/many/d{i // 100:02d}/file{i:05d}.txt", f"line {i} of a small file\n")
    image = mksquashfs(root, tmp_path / "many.sqfs")
    small = tmp_path / "small"
    small.mkdir()
    script = tmp_path / "full.py"
    script.write_text(FULL_DISK)
    command = (
        f"mount -t tmpfs -o size=64k tmpfs {small} && "
        f"{sys.executable} {script} {image} {tmp_path / 'work'} {small / 'result'}; "
        f"code=$?; ls -A {small}; exit $code"
    )
    done = subprocess.run(["unshare", "-m", "sh", "-c", command], capture_output=True, text=True)
    if "Operation not permitted" in done.stderr and "mount" in done.stderr:
        pytest.fail(f"cannot mount a tmpfs here (the test needs root): {done.stderr}")
    assert done.returncode == 3, done.stdout + done.stderr
    first, *listing = done.stdout.splitlines()
    assert "the disk is full" in first and "nothing was kept" in first
    assert listing == []  # neither the result nor its temporary folder


def test_an_image_of_many_files_gives_one_row_per_file(tmp_path, monkeypatch):
    """6,000 files go to the file worker processes; inspected in the scan's own process instead,
    every table is the same, row for row."""
    root = tmp_path / "root"
    expected = set()
    write(root, "/etc/app/secret.conf", "password=Wq8#rT5!zX\napi_key=AKIAIOSFODNN7EXAMPLE\n")
    expected.add("/etc/app/secret.conf")
    for i in range(6000):
        path = f"/etc/conf{i // 500:02d}/item{i:05d}.conf"
        write(root, path, f"option value_{i} '{i * 7919 % 100000}'\n")
        expected.add(path)
    link(root, "/etc/current", "conf00/item00000.conf")
    image = mksquashfs(root, tmp_path / "many.sqfs")
    scan = scan_firmware(image, workdir=tmp_path / "work", out=tmp_path / "result")
    files = scan.table("files", ["path", "type", "sha256"])
    assert len(files) == len(set(files["path"])) == scan.folder.rows("files")
    regular = set(files.loc[files["type"] == "config", "path"])
    assert regular == expected
    folders = {f"/etc/conf{i:02d}" for i in range(12)} | {"/etc", "/etc/app"}
    assert set(files["path"]) == expected | {"/etc/current"} | folders
    assert files["sha256"].notna().sum() == 6001 and len(scan.tables["secrets"]) == 2
    monkeypatch.setattr("workbench.firmware.scan.POOL_FROM", 10**9)
    here = scan_firmware(image, workdir=tmp_path / "work", out=tmp_path / "here")
    for name in TABLES:
        pd.testing.assert_frame_equal(here.tables[name], scan.tables[name])
