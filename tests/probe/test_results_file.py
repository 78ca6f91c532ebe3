"""The probe's results file is evidence from a device, read as hostile input: a crafted file is refused with
a clear MalformedInput, or loads with its odd cells left empty — never a Python error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench.errors import MalformedInput
from workbench.probe.results import FORMAT, FORMAT_VERSION, ProbeResults
from workbench.probe.results import TestRun as Run
from workbench.probe.results import TestStatus as Status
from workbench.probe.schema import TABLES

BASE: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "target": "127.0.0.1"}


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "other"},
        {"format_version": 2},
        {"target": 5},
        {"tests": {"a": 1}},
        {"tests": [{"status": []}]},
        {"tests": [{"status": {}}]},
        {"tests": [{"status": "exploded"}]},
        {"tests": [{"status": "completed", "command": 5}]},
        {"tables": []},
        {"warnings": "x"},
    ],
)
def test_a_malformed_document_is_refused_in_one_line(changes: dict[str, Any]) -> None:
    with pytest.raises(MalformedInput) as refused:
        ProbeResults.from_json({**BASE, **changes})
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("packets", ["abc", [1], float("inf"), -5, True, None])
def test_an_odd_packet_count_is_zero(packets: Any) -> None:
    assert ProbeResults.from_json({**BASE, "capture_packets": packets}).capture_packets in (0,)


def test_deep_nesting_and_garbage_files_are_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe\x00garbage")
    for path in (deep, garbage):
        with pytest.raises(MalformedInput):
            ProbeResults.load(path)


def test_odd_cells_are_left_empty_with_a_warning() -> None:
    rows = [
        {"port": "http", "service": "<script>alert(1)</script>", "packets": "1,2", "state": 7},
        {"port": 10**30, "packets": [1, "x", None], "started": "yesterday"},
        {"port": -1, "transport": {"a": 1}, "packet_count": float("nan")},
        {"port": 80, "service": "http", "packets": [3, 4], "packet_count": 2},
    ]
    results = ProbeResults.from_json({**BASE, "tables": {"ports": rows, "nope": [{"x": 1}]}})
    frame = results.frame("ports")
    assert list(frame.columns) == list(TABLES["ports"].names)
    assert frame["port"].tolist()[3] == 80 and frame["port"].isna().tolist()[:3] == [True, True, True]
    assert frame["service"].tolist()[0] == "<script>alert(1)</script>"  # text, escaped where it is shown
    assert any("does not fit" in w for w in results.warnings)
    assert "nope" not in results.tables


def test_a_written_file_reads_back_the_same(tmp_path: Path) -> None:
    results = ProbeResults(target="127.0.0.1", profile="quick", started="2026-12-06T00:00:00+00:00")
    run = Run("port_scan", "nmap", Status.COMPLETED, "1 port", ["nmap", "-sS"], 1.0, 2.0)
    results.tests.append(run)
    results.add_rows("ports", [{"test": "port_scan", "transport": "tcp", "port": 23, "state": "open",
                                "packets": [1, 2], "packet_count": 2}])  # fmt: skip
    path = tmp_path / "probe.json"
    results.write(path)
    again = ProbeResults.load(path)
    assert json.loads(path.read_text())["format"] == FORMAT
    assert again.tests[0].command == ["nmap", "-sS"] and again.tables["ports"][0]["port"] == 23
