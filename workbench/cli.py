"""`workbench` command line: each module of workbench.commands (and lab, demo) registers its subcommands."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

# Arrow from the C library's heap, set before pyarrow is imported: its default pool (mimalloc)
# keeps what each row group of a large result freed, tens of MB a command; notebooks keep it.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# No command does linear algebra: OpenBLAS's spinning thread pool only burns CPU at numpy's import.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from workbench import __version__
from workbench.errors import WorkbenchError

# Each command and the module that registers it (`register(subparsers, common)`), in the order of
# `workbench --help`. A command line names one: only its module is imported (the others cost a
# third of a second of imports: pandas, pydantic models); tests/test_cli_commands.py keeps this true.
COMMANDS = {
    "catalog": "workbench.commands.catalog",
    "case": "workbench.commands.case",
    "check": "workbench.commands.checks",
    "probe": "workbench.commands.probe",
    "capture": "workbench.commands.capture",
    "firmware": "workbench.commands.firmware",
    "run": "workbench.commands.batch",
    "verify": "workbench.commands.batch",
    "reproduce": "workbench.commands.reproduce",
    "export": "workbench.commands.export",
    "key": "workbench.commands.keys",
    "lab": "workbench.lab",
    "demo": "workbench.demo",
    "exercise": "workbench.commands.training",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))
INTERNAL_ERROR = 3  # exit status of an unexpected exception (0 ok, 1 a finding or gate, 2 usage or input)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of `command` alone when it is one."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalog",
        metavar="PATH",
        default=None,
        help="requirement catalogue: an edition name or a YAML file or folder (a lab's own catalogue)",
    )
    parser = argparse.ArgumentParser(
        prog="workbench", description="Inspector Workbench: IoT device conformance inspection."
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.rsplit(".", 1)[0]):
                raise
            continue  # a part of the workbench that is not built yet
        module.register(sub, common)
    return parser


ENGINE_COMMANDS = ("capture", "firmware")  # they make no data frame: pyarrow need not import pandas


def run() -> int:
    """The `workbench` program (console script and `python -m workbench`): `main` in a process
    of its own, where an engine command keeps pyarrow from importing pandas."""
    words = [w for w in sys.argv[1:] if not w.startswith("-")]
    if words and words[0] in ENGINE_COMMANDS:
        from workbench.columnar.nopandas import arrow_without_pandas

        arrow_without_pandas()
    return main()


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(next((w for w in words if not w.startswith("-")), None))
    args = parser.parse_args(words)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    before = _terminate_as_interrupt()
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as exc:
        print(f"workbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` or a pager that quit: not an error
        import contextlib
        import os

        with contextlib.suppress(OSError, ValueError):  # no second error when Python exits
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception:  # a bug: never exit 1, which `run --fail-on` means "a requirement failed"
        import traceback

        traceback.print_exc()
        print(f"workbench: internal error (exit {INTERNAL_ERROR}): this is a bug in the workbench; the "
              "traceback above says where", file=sys.stderr)
        return INTERNAL_ERROR
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)


def _terminate_as_interrupt() -> Any:
    """SIGTERM (a batch system stopping the job, `kill`) unwinds like Ctrl-C: what is being
    written is removed, a password being changed on a device is set back. The handler before."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    return signal.signal(signal.SIGTERM, interrupt)
