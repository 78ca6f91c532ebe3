"""`workbench capture analyse FILE [--device IP|MAC]... [--json] [--reveal-secrets] [--table NAME]`."""

from __future__ import annotations

import argparse
import json
import re
import sys

import pandas as pd

from workbench.capture.schema import TABLES, TLS_VERSION_COLUMNS
from workbench.capture.versions import label

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
    analyse.add_argument("--json", action="store_true", help="print one JSON object")
    analyse.add_argument("--reveal-secrets", action="store_true", help="show credentials unmasked")
    analyse.add_argument(
        "--table",
        action="append",
        choices=TABLES,
        metavar="NAME",
        help=f"only these tables (repeatable): {', '.join(TABLES)}",
    )
    analyse.set_defaults(func=run_analyse)
    capture.set_defaults(func=lambda args: capture.print_help() or 2)


def run_analyse(args: argparse.Namespace) -> int:
    from workbench.capture import analyse_capture

    macs = [d for d in args.device if _MAC.match(d)]
    ips = [d for d in args.device if d not in macs]
    analysis = analyse_capture(
        args.file, device_ips=ips, device_macs=macs, reveal_secrets=args.reveal_secrets
    )
    wanted = args.table or list(TABLES)
    if args.json:
        data = analysis.to_json()
        out = {name: data[name] for name in wanted}
        out["device"], out["summary"] = data["device"], data["summary"]
        json.dump(out, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
        return 0
    s, d = analysis.summary, analysis.device
    print(
        f"{args.file}: {s['file_format']}, {s['packets']} packets, {s['bytes']} bytes, {s['flows']} flows, "
        f"link types {', '.join(s['link_type_names']) or '-'}"
    )
    print(f"device: {', '.join(d.get('ips') or []) or '(unknown)'} ({d.get('reason')})")
    for name in wanted:
        table = _readable(analysis.tables[name])
        print(f"\n== {name} ({len(table)} rows)")
        if table.empty:
            continue
        with pd.option_context("display.max_colwidth", MAX_COLWIDTH, "display.width", 200):
            print(table.head(MAX_ROWS).to_string(index=False))
        if len(table) > MAX_ROWS:
            print(f"... {len(table) - MAX_ROWS} more rows (use --json for all)")
    return 0


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """The table for the terminal: TLS version codes by name ("TLS 1.2"); --json keeps the codes."""
    versions = [c for c in table.columns if c in TLS_VERSION_COLUMNS]
    if not versions or table.empty:
        return table
    shown = table.copy()
    for column in versions:
        shown[column] = shown[column].map(
            lambda v: [label(x) for x in v] if isinstance(v, list) else label(None if pd.isna(v) else int(v))
        )
    return shown
