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

from workbench import __version__
from workbench.errors import WorkbenchError

# Modules that define `register(subparsers, common)`; each adds its own subcommands.
COMMAND_MODULES = (
    "workbench.commands.catalog",
    "workbench.commands.case",
    "workbench.commands.checks",
    "workbench.commands.probe",
    "workbench.commands.capture",
    "workbench.commands.firmware",
    "workbench.commands.batch",
    "workbench.lab",
    "workbench.demo",
    "workbench.commands.training",
)


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, name.rsplit(".", 1)[0]):
                raise
            continue  # a part of the workbench that is not built yet
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
