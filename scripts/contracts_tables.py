"""docs/CONTRACTS.md's engine tables, generated from the engines' declared schemas.

    python scripts/contracts_tables.py          # rewrite the generated parts of docs/CONTRACTS.md
    python scripts/contracts_tables.py --check  # exit 1 if they are not current

Each engine's section holds its tables between two markers:
`<!-- ENGINE tables: generated from MODULE.contract_markdown() -->` and `<!-- end of ENGINE tables -->`;
what stands between them is `contract_markdown()` of the engine's schema module (every table's
`TableSchema.markdown()`). The tests compare the committed document with `generated()`.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

CONTRACTS = Path(__file__).resolve().parents[1] / "docs" / "CONTRACTS.md"
ENGINES = {
    "capture": "workbench.capture.schema",
    "firmware": "workbench.firmware.schema",
    "probe": "workbench.probe.schema",
}


def markers(engine: str) -> tuple[str, str]:
    module = ENGINES[engine]
    return (
        f"<!-- {engine} tables: generated from {module}.contract_markdown() -->",
        f"<!-- end of {engine} tables -->",
    )


def section(text: str, engine: str) -> str | None:
    """What the document holds between an engine's markers (None without them)."""
    begin, end = markers(engine)
    found = re.search(re.escape(begin) + r"\n(.*?)" + re.escape(end), text, re.S)
    return found.group(1).removesuffix("\n") if found else None


def generated(engine: str) -> str:
    return importlib.import_module(ENGINES[engine]).contract_markdown()


def regenerate(text: str) -> str:
    """The document with every engine's tables as its schema declares them; an engine whose
    markers are missing is an error (its section would silently go stale)."""
    for engine in ENGINES:
        begin, end = markers(engine)
        if section(text, engine) is None:
            raise SystemExit(f"{CONTRACTS.name}: no {begin} ... {end} markers")
        pattern = re.escape(begin) + r"\n.*?" + re.escape(end)
        text = re.sub(
            pattern,
            lambda _m, e=engine, b=begin, n=end: f"{b}\n{generated(e)}\n{n}",
            text,
            count=1,
            flags=re.S,
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the document is not current")
    args = parser.parse_args(argv)
    text = CONTRACTS.read_text(encoding="utf-8")
    current = regenerate(text)
    if args.check:
        stale = [e for e in ENGINES if section(text, e) != generated(e)]
        if stale:
            print(f"{CONTRACTS}: stale tables of {', '.join(stale)}: run scripts/contracts_tables.py")
        return 1 if stale else 0
    if current != text:
        CONTRACTS.write_text(current, encoding="utf-8")
        print(f"{CONTRACTS}: tables regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
