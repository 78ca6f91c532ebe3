"""`workbench firmware scan|sbom`."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from workbench.firmware.schema import TABLES


@contextmanager
def _workdir(given: str | None):
    if given:
        yield Path(given)
        return
    with tempfile.TemporaryDirectory(prefix="workbench-fw-") as tmp:
        yield Path(tmp)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("firmware", parents=[common], help="analyse a firmware image")
    sub = parser.add_subparsers(dest="firmware_command", metavar="ACTION")
    scan = sub.add_parser("scan", parents=[common], help="extract an image safely and report every finding")
    scan.add_argument("image", help="firmware image file")
    scan.add_argument("--json", action="store_true", help="one JSON object with every table")
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
    scan.add_argument("--table", choices=sorted(TABLES), help="show only this table")
    scan.set_defaults(func=run_scan)
    sbom = sub.add_parser("sbom", parents=[common], help="write a CycloneDX SBOM of the image's components")
    sbom.add_argument("image")
    sbom.add_argument("-o", "--output", required=True, metavar="FILE")
    sbom.add_argument("--workdir", metavar="DIR")
    sbom.set_defaults(func=run_sbom)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def run_scan(args: argparse.Namespace) -> int:
    from workbench.firmware.scan import scan_firmware

    with _workdir(args.workdir) as workdir:
        result = scan_firmware(
            args.image, workdir=workdir, vuln_feed=args.vuln_feed, reveal_secrets=args.reveal_secrets
        )
    if args.json:
        data = result.to_json(include_hashes=args.reveal_secrets)
        if args.table:
            data = {args.table: data[args.table]}
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    image = result.image
    layers = result.tables["layers"]
    unpacked = bool(len(layers)) and bool(layers["extracted"].astype(bool).any())
    state = image["extraction"] + ("" if unpacked else ", nothing unpacked (no known format)")
    print(f"{image['name']}  sha256 {image['sha256']}  {image['size']} bytes  extraction: {state}")
    import pandas as pd

    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_colwidth", 70, "display.max_rows", 200
    ):
        for name in [args.table] if args.table else TABLES:
            table = result.tables[name]
            print(f"\n== {name} ({len(table)})")
            if not table.empty:
                print(table.to_string(index=False))
    return 0


def run_sbom(args: argparse.Namespace) -> int:
    from workbench.firmware.sbom import build_sbom
    from workbench.firmware.scan import scan_firmware
    from workbench.fsutil import atomic_write_text

    with _workdir(args.workdir) as workdir:
        result = scan_firmware(args.image, workdir=workdir)
    atomic_write_text(args.output, build_sbom(result))
    print(f"{args.output}: {len(result.tables['components'])} components")
    return 0
