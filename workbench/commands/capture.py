"""`workbench capture analyse FILE [--device IP|MAC]... [--out DIR [--csv]] [--json] [--table NAME]...`.

The analysis is a result folder (one Parquet file per table and meta.json; `--out DIR` keeps it,
else it lives in a temporary folder for the command's life). The terminal gets a summary and the
first rows of each table; `--json` streams every row as JSON Lines instead.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

from workbench.capture.schema import TABLES, TLS_VERSION_COLUMNS
from workbench.capture.versions import label
from workbench.commands.results import (
    add_result_options,
    print_first_rows,
    print_json_lines,
    usage_error,
    write_csv_beside,
)
from workbench.errors import EvidenceError

_MAC = re.compile(r"^[0-9a-fA-F]{2}([:-]?[0-9a-fA-F]{2}){5}$")
MAX_ROWS = 50
MAX_COLWIDTH = 60


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    capture = subparsers.add_parser("capture", parents=[common], help="analyse packet captures")
    sub = capture.add_subparsers(dest="capture_command", metavar="COMMAND")
    analyse = sub.add_parser("analyse", parents=[common], help="analyse a pcap/pcapng file (optionally .gz)")
    analyse.add_argument("file", help="capture file")
    analyse.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="IP|MAC",
        help="the device under test (repeatable); inferred when not given",
    )
    add_result_options(analyse, TABLES, first="the summary and the device")
    analyse.add_argument("--reveal-secrets", action="store_true", help="show credentials unmasked")
    analyse.set_defaults(func=run_analyse)
    capture.set_defaults(func=lambda args: capture.print_help() or 2)


def run_analyse(args: argparse.Namespace) -> int:
    if (error := usage_error(args)) is not None:
        return error
    if Path(args.file).is_dir():
        raise EvidenceError("is a folder: give a capture file (pcap/pcapng)", path=args.file)
    if args.out:
        return _report(args, Path(args.out))
    with tempfile.TemporaryDirectory(prefix="workbench-capture-") as tmp:
        return _report(args, Path(tmp) / "result")


def _report(args: argparse.Namespace, out: Path) -> int:
    from workbench.capture import analyse_capture

    macs = [d for d in args.device if _MAC.match(d)]
    ips = [d for d in args.device if d not in macs]
    analysis = analyse_capture(
        args.file,
        device_ips=ips,
        device_macs=macs,
        reveal_secrets=args.reveal_secrets,
        out=out,
        durable=bool(args.out),  # without --out, a scratch folder for the command's life
    )
    folder = analysis.folder
    wanted = args.table or list(TABLES)
    if args.csv:
        write_csv_beside(folder, wanted)
    if args.json:
        print_json_lines(folder, wanted, {"summary": analysis.summary, "device": analysis.device})
        return 0
    s, d = analysis.summary, analysis.device
    print(
        f"{args.file}: {s['file_format']}, {s['packets']} packets, {s['bytes']} bytes, {s['flows']} flows, "
        f"link types {', '.join(s['link_type_names']) or '-'}"
    )
    print(f"device: {', '.join(d.get('ips') or []) or '(unknown)'} ({d.get('reason')})")
    more = f"all in {out}" if args.out else "--out DIR or --json for all"
    versions = dict.fromkeys(TLS_VERSION_COLUMNS, _version_names)
    for name in wanted:
        print_first_rows(folder, name, rows=MAX_ROWS, max_width=MAX_COLWIDTH, more=more, shown=versions)
    if args.out:
        print(f"\nresult: {out} (a Parquet file per table, meta.json{', CSV beside' if args.csv else ''})")
    return 0


def _version_names(value: object) -> object:
    """TLS version codes by name for the terminal ("TLS 1.2"); --json keeps the codes."""
    if isinstance(value, list):
        return [label(v) for v in value]
    return label(value if isinstance(value, int) else None)
