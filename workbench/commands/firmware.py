"""`workbench firmware scan|sbom|diff`."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.commands.results import (
    add_result_options,
    print_first_rows,
    print_json_lines,
    usage_error,
    write_csv_beside,
)
from workbench.errors import WorkbenchError
from workbench.firmware.diff_kinds import KINDS
from workbench.firmware.schema import TABLES
from workbench.fsutil import remove_tree

if TYPE_CHECKING:
    from workbench.firmware.extract import StartedWorker
    from workbench.firmware.filepool import FilePool

TERMINAL_ROWS = 200  # rows of each table shown in the terminal

SCAN_EPILOG = """\
output:
  --out DIR   the result folder: one Parquet file per table and meta.json (the image's facts);
              with --csv also <table>.csv beside each. The summary is printed.
  --json      JSON Lines on standard output, one object per row with a "table" field; the
              first line is the image's facts ("table": "image"). Written table by table,
              never as one document.
  neither     the tables as text on the terminal.
The nested JSON document the earlier --json printed (one object holding every table) is gone:
read the result folder with pandas/pyarrow, or the JSON Lines.
"""


DIFF_EPILOG = """\
Each image is scanned as `firmware scan` does (with --workdir: the scan of an image with the same
SHA-256 and options kept there is reused), then every added, removed or changed file, account,
key, secret, service, component, vulnerability and binary's hardening is listed; nothing
unchanged is. Passwords, hashes and secrets are masked as the scan masks them (password hashes
always, even with --reveal-secrets).
output:
  --out DIR   the result folder: a Parquet file per kind and meta.json (the summary as a scalar);
              with --csv also <kind>.csv beside each.
  --json      JSON Lines: {"table": "summary", ...} first (both images, "complete", "notes", the
              counts per kind), then one object per row with its "table" (the kind).
  neither     the summary and a table per kind with changes on the terminal.
exit status: 0 the diff was made (also when an image could be extracted only in part or not at
all: then "complete" is false and a note says that "removed"/"added" may only mean "not
extracted"; the notes are also said on standard error); 2 an image is missing, empty or
unreadable, or the options do not go together.
"""


@contextmanager
def _workdir(given: str | None):
    if given:
        folder = Path(given)
        first_made = next((p for p in reversed((folder, *folder.parents)) if not p.exists()), None)
        try:
            yield _made(folder)
        finally:
            if first_made is not None:  # made for a command that left nothing in it (it failed): removed
                _remove_empty(folder, first_made)
        return
    tmp = tempfile.mkdtemp(prefix="workbench-fw-")
    try:
        yield Path(tmp)
    finally:
        remove_tree(tmp)  # however deep the extracted tree is


def _remove_empty(folder: Path, up_to: Path) -> None:
    """Remove `folder` and its parents up to `up_to` (the first this command made), each only if empty."""
    with contextlib.suppress(OSError):  # not empty, or gone: left as it is
        while True:
            folder.rmdir()
            if folder == up_to:
                return
            folder = folder.parent


def _made(folder: Path) -> Path:
    """The --workdir folder, made if it is missing; a one-line error when it cannot be (a file there, a
    path through a file, no permission), not a traceback halfway through a scan."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WorkbenchError(f"--workdir {folder}: not a folder") from None
    except OSError as exc:
        raise WorkbenchError(f"--workdir {folder}: {exc.strerror or exc}") from None
    return folder


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("firmware", parents=[common], help="analyse a firmware image")
    sub = parser.add_subparsers(dest="firmware_command", metavar="ACTION")
    scan = sub.add_parser(
        "scan",
        parents=[common],
        help="extract an image safely and report every finding",
        epilog=SCAN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("image", help="firmware image file")
    add_result_options(scan, TABLES, first="the image's facts")
    scan.add_argument(
        "--vuln-feed",
        action="append",
        metavar="PATH",
        help="offline OSV feed: a folder of .json, a .json or a .zip (repeatable)",
    )
    scan.add_argument(
        "--workdir", metavar="DIR", help="extraction folder, reused across runs (default: a temporary folder)"
    )
    scan.add_argument("--reveal-secrets", action="store_true", help="show passwords and tokens unmasked")
    scan.set_defaults(func=run_scan)
    sbom = sub.add_parser("sbom", parents=[common], help="write a CycloneDX SBOM of the image's components")
    sbom.add_argument("image")
    sbom.add_argument("-o", "--output", required=True, metavar="FILE")
    sbom.add_argument("--workdir", metavar="DIR")
    sbom.set_defaults(func=run_sbom)
    _register_diff(sub, common)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_scan(args: argparse.Namespace) -> int:
    if (error := usage_error(args)) is not None:
        return error
    names = args.table or list(TABLES)
    with contextlib.ExitStack() as stack:
        from workbench.columnar import refuse_to_replace  # (pyarrow is in already: the tables' schema)

        if args.out:  # refused before anything is started or made (the scan checks it again)
            refuse_to_replace(Path(args.out))
        workdir = stack.enter_context(_workdir(args.workdir))  # made here, or a one-line error
        started, workers = _started_early(stack, args.image, workdir)
        from workbench.firmware.scan import scan_firmware

        scratch = stack.enter_context(_workdir(None))
        result = scan_firmware(
            args.image,
            workdir=workdir,
            vuln_feed=args.vuln_feed,
            reveal_secrets=args.reveal_secrets,
            out=args.out or scratch / "result",  # without --out: gone when the command ends
            workers=workers,
            started=started,
        )
        if args.csv:
            write_csv_beside(result.folder, names)
        if args.json:
            print_json_lines(result.folder, names, {"image": result.image})
        elif args.out:
            _summary(result, names, Path(args.out))
        else:
            _terminal(result, names)
    return 0


def _started_early(
    stack: contextlib.ExitStack, image: str, workdir: Path
) -> tuple[StartedWorker | None, FilePool | None]:
    """The extraction worker and the file workers, started (the file workers importing lief) while this
    process imports the scan: 0.2 s of a core idle otherwise, and the extraction a tenth sooner. (None,
    None) for an image too small to gain from it, or one that is not a regular file (the scan says so)."""
    from workbench.firmware.extract import StartedWorker
    from workbench.firmware.filepool import EARLY_FROM, early_pool
    from workbench.firmware.limits import ExtractionLimits

    started = None
    if _size(image) >= EARLY_FROM:  # a regular file the scan will extract
        with contextlib.suppress(OSError):  # a folder it cannot write in: the scan says so
            started = StartedWorker(Path(image), workdir, ExtractionLimits())
            stack.callback(started.abandon)  # the scan takes it over; this, if it never does
    workers = early_pool(_size(image))
    if workers is not None:
        stack.callback(workers.close)  # the scan stops them; this, if it is never reached
    return started, workers


def _size(image: str) -> int:
    """The image's size if it is a regular file, else 0 (the scan says what is wrong with it)."""
    try:
        facts = os.stat(image)
    except (OSError, ValueError):
        return 0
    return facts.st_size if stat.S_ISREG(facts.st_mode) else 0


def _headline(result) -> str:
    image = result.image
    if result.folder is not None:  # the column from the folder (pandas costs the command 0.2 s)
        extracted = result.folder.read("layers", ["extracted"]).column("extracted").to_pylist()
    else:
        extracted = result.table("layers", ("extracted",))["extracted"]
    unpacked = any(bool(v) for v in extracted)
    if unpacked:
        state = image["extraction"]
    elif image["extraction"] == "complete":
        state = "complete, nothing unpacked (no known format)"
    else:
        state = f"{image['extraction']}, nothing unpacked: see the warnings"
    return f"{image['name']}  sha256 {image['sha256']}  {image['size']} bytes  extraction: {state}"


def _summary(result, names: list[str], out: Path) -> None:
    print(_headline(result))
    print(f"result folder: {out}")
    for name in names:
        print(f"  {name:16} {result.folder.rows(name):>9} rows")


def _terminal(result, names: list[str]) -> None:
    """The headline and the first rows of each table, laid out without pandas."""
    print(_headline(result))
    for name in names:
        print_first_rows(
            result.folder, name, rows=TERMINAL_ROWS, max_width=70, more="--out DIR or --json for all"
        )


def run_sbom(args: argparse.Namespace) -> int:
    if os.path.isdir(args.output):  # said before the scan, not after it
        raise WorkbenchError(f"-o {args.output}: is a folder; give the SBOM file's name")
    with contextlib.ExitStack() as stack:
        workdir = stack.enter_context(_workdir(args.workdir))  # made here, or a one-line error
        started, workers = _started_early(stack, args.image, workdir)
        from workbench.firmware.sbom import build_sbom
        from workbench.firmware.scan import scan_firmware
        from workbench.fsutil import atomic_write_text

        result = scan_firmware(args.image, workdir=workdir, workers=workers, started=started)
        atomic_write_text(args.output, build_sbom(result))
        print(f"{args.output}: {len(result.tables['components'])} components")
    return 0


def _register_diff(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    diff = sub.add_parser(
        "diff",
        parents=[common],
        help="what changed between two firmware images (files, accounts, keys, services, ...)",
        epilog=DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("old", help="the earlier firmware image")
    diff.add_argument("new", help="the later firmware image")
    add_result_options(diff, KINDS, first="the summary")
    diff.add_argument("--vuln-feed", action="append", metavar="PATH", help="offline OSV feed (repeatable)")
    diff.add_argument(
        "--workdir",
        metavar="DIR",
        help="keeps extractions and scans for the next run (default: temporary)",
    )
    diff.add_argument("--reveal-secrets", action="store_true", help="show secrets unmasked (never hashes)")
    diff.set_defaults(func=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from workbench.firmware.diff import diff_scans
    from workbench.firmware.diff_cache import cached_scan
    from workbench.firmware.diff_out import write_diff
    from workbench.firmware.diff_text import render

    if (error := usage_error(args)) is not None:
        return error
    kinds = args.table or list(KINDS)
    feeds = args.vuln_feed or []
    with _workdir(args.workdir) as workdir, _workdir(None) as scratch:
        old, new = (
            cached_scan(image, workdir=workdir, vuln_feed=feeds, reveal_secrets=args.reveal_secrets)[0]
            for image in (args.old, args.new)
        )
        diff = diff_scans(old, new)
        diff.tables = {kind: diff.tables[kind] for kind in kinds}
        for note in diff.notes:
            print(f"workbench: warning: {note}", file=sys.stderr)
        if args.out or args.json:
            folder = write_diff(diff, args.out or scratch / "diff")
            if args.csv:
                write_csv_beside(folder, kinds)
        if args.json:
            print_json_lines(folder, kinds, {"summary": diff.head()})
        else:
            print(render(diff, kinds))
            if args.out:
                print(f"\nresult folder: {args.out}")
    return 0
