"""`workbench exercise start|grade`: a trainee's case from a sample device, graded against a key."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from workbench.commands import training_key, training_report
from workbench.i18n import LANGUAGES, N_, _, language, pad, tr, use_language

OUTCOME_WORDS = {
    "correct": N_("correct"),
    "missed": N_("MISSED DEFECT"),
    "false_alarm": N_("false alarm"),
    "inconclusive": N_("inconclusive"),
    "wrong": N_("wrong verdict"),
    "unanswered": N_("no verdict"),
}


def lang_option(parser: argparse.ArgumentParser, default: str) -> None:
    """`--lang en|ja`: the language of what the action prints and writes."""
    parser.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                        help=f"en or ja: the language of the texts (default: {default})")


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "exercise",
        help="training: start an exercise on a sample device, grade it against an instructor's key",
    )
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)
    sub = parser.add_subparsers(dest="exercise_command", metavar="ACTION")

    start = sub.add_parser("start", help="create the trainee's case from the key's sample device")
    start.add_argument("key", metavar="KEY", help="the instructor's answer key (YAML)")
    start.add_argument("case", metavar="CASE", help="folder of the trainee's case (must not exist)")
    start.add_argument("--trainee", required=True, metavar="NAME", help="the trainee's name")
    start.add_argument("--live", action="store_true",
                       help="also run the sample device's simulated live device and probe it into the case "
                            "(inside a private network namespace; skipped where none can be made)")
    lang_option(start, "en; it becomes the case's language")
    start.set_defaults(func=cmd_start)

    grade = sub.add_parser("grade", help="grade the verdicts recorded in a case; exit 1 if not passed")
    grade.add_argument("case", metavar="CASE", help="the trainee's case")
    grade.add_argument("key", metavar="KEY", help="the instructor's answer key (YAML)")
    grade.add_argument("--json", action="store_true", help="the grade as one JSON object")
    lang_option(grade, "the case's language")
    grade.set_defaults(func=cmd_grade)

    training_key.register(sub)
    training_report.register(sub)


def cmd_start(args: argparse.Namespace) -> int:
    from workbench.errors import WorkbenchError
    from workbench.training.key import load_key
    from workbench.training.start import live_variant, start_exercise

    key = load_key(args.key)
    variant = live_variant(key)
    if args.live and variant is None:
        with use_language(args.lang):
            raise WorkbenchError(_("the exercise's sample device names no simulated live device (no 'live' "
                                   "entry in its device.yaml): start it without --live"),
                                 path=str(key.device_spec()))
    case = start_exercise(key, Path(args.case), args.trainee, language=args.lang)
    with use_language(getattr(case.info, "language", None) or args.lang):
        return _started(args, key, case, variant)


def _started(args: argparse.Namespace, key: Any, case: Any, variant: str | None) -> int:
    from workbench.training.start import probe_live_device

    stars = "★" * key.level
    if key.stage == "basics":
        print(tr("exercise {exercise}: {title} ({stars}, basics)", exercise=key.exercise,
                 title=key.title_in(), stars=stars))
    else:
        print(tr("exercise {exercise}: {title} ({stars}, practice)", exercise=key.exercise,
                 title=key.title_in(), stars=stars))
    print(tr("case for {trainee}: {case} ({count} requirements graded, up to level {level})",
             trainee=args.trainee, case=case.path, count=len(key.answers), level=key.level))
    probe = probe_live_device(case, variant) if args.live and variant else None
    if probe is not None:
        print(probe.line)
        if probe.status == "skipped":
            print(_("the case holds the capture, the firmware image and the declaration only"))
    elif variant:
        print(_("this exercise has a simulated live device: start it with --live to probe it into the case"))
    folder, name = shlex.quote(args.case), shlex.quote(args.trainee)
    print(_("next:"))
    print("  " + tr("workbench lab {folder}   (the walk-through notebooks: the evidence of each requirement)",
                    folder=folder))
    print("  " + tr("record a verdict on every requirement up to {stars}, citing the packets, files or "
                    "declaration fields that prove it (the widget's evidence box, or `workbench case verdict "
                    "{folder} ID --verdict V --inspector {name} --evidence REF`)",
                    stars=stars, folder=folder, name=name))
    print("  " + tr("then hand in the case; your instructor grades it: workbench exercise grade {folder} KEY",
                    folder=folder))
    return 2 if probe is not None and probe.status == "failed" else 0


def cmd_grade(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.training.grade import grade_case
    from workbench.training.key import load_key

    key = load_key(args.key)
    case = Case.open(args.case)
    with use_language(args.lang or getattr(case.info, "language", None)):
        result = grade_case(case, key)
        if args.json:
            data = {**result.to_dict(), "language": language()}  # the language of its texts
            sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
            return 0 if result.passed else 1
        print("\n".join(scorecard_lines(result)))
    return 0 if result.passed else 1


def scorecard_lines(result: Any) -> list[str]:
    """A trainee's scorecard (a Grade) as `workbench exercise grade` prints it, in the current language."""
    lines = [tr("Exercise {exercise}: {title}", exercise=result.exercise, title=result.title),
             tr("Trainee: {trainee}   case: {case}", trainee=result.trainee, case=result.case)]
    figures = {"points": result.points, "max_points": result.max_points, "score": result.score,
               "mark": result.pass_mark, "missed": result.missed_defects,
               "allowed": result.max_missed_defects, "alarms": result.false_alarms,
               "found": result.defects_found, "planted": result.defects_planted}
    if result.passed:
        lines.append(tr("Score {points}/{max_points} ({score:.0%}) — PASSED (pass mark {mark:.0%}; missed "
                        "defects {missed}, at most {allowed} allowed; false alarms {alarms}; defects proven "
                        "{found}/{planted})", **figures))
    else:
        lines.append(tr("Score {points}/{max_points} ({score:.0%}) — NOT PASSED (pass mark {mark:.0%}; "
                        "missed defects {missed}, at most {allowed} allowed; false alarms {alarms}; defects "
                        "proven {found}/{planted})", **figures))
    lines += ["  " + tr("not passed: {reason}", reason=reason) for reason in result.shortfalls()]
    lines.append(_("A defect counts as found when a right verdict cites its evidence (a packet of its flow, "
                   "its file, its declaration field).") + "\n")
    lines.append(pad(_("ID"), 9) + pad(_("EXPECTED"), 16) + pad(_("GIVEN"), 16) + pad(_("OUTCOME"), 15)
                 + _("POINTS"))
    for row in result.requirements:
        lines.append(pad(row.requirement_id, 9) + pad(row.expected, 16) + pad(row.given or "-", 16)
                     + pad(_(OUTCOME_WORDS[row.outcome]), 15) + f"{row.points}/{row.max_points}")
        for defect_id, ref in row.found.items():
            lines.append(" " * 9 + tr("found {defect}: {ref}", defect=defect_id, ref=ref))
        if row.not_cited:
            lines.append(" " * 9 + tr("not found: {defects}", defects=", ".join(row.not_cited)))
    return lines
