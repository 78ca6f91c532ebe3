"""`workbench catalog list|show|diff|schema|validate`."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import asdict
from typing import Any

from workbench.catalog import render
from workbench.catalog.diff import diff_catalogs
from workbench.catalog.loader import load_catalog
from workbench.catalog.schema import schema_text
from workbench.i18n import check_language, language, use_language


def _width() -> int:
    return max(min(shutil.get_terminal_size((100, 24)).columns, 120), 60)


def _write(text: str) -> int:
    sys.stdout.write(text)
    return 0


def _language(args: argparse.Namespace) -> str:
    """--lang, checked; else the current language."""
    return check_language(args.lang) if args.lang else language()


def cmd_list(args: argparse.Namespace) -> int:
    lang = _language(args)
    catalog = load_catalog(args.catalog)
    requirements = catalog.for_level(args.level) if args.level else list(catalog.requirements)
    if args.format == "json":
        return _write(render.catalog_json(catalog, requirements))
    if args.format == "csv":
        return _write(render.csv_text(requirements, lang if args.lang else None))
    with use_language(lang):
        return _write(
            render.table(catalog, requirements, render.Glyphs.for_stream(sys.stdout), _width(), lang=lang)
        )


def cmd_show(args: argparse.Namespace) -> int:
    lang = _language(args)
    catalog = load_catalog(args.catalog)
    requirement = catalog.get(args.id.strip().upper())
    if args.format == "json":
        data = {"edition": catalog.edition, **requirement.model_dump(mode="json")}
        if args.lang:  # the text as shown in that language, beside the data
            text = requirement.text(lang)
            data["text"] = {**asdict(text), "mark": text.mark}
        return _write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    with use_language(lang):
        glyphs = render.Glyphs.for_stream(sys.stdout)
        return _write(render.show_text(requirement, catalog, glyphs, _width(), lang=lang))


def cmd_diff(args: argparse.Namespace) -> int:
    diff = diff_catalogs(load_catalog(args.edition_a), load_catalog(args.edition_b))
    if args.format == "json":
        return _write(json.dumps(diff.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return _write(render.diff_text(diff, render.Glyphs.for_stream(sys.stdout), _width()))


def cmd_schema(args: argparse.Namespace) -> int:
    return _write(schema_text())


def cmd_validate(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.path)
    glyphs = render.Glyphs.for_stream(sys.stdout)
    counts = f" {glyphs.dot} ".join(
        f"{render.stars(n, glyphs)} {sum(1 for r in catalog.requirements if r.level == n)}" for n in (1, 2, 3)
    )
    languages = f", languages {', '.join(catalog.languages)}" if len(catalog.languages) > 1 else ""
    return _write(
        f"{args.path}: valid {glyphs.dot} edition {catalog.edition}, "
        f"{len(catalog.requirements)} requirements ({counts}){languages}\n"
    )


def _lang_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--lang",
        choices=("en", "ja"),
        help=f"{what}: en or ja (default: English); a text the catalogue lacks in it is shown in the"
        " catalogue's own language, marked",
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="the requirement catalogue: list, show, diff editions, validate a lab's own",
        description="The requirement catalogue. --catalog PATH (an edition name or a lab's YAML file "
        "or folder) is given after the subcommand, e.g. `workbench catalog list --catalog my-lab/`.",
    )
    # `common` (--catalog) goes on each leaf subcommand only: given on this level too, argparse
    # would let the leaf's default silently overwrite a value given here.
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)
    sub = parser.add_subparsers(dest="catalog_command", metavar="SUBCOMMAND")

    p = sub.add_parser("list", parents=[common], help="list requirements")
    p.add_argument("--level", type=int, choices=(1, 2, 3), help="only requirements that apply at this level")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _lang_option(p, "the titles (table, csv) in this language")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", parents=[common], help="everything about one requirement")
    p.add_argument("id", metavar="ID", help="requirement id, e.g. COM-02")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _lang_option(p, "the requirement's text and the labels in this language")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "diff", parents=[common], help="added, removed and changed requirements between two editions"
    )
    p.add_argument("edition_a", metavar="EDITION_A", help="older edition: a name (2025.1) or a path")
    p.add_argument("edition_b", metavar="EDITION_B", help="newer edition: a name (2026.1) or a path")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema of a catalogue file")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("validate", parents=[common], help="check a catalogue file or folder")
    p.add_argument("path", metavar="PATH", help="a YAML file, a folder of YAML files, or an edition name")
    p.set_defaults(func=cmd_validate)
