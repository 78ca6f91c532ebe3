"""`workbench catalog ...`: through the real dispatcher, a parser of our own, and the console script."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.catalog.render import Glyphs, table
from workbench.catalog.schema import SCHEMA_FILE
from workbench.cli import main
from workbench.commands import catalog as catalog_cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_list_table_shows_every_requirement_with_stars(capsys, baseline) -> None:
    code, out, _ = run(["catalog", "list"], capsys)
    assert code == 0
    assert out.startswith("Catalogue 2026.4")  # the newest bundled edition is the default
    rows = [line.split() for line in out.splitlines() if line[:1].isupper() and "-" in line.split()[0]]
    assert [row[0] for row in rows] == baseline.ids
    by_id = {row[0]: row for row in rows}
    assert by_id["AUTH-01"][1:3] == ["★", "automatic"]
    assert by_id["ATK-05"][1:3] == ["★★★", "automatic"]
    assert by_id["AUTH-05"][1:3] == ["★", "assisted"]
    assert out.rstrip().endswith("39 requirements (★ 17 · ★★ 14 · ★★★ 8)")


def test_list_filters_by_level(capsys, baseline) -> None:
    code, out, _ = run(["catalog", "list", "--level", "1", "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["edition"] == "2026.4"
    assert [r["id"] for r in data["requirements"]] == [r.id for r in baseline.for_level(1)]
    assert {r["level"] for r in data["requirements"]} == {1}
    assert len(data["sha256"]) == 64


def test_list_csv_is_spreadsheet_safe(capsys, catalog_data, write_yaml: Callable[..., Path]) -> None:
    catalog_data["requirements"][0]["title"] = "=HYPERLINK(evil)"
    path = write_yaml("lab.yaml", catalog_data)
    code, out, _ = run(["catalog", "list", "--format", "csv", "--catalog", str(path)], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id"] for r in rows] == ["AUTH-01", "COM-02"]
    assert rows[0]["title"] == "'=HYPERLINK(evil)"
    assert rows[1]["etsi_en_303_645"] == "5.5-1"


def test_show_tells_everything_about_a_requirement(capsys, baseline) -> None:
    code, out, _ = run(["catalog", "show", "com-02"], capsys)
    assert code == 0
    assert out.startswith("COM-02  TLS versions and ciphers meet the floor\nLevel ★ (1) · automatic")
    for heading in ("Statement", "Why it matters", "What a failing device typically looks like",
                    "Pass criteria", "Inspection method", "Mappings", "Parameters"):  # fmt: skip
        assert f"\n{heading}\n" in out
    assert "  ETSI EN 303 645  5.5-1" in out
    assert "  min_tls_version: TLS 1.2" in out
    assert "  1. Capture the device's traffic" in out
    code, out, _ = run(["catalog", "show", "COM-02", "--format", "json"], capsys)
    assert json.loads(out)["parameters"]["min_tls_version"] == "TLS 1.2"


def test_show_unknown_id_is_one_line_and_exit_2(capsys) -> None:
    code, out, err = run(["catalog", "show", "COM-2"], capsys)
    assert code == 2
    assert err == "workbench: error: no requirement 'COM-2' in catalogue 2026.4; did you mean COM-02?\n"


def test_diff_text_and_json(capsys) -> None:
    code, out, _ = run(["catalog", "diff", "2025.1", "2026.1"], capsys)
    assert code == 0
    # 21 changed: 13, and 8 more that gained only JC-STAR ★1 mappings (catalog README)
    assert out.startswith("Catalogue 2025.1 → 2026.1: 3 added, 0 removed, 21 changed\n")
    assert "  + COM-05    ★★   Device contacts only declared remote services" in out
    assert '    parameters.min_tls_version: "TLS 1.0" → "TLS 1.2"' in out
    assert "    level: 3 → 2" in out
    code, out, _ = run(["catalog", "diff", "2025.1", "2026.1", "--format", "json"], capsys)
    data = json.loads(out)
    assert [r["id"] for r in data["added"]] == ["COM-05", "ATK-07", "WIFI-01"]


def test_diff_with_a_path(capsys, catalog_data, write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("lab.yaml", catalog_data)
    code, out, _ = run(["catalog", "diff", str(path), "2026.1"], capsys)
    assert code == 0
    assert out.startswith("Catalogue lab-1 → 2026.1: 37 added, 0 removed, 2 changed")


def test_schema_prints_the_committed_schema(capsys) -> None:
    code, out, _ = run(["catalog", "schema"], capsys)
    assert code == 0
    assert out == SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(out)["$defs"]["Requirement"]["properties"]["level"]["enum"] == [1, 2, 3]


def test_validate_good_and_bad(capsys, catalog_data, write_yaml: Callable[..., Path]) -> None:
    good = write_yaml("good.yaml", catalog_data)
    code, out, _ = run(["catalog", "validate", str(good)], capsys)
    assert (code, out) == (0, f"{good}: valid · edition lab-1, 2 requirements (★ 1 · ★★ 1 · ★★★ 0)\n")
    catalog_data["requirements"][1]["evidence"] = ["smell"]
    bad = write_yaml("bad.yaml", catalog_data)
    code, out, err = run(["catalog", "validate", str(bad)], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(
        f"workbench: error: {bad}: requirement COM-02: field 'evidence[0]': must be 'capture'"
    )


def test_catalog_option_on_list_and_show(capsys, catalog_data, write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("lab.yaml", catalog_data)
    code, out, _ = run(["catalog", "show", "AUTH-01", "--catalog", str(path)], capsys)
    assert code == 0 and "catalogue lab-1" in out
    code, _, err = run(["catalog", "list", "--catalog", "1999.1"], capsys)
    assert code == 2 and "unknown catalogue edition '1999.1'" in err


def test_catalog_without_subcommand_prints_help(capsys) -> None:
    code, out, _ = run(["catalog"], capsys)
    assert code == 2
    assert "validate" in out


def test_register_alone_builds_a_working_parser(capsys) -> None:
    """The handlers work with only this package's parser, whatever else the dispatcher loads."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalog", default=None)
    parser = argparse.ArgumentParser(prog="workbench")
    catalog_cli.register(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(["catalog", "list", "--level", "2", "--format", "csv", "--catalog", "2025.1"])
    assert args.func(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "COM-05" not in {r["id"] for r in rows} and {r["level"] for r in rows} == {"1", "2"}


def test_ascii_terminal_gets_ascii_stars(baseline) -> None:
    class Ascii:
        encoding = "ascii"

    glyphs = Glyphs.for_stream(Ascii())
    text = table(baseline, baseline.for_level(3), glyphs)
    text.encode("ascii")
    assert "ATK-05    ***    automatic" in text


def test_console_script_in_a_subprocess() -> None:
    script = Path(sys.executable).with_name("workbench")
    if not script.exists():
        pytest.skip("the workbench console script is not installed in this environment")
    done = subprocess.run(
        [str(script), "catalog", "list", "--format", "json"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads(done.stdout)
    assert data["edition"] == "2026.4"
    assert len(data["requirements"]) == 39
    done = subprocess.run(
        [str(script), "catalog", "show", "NOPE-01"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "workbench: error: no requirement 'NOPE-01' in catalogue 2026.4"
    ]
