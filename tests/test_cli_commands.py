"""The command line imports only the module of the command it runs, and the map says which."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from workbench.cli import COMMAND_MODULES, COMMANDS, build_parser

SAMPLE = Path(__file__).resolve().parents[1] / "sample_captures" / "demo_clean.pcap"


def test_every_module_registers_exactly_the_commands_mapped_to_it() -> None:
    common = argparse.ArgumentParser(add_help=False)
    for name in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(name).register(sub, common)
        assert sorted(sub.choices) == sorted(c for c, m in COMMANDS.items() if m == name), name
    assert sorted(build_parser().format_help().count(c) > 0 for c in COMMANDS) == [True] * len(COMMANDS)


def test_a_capture_analysis_imports_neither_the_catalogue_nor_the_case(tmp_path) -> None:
    code = (
        "import sys; from workbench.cli import main; "
        f"main(['capture', 'analyse', {str(SAMPLE)!r}, '--out', {str(tmp_path / 'r')!r}]); "
        "print(sorted(m for m in ('workbench.catalog', 'workbench.case', 'pydantic') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "r" / "meta.json").is_file()


def test_an_unexpected_exception_exits_3_not_1(monkeypatch, capsys):
    """Exit 1 means "a requirement failed" to a CI gate (`run --fail-on`); a bug must not look like it."""
    import workbench.commands.batch as batch
    from workbench.cli import INTERNAL_ERROR, main

    def broken(args):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(batch, "cmd_verify", broken)
    assert main(["verify", "no-such-bundle"]) == INTERNAL_ERROR == 3
    err = capsys.readouterr().err
    assert "RuntimeError: planted bug" in err and "internal error (exit 3)" in err
