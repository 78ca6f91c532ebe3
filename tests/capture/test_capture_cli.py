"""`workbench capture analyse` as a user runs it: the result folder, CSV beside it, JSON Lines."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from capture_frames import bench_capture

from workbench.capture import TABLES, CaptureAnalysis

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_captures" / "demo_defective.pcap"


def workbench(*args: str) -> subprocess.CompletedProcess:
    exe = ROOT / ".venv" / "bin" / "workbench"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def scan(tmp_path_factory) -> Path:
    """A scan-heavy capture: a new flow every two packets."""
    path = tmp_path_factory.mktemp("cli") / "scan.pcap"
    bench_capture.generate_scan(path, 30_000)
    return path


def test_out_writes_a_result_folder_with_csv_beside(tmp_path):
    out = tmp_path / "result"
    done = workbench("capture", "analyse", str(SAMPLE), "--out", str(out), "--csv")
    assert done.returncode == 0, done.stderr
    assert f"result: {out}" in done.stdout
    meta = json.loads((out / "meta.json").read_text())
    assert set(meta["tables"]) == set(TABLES) and meta["engine"] == "capture"
    for name in TABLES:
        assert pq.read_metadata(out / f"{name}.parquet").num_rows == meta["tables"][name]["rows"]
        with open(out / f"{name}.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == meta["tables"][name]["rows"]
    with open(out / "tls.csv", newline="") as handle:
        first = next(csv.DictReader(handle))
    assert isinstance(json.loads(first["offered_ciphers"]), list)  # lists as JSON text in a cell
    analysis = CaptureAnalysis.open(out)
    assert analysis is not None and len(analysis.flows) == meta["tables"]["flows"]["rows"]
    assert "camera123" not in (out / "credentials.csv").read_text()  # masked unless revealed


def test_json_lines_hold_every_row_of_every_table(scan, tmp_path):
    out = tmp_path / "result"
    assert workbench("capture", "analyse", str(scan), "--out", str(out)).returncode == 0
    done = workbench("capture", "analyse", str(scan), "--json")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    counts = pd.Series([line["table"] for line in lines]).value_counts().to_dict()
    meta = json.loads((out / "meta.json").read_text())
    for name, facts in meta["tables"].items():
        assert counts.get(name, 0) == facts["rows"], name
    assert counts["flows"] == 15_000  # every flow, none dropped
    summary = lines[0]
    assert summary["table"] == "summary" and summary["packets"] == 30_000
    flows = [line for line in lines if line["table"] == "flows"]
    assert [f["flow_id"] for f in flows] == list(range(1, 15_001))


def test_usage_errors_and_a_rerun_replacing_the_folder(tmp_path):
    assert workbench("capture", "analyse", str(SAMPLE), "--csv").returncode == 2
    out = tmp_path / "result"
    assert workbench("capture", "analyse", str(SAMPLE), "--out", str(out), "--csv").returncode == 0
    again = workbench("capture", "analyse", str(SAMPLE), "--out", str(out), "--table", "flows")
    assert again.returncode == 0
    assert CaptureAnalysis.open(out) is not None
    assert not list(tmp_path.glob(".result.*"))  # no temporary or old folder left beside it


def test_out_never_writes_over_a_users_files(tmp_path):
    """An --out given by mistake (the case folder, a document) destroys nothing."""
    folder = tmp_path / "case"
    folder.mkdir()
    (folder / "evidence.pcap").write_bytes(SAMPLE.read_bytes())
    done = workbench("capture", "analyse", str(folder / "evidence.pcap"), "--out", str(folder))
    assert done.returncode == 2 and "not a result folder" in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["evidence.pcap"]
    note = tmp_path / "notes.txt"
    note.write_text("mine")
    done = workbench("capture", "analyse", str(SAMPLE), "--out", str(note))
    assert done.returncode == 2 and "not a folder" in done.stderr and note.read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "notes.txt"]  # nothing left beside


def test_out_over_an_earlier_result_holding_other_files_is_refused(tmp_path):
    out = tmp_path / "result"
    assert workbench("capture", "analyse", str(SAMPLE), "--out", str(out), "--csv").returncode == 0
    (out / "notes.txt").write_text("the inspector's own notes")
    done = workbench("capture", "analyse", str(SAMPLE), "--out", str(out))
    assert done.returncode == 2 and "notes.txt" in done.stderr
    assert (out / "notes.txt").read_text() == "the inspector's own notes"


def test_the_command_never_imports_pandas_and_prints_the_first_rows(tmp_path):
    """An engine command makes no data frame: pandas (a third of a second) is not imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "workbench", "capture", "analyse", str(SAMPLE)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    # (pyarrow's one refused attempt at `import pandas` is listed too: no module of it is loaded)
    assert "workbench.capture.engine" in imported and not any(m.startswith("pandas.") for m in imported)
    tls = done.stdout.split("== tls (", 1)[1].split("\n== ", 1)[0]
    header = tls.splitlines()[1].split()
    assert "hello_version" in header and "TLS 1.0" in tls  # version codes shown by name
