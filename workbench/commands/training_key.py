"""`workbench exercise key new|validate`: an instructor drafts an answer key from their own verdicts
on a case, and checks a key against a case of its device."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import WorkbenchError
from workbench.i18n import LANGUAGES, _, tr, use_language

if TYPE_CHECKING:
    from workbench.case import Case
    from workbench.training.key import AnswerKey


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's actions to `workbench exercise`."""
    key = subparsers.add_parser("key", help="instructor: draft an answer key from a case, or validate one")
    key.set_defaults(func=lambda _args: key.print_help() or 2)
    sub = key.add_subparsers(dest="key_command", metavar="ACTION")

    new = sub.add_parser(
        "new", help="draft a key from the instructor's latest verdicts on CASE",
        description="Each requirement up to --level with a recorded verdict becomes an answer; each evidence "
        "reference of a FAIL verdict that names a packet, an image file or a declaration field becomes a "
        "defect with that place. Written to --out (never replacing a file) or standard output.",
    )
    new.add_argument("case", metavar="CASE", help="the instructor's case (its verdicts and artefacts)")
    new.add_argument("--exercise", required=True, metavar="ID", help="the exercise's id (e.g. lockly-l1)")
    new.add_argument("--title", required=True, metavar="T", help="the exercise's title")
    new.add_argument("--level", type=int, choices=(1, 2, 3), default=None,
                     help="the exercise's level (default: the case's, at most 3)")
    new.add_argument("--stage", choices=("basics", "practice"), default="practice")
    new.add_argument("--out", metavar="KEY", default=None, help="the key file to write (must not exist)")
    new.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                     help="en or ja: the notes and the key's header comment (default: the case's language); "
                     "the key's own texts stay English, with ja translations of the summaries under ja")
    new.set_defaults(func=cmd_new)

    validate = sub.add_parser(
        "validate", help="check a key against a case of its device; exit 1 if it is not valid",
        description="Every place a defect names must be in the evidence (the packet in the capture, the "
        "file in the image, the declaration field set) and every FAIL answer must name a defect. Without "
        "--case the key's device is built in a temporary folder. Places the check's own findings do not "
        "point at are listed for information.",
    )
    validate.add_argument("key", metavar="KEY", help="the answer key (YAML)")
    validate.add_argument("--case", metavar="CASE", default=None, help="a case of the key's device")
    validate.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                          help="en or ja: the problems found (default: the --case's language, else en)")
    validate.set_defaults(func=cmd_validate)


def cmd_new(args: argparse.Namespace) -> int:
    from workbench.case import Case

    case = Case.open(args.case)
    with use_language(args.lang or getattr(case.info, "language", None)):
        return _new(args, case)


def _new(args: argparse.Namespace, case: Case) -> int:
    from workbench.training.draft import draft_key, write_new

    out = Path(args.out) if args.out else None
    device = os.path.relpath(case.path.resolve(), out.resolve().parent) if out else str(case.path.resolve())
    draft = draft_key(case, exercise=args.exercise, title=args.title, device=device, level=args.level,
                      stage=args.stage)
    text = draft.text(str(case.path))
    if out is None:
        sys.stdout.write(text)
    else:
        write_new(out, text)
    for note in draft.notes:
        print("workbench: " + tr("note: {note}", note=note), file=sys.stderr)
    if out is None:
        return 0
    answers = draft.key["answers"]
    defects = sum(len(a.get("defects", ())) for a in answers.values())
    print(tr("wrote {key}: {answers} answers, {defects} defects", key=out, answers=len(answers),
             defects=defects))
    print(tr("next: workbench exercise key validate {key}", key=out))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.training.key import load_key
    from workbench.training.start import start_exercise

    case = Case.open(args.case) if args.case else None
    with use_language(args.lang or (getattr(case.info, "language", None) if case else None)):
        if not Path(args.key).is_file():
            raise WorkbenchError(_("no such answer key"), path=args.key)
        try:
            key = load_key(args.key)
        except WorkbenchError as exc:
            print(tr("error: {problem}", problem=exc))
            print(_("key not valid: it does not load"))
            return 1
        if case is not None:
            return _report(key, case, args.case)
        with tempfile.TemporaryDirectory(prefix="workbench-key-") as folder:
            try:
                built = start_exercise(key, Path(folder) / "case", "key validate")
            except WorkbenchError as exc:
                print(tr("error: the key's device cannot be built: {problem}", problem=exc))
                print(tr("key not valid: {count} error(s)", count=1))
                return 1
            return _report(key, built, tr("{device} (built in a temporary folder)", device=key.device_spec()))


def _report(key: AnswerKey, case: Case, where: str) -> int:
    from workbench.training.validate import validate_key

    report = validate_key(key, case)
    print(tr("key {exercise}: checked against {where}", exercise=key.exercise, where=where))
    for line in report.errors:
        print(tr("error: {problem}", problem=line))
    for line in report.info:
        print(tr("info: {line}", line=line))
    if report.valid:
        print(tr("key valid: {places} places, all in the evidence", places=report.places))
        return 0
    print(tr("key not valid: {count} error(s)", count=len(report.errors)))
    return 1
