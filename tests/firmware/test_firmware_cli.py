"""`workbench firmware scan` as a user runs it (a real process on an image made by mksquashfs):
--out writes the result folder and prints the summary, --csv a CSV beside each table, --json
streams JSON Lines whose rows are the folder's, the terminal summary without either."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from rootfs_builder import link, mksquashfs, write

from workbench.firmware import FirmwareScan
from workbench.firmware.schema import TABLES


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    root = base / "root"
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home:/bin/sh\n")
    write(root, "/etc/shadow", "root::19000:::::\nadmin:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0:1::::::\n", 0o600)
    write(root, "/etc/inittab", "::respawn:/usr/sbin/telnetd -l /bin/sh\nttyS0::respawn:/bin/sh\n")
    write(root, "/etc/app.conf", 'token="q9w8e7r6t5y4u3i2o1p0"\nname = "a, b\nc"\n')
    for i in range(300):
        write(root, f"/usr/share/data/f{i:03d}.txt", f"row {i}\n")
    link(root, "/bin/sh", "busybox")
    return mksquashfs(root, base / "fw.sqfs")


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "firmware", "scan", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_out_writes_the_result_folder_and_csv_beside_each_table(image, tmp_path):
    done = _run(str(image), "--out", "result", "--csv", "--workdir", "work", cwd=tmp_path)
    scan = FirmwareScan.open(tmp_path / "result", workdir=tmp_path / "work")
    assert scan is not None and scan.image["sha256"] in done.stdout
    for name in TABLES:
        rows = scan.folder.rows(name)
        assert f"{name}" in done.stdout and f" {rows} rows" in done.stdout
        with open(tmp_path / "result" / f"{name}.csv", newline="", encoding="utf-8") as handle:
            table = list(csv.reader(handle))
        assert table[0] == list(TABLES[name].names) and len(table) - 1 == rows == len(scan.tables[name])
    assert scan.folder.rows("files") > 300 and scan.folder.rows("accounts") == 2
    assert scan.read_file("/etc/passwd").startswith(b"root:x:0:0")  # relative --workdir, found again


def test_json_streams_one_line_per_row_with_its_table(image, tmp_path):
    done = _run(str(image), "--json", "--out", str(tmp_path / "result"), cwd=tmp_path)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert all("table" in line for line in lines)
    assert lines[0]["table"] == "image" and lines[0]["name"] == "fw.sqfs"
    counts = Counter(line["table"] for line in lines[1:])
    scan = FirmwareScan.open(tmp_path / "result")
    assert {n: counts.get(n, 0) for n in TABLES} == {n: scan.folder.rows(n) for n in TABLES}
    accounts = [line for line in lines if line["table"] == "accounts"]
    assert {a["user"] for a in accounts} == {"root", "admin"} and all("hash" not in a for a in accounts)
    secrets = [line for line in lines if line["table"] == "secrets"]
    assert secrets and all("q9w8e7r6t5y4u3i2o1p0" not in s["value"] for s in secrets)  # masked


def test_json_of_one_table_and_without_out(image, tmp_path):
    done = _run(str(image), "--json", "--table", "services", cwd=tmp_path)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert {line["table"] for line in lines} == {"image", "services"}
    assert {line["name"] for line in lines[1:]} == {"telnetd", "sh on ttyS0"}
    assert list(tmp_path.iterdir()) == []  # nothing left behind: the work folder was temporary


def test_the_terminal_summary_and_the_help_saying_the_old_json_is_gone(image, tmp_path):
    done = _run(str(image), "--table", "accounts", cwd=tmp_path)
    assert "== accounts (2 rows)" in done.stdout and "admin" in done.stdout
    helped = _run("--help", cwd=tmp_path)
    assert "JSON Lines" in helped.stdout and "is gone" in helped.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "workbench", "firmware", "scan", str(image), "--csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert refused.returncode == 2 and "--csv needs --out" in refused.stderr


def test_the_terminal_tables_need_no_pandas_and_stop_after_their_first_rows(image, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "workbench",
            "firmware",
            "scan",
            str(image),
            "--table",
            "files",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "workbench.firmware.scan" in imported and not any(m.startswith("pandas.") for m in imported)
    files = done.stdout.split("== files (", 1)[1]
    total = int(files.split(" rows)", 1)[0])
    assert total > 300 and f"... {total - 200} more rows" in files  # 300 data files and more
    assert "/etc/passwd" in files or "/usr/share/data/f000.txt" in files


@pytest.mark.parametrize("action", ["scan", "sbom", "diff"])
def test_a_workdir_that_cannot_be_a_folder_is_one_line_and_exit_2(image, tmp_path, action):
    """A file where the folder would be, or a path through a file: scan, sbom and diff each say so in one
    line (no traceback, not the internal error's exit 3) and leave the file as it was."""
    a_file = tmp_path / "a-file"
    a_file.write_text("mine\n")
    given = {"scan": [str(image)], "sbom": [str(image), "-o", "sbom.json"], "diff": [str(image), str(image)]}
    for workdir, said in ((a_file, "not a folder"), (a_file / "under", "Not a directory")):
        command = [sys.executable, "-m", "workbench", "firmware", action, *given[action]]
        done = subprocess.run(
            [*command, "--workdir", str(workdir)],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )
        assert done.returncode == 2, done.stderr[-3000:]
        assert done.stderr == f"workbench: error: --workdir {workdir}: {said}\n"
    assert a_file.read_text() == "mine\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize("action", ["scan", "sbom", "diff"])
def test_a_workdir_made_for_a_command_that_fails_is_removed(tmp_path, action):
    given = {"scan": ["no.img"], "sbom": ["no.img", "-o", "sbom.json"], "diff": ["no.img", "no2.img"]}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "firmware", action, *given[action], "--workdir", "new/deep"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 2 and "no.img: no such file" in done.stderr, done.stderr[-3000:]
    assert list(tmp_path.iterdir()) == []


def test_an_sbom_written_over_a_folder_is_refused_before_the_scan(image, tmp_path):
    (tmp_path / "taken").mkdir()
    command = [sys.executable, "-m", "workbench", "firmware", "sbom", str(image), "-o", "taken"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert (
        done.returncode == 2
        and done.stderr == "workbench: error: -o taken: is a folder; give the SBOM file's name\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"] and not any((tmp_path / "taken").iterdir())
