"""Compare two bundles' results.json, apart from times, bundle names and versions.

    python scripts/compare_results.py OLD/results.json NEW/results.json

Prints every difference as `path: old -> new` and exits 1 when there is one. Used to show that a
refactoring leaves the verdicts, reasons and findings of the demo cases as they were.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Keys whose values differ between any two runs of the same case.
IGNORED = {"started_at", "finished_at", "bundle", "seconds", "created_at", "workbench_version", "versions"}


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            if key in IGNORED:
                continue
            where = f"{path}.{key}" if path else str(key)
            if key not in old or key not in new:
                out.append(f"{where}: {old.get(key, '<absent>')!r} -> {new.get(key, '<absent>')!r}")
            else:
                out += differences(old[key], new[key], where)
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{path}: {len(old)} items -> {len(new)} items"]
        pairs = enumerate(zip(old, new, strict=True))
        return [d for i, (a, b) in pairs for d in differences(a, b, f"{path}[{i}]")]
    return [] if old == new else [f"{path}: {old!r} -> {new!r}"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    old, new = (json.loads(Path(a).read_text()) for a in args)
    found = differences(old, new)
    for line in found:
        print(line)
    print(f"{len(found)} difference(s)" if found else "identical apart from times, names and versions")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
