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
    validate.set_defaults(func=cmd_validate)


def cmd_new(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.training.draft import draft_key, write_new

    case = Case.open(args.case)
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
        print(f"workbench: note: {note}", file=sys.stderr)
    if out is None:
        return 0
    answers = draft.key["answers"]
    defects = sum(len(a.get("defects", ())) for a in answers.values())
    print(f"wrote {out}: {len(answers)} answers, {defects} defects")
    print(f"next: workbench exercise key validate {out}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.training.key import load_key
    from workbench.training.start import start_exercise

    if not Path(args.key).is_file():
        raise WorkbenchError("no such answer key", path=args.key)
    try:
        key = load_key(args.key)
    except WorkbenchError as exc:
        print(f"error: {exc}")
        print("key not valid: it does not load")
        return 1
    if args.case:
        return _report(key, Case.open(args.case), args.case)
    with tempfile.TemporaryDirectory(prefix="workbench-key-") as folder:
        try:
            case = start_exercise(key, Path(folder) / "case", "key validate")
        except WorkbenchError as exc:
            print(f"error: the key's device cannot be built: {exc}")
            print("key not valid: 1 error(s)")
            return 1
        return _report(key, case, f"{key.device_spec()} (built in a temporary folder)")


def _report(key: AnswerKey, case: Case, where: str) -> int:
    from workbench.training.validate import validate_key

    report = validate_key(key, case)
    print(f"key {key.exercise}: checked against {where}")
    for line in report.errors:
        print(f"error: {line}")
    for line in report.info:
        print(f"info: {line}")
    if report.valid:
        print(f"key valid: {report.places} places, all in the evidence")
        return 0
    print(f"key not valid: {len(report.errors)} error(s)")
    return 1
