"""What every engine command offers for its result, said and done the same way: `--out DIR` (the
result folder), `--csv` beside it, `--json` (JSON Lines on standard output), `--table NAME`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from workbench.columnar import ResultFolder
from workbench.commands.texttable import Shown, render


def add_result_options(parser: argparse.ArgumentParser, tables: Iterable[str], *, first: str) -> None:
    """The four options; `first` names the lines JSON Lines start with (the result's facts)."""
    names = list(tables)
    parser.add_argument(
        "--out",
        metavar="DIR",
        help="write the result folder there: a Parquet file per table and meta.json (an earlier result"
        " there is replaced, a folder holding anything else refused)",
    )
    parser.add_argument("--csv", action="store_true", help="with --out: also <table>.csv beside each table")
    parser.add_argument(
        "--json",
        action="store_true",
        help=f"print JSON Lines: {first}, then one object per row with its `table` (the nested document"
        " of earlier versions is gone)",
    )
    parser.add_argument(
        "--table",
        action="append",
        choices=names,
        metavar="NAME",
        help=f"only these tables (repeatable): {', '.join(names)}",
    )


def usage_error(args: argparse.Namespace) -> int | None:
    """2 (said on standard error) when the options do not go together, else None."""
    if args.csv and not args.out:
        print(
            "workbench: error: --csv needs --out DIR (the CSV files go beside the Parquet files)",
            file=sys.stderr,
        )
        return 2
    return None


def write_csv_beside(folder: ResultFolder, names: Iterable[str]) -> None:
    from workbench.rowsout import write_csv

    for name in names:
        write_csv(folder, name, folder.path / f"{name}.csv")


def print_json_lines(
    folder: ResultFolder, names: Iterable[str], facts: Mapping[str, Mapping[str, Any]]
) -> None:
    """`facts` (one line each: its name in `table`), then every row of the named tables."""
    from workbench.rowsout import write_jsonl

    for name, value in facts.items():
        sys.stdout.write(json.dumps({"table": name, **value}, default=str) + "\n")
    write_jsonl(folder, names, sys.stdout)
    sys.stdout.flush()


def print_first_rows(
    folder: ResultFolder,
    name: str,
    *,
    rows: int,
    max_width: int,
    more: str,
    shown: Mapping[str, Shown] | None = None,
) -> None:
    """`== NAME (N rows)`, the table's first `rows` rows laid out for the terminal (blocks as wide
    as it is), then how many more there are and where (`more`)."""
    count = folder.rows(name)
    print(f"\n== {name} ({count} {'row' if count == 1 else 'rows'})")
    if not count:
        return
    first = next(folder.batches(name, batch_size=rows))
    width = max(80, shutil.get_terminal_size((200, 24)).columns)
    names = first.schema.names
    shown = {c: show for c, show in (shown or {}).items() if c in names}
    print(render(first.to_pylist(), names, max_width=max_width, line_width=width, shown=shown))
    if count > rows:
        print(f"... {count - rows} more rows ({more})")
