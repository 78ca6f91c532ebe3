"""`workbench reproduce`: re-run every check of a vendor's bundle and compare, requirement by requirement."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    reproduce = subparsers.add_parser(
        "reproduce",
        parents=[common],
        help="re-run every check of an evidence bundle and compare with its outcomes",
        description="Verify an evidence bundle (a vendor's self-inspection), rebuild its case in DIR from "
        "the artefacts archived in it (or, by SHA-256, from --case), re-run the check of every requirement "
        "of the catalogue up to the bundle's level (and any it lists) and compare the proposed verdict and "
        "the findings. Writes DIR/reproduction.json and DIR/reproduction.html. Exit 0 when everything "
        "reproduced the same; 1 on any difference, requirement not reproduced, missing outcome, results.json "
        "row that disagrees with its outcome, or requirement a partial run did not inspect; 2 when the "
        "bundle is refused.",
    )
    reproduce.add_argument("bundle", metavar="BUNDLE", help="a bundle .zip or an unpacked bundle folder")
    reproduce.add_argument("--out", required=True, metavar="DIR",
                           help="new (or empty) folder for the rebuilt case and the reports")
    reproduce.add_argument("--case", metavar="CASE", default=None,
                           help="a case of the lab's holding artefacts the bundle does not archive "
                           "(found by SHA-256)")
    reproduce.set_defaults(func=cmd_reproduce)


def cmd_reproduce(args: argparse.Namespace) -> int:
    from workbench.batch.reproduce import HTML_FILE, reproduce
    from workbench.i18n import tr, use_language

    result = reproduce(args.bundle, args.out, lab_case=args.case, catalog=args.catalog)
    with use_language(result.language):  # the bundle's, as the reports
        for warning in result.warnings:
            print(tr("warning: {warning}", warning=warning), file=sys.stderr)
        for comparison in result.comparisons:
            for line in comparison.lines():
                print(line)
        print(result.summary_line())
    print(result.out_dir / HTML_FILE)
    return 0 if result.ok else 1
