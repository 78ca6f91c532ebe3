"""Message catalogues: extract, update, compile, check (Babel under the hood; see workbench/i18n/po.py).

    python scripts/i18n.py update [--add FILE.yaml ...]   # re-extract; merge translations {msgid: msgstr}
    python scripts/i18n.py compile                        # .po -> .mo (make setup runs it)
    python scripts/i18n.py check                          # exit 1: untranslated, fuzzy, stale or broken
    python scripts/i18n.py untranslated [--lang ja]       # the msgids still to translate, as JSON to fill

An `--add` file is YAML or JSON: `{lang: {msgid: msgstr}}`, or `{msgid: msgstr}` for Japanese.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from workbench.i18n import po


def _additions(paths: list[str]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        by_lang = data if set(data) <= set(po.LANGUAGES) else {"ja": data}
        for lang, pairs in by_lang.items():
            merged.setdefault(lang, {}).update({str(k): str(v) for k, v in (pairs or {}).items()})
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update")
    up.add_argument("--add", action="append", default=[], metavar="FILE")
    sub.add_parser("compile")
    sub.add_parser("check")
    un = sub.add_parser("untranslated")
    un.add_argument("--lang", default="ja")
    args = parser.parse_args(argv)
    if args.command == "update":
        left = po.update(_additions(args.add))
        po.compile_all()
        print(", ".join(f"{lang}: {n} untranslated" for lang, n in left.items()))
        return 0
    if args.command == "compile":
        for path in po.compile_all():
            print(path.relative_to(po.ROOT))
        return 0
    if args.command == "untranslated":
        todo = dict.fromkeys(po.untranslated(args.lang), "")
        json.dump(todo, sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
        print()
        return 0
    found = [p for lang in po.LANGUAGES if lang != po.DEFAULT_LANGUAGE for p in po.problems(lang)]
    print("\n".join(found) or "catalogues complete")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
