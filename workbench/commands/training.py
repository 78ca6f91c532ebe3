"""`workbench exercise start|grade`: a trainee's case from a sample device, graded against a key."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from workbench.commands import training_key, training_report

OUTCOME_WORDS = {
    "correct": "correct",
    "missed": "MISSED DEFECT",
    "false_alarm": "false alarm",
    "inconclusive": "inconclusive",
    "wrong": "wrong verdict",
    "unanswered": "no verdict",
}


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
    start.set_defaults(func=cmd_start)

    grade = sub.add_parser("grade", help="grade the verdicts recorded in a case; exit 1 if not passed")
    grade.add_argument("case", metavar="CASE", help="the trainee's case")
    grade.add_argument("key", metavar="KEY", help="the instructor's answer key (YAML)")
    grade.add_argument("--json", action="store_true", help="the grade as one JSON object")
    grade.set_defaults(func=cmd_grade)

    training_key.register(sub)
    training_report.register(sub)


def cmd_start(args: argparse.Namespace) -> int:
    from workbench.errors import WorkbenchError
    from workbench.training.key import load_key
    from workbench.training.start import live_variant, probe_live_device, start_exercise

    key = load_key(args.key)
    variant = live_variant(key)
    if args.live and variant is None:
        raise WorkbenchError("the exercise's sample device names no simulated live device (no 'live' entry "
                             "in its device.yaml): start it without --live", path=str(key.device_spec()))
    case = start_exercise(key, Path(args.case), args.trainee)
    print(f"exercise {key.exercise}: {key.title} ({'★' * key.level}, {key.stage})")
    print(f"case for {args.trainee}: {case.path} "
          f"({len(key.answers)} requirements graded, up to level {key.level})")
    probe = probe_live_device(case, variant) if args.live and variant else None
    if probe is not None:
        print(probe.line)
        if probe.status == "skipped":
            print("the case holds the capture, the firmware image and the declaration only")
    elif variant:
        print("this exercise has a simulated live device: start it with --live to probe it into the case")
    folder, name = shlex.quote(args.case), shlex.quote(args.trainee)
    print("next:")
    print(f"  workbench lab {folder}   (the walk-through notebooks: the evidence of each requirement)")
    print(f"  record a verdict on every requirement up to {'★' * key.level}, citing the packets, files or "
          f"declaration fields that prove it (the widget's evidence box, or `workbench case verdict {folder} "
          f"ID --verdict V --inspector {name} --evidence REF`)")
    print(f"  then hand in the case; your instructor grades it: workbench exercise grade {folder} KEY")
    return 2 if probe is not None and probe.status == "failed" else 0


def cmd_grade(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.training.grade import grade_case
    from workbench.training.key import load_key

    key = load_key(args.key)
    result = grade_case(Case.open(args.case), key)
    if args.json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return 0 if result.passed else 1
    state = "PASSED" if result.passed else "NOT PASSED"
    print(f"Exercise {result.exercise}: {result.title}")
    print(f"Trainee: {result.trainee}   case: {result.case}")
    print(f"Score {result.points}/{result.max_points} ({result.score:.0%}) — {state} "
          f"(pass mark {result.pass_mark:.0%}; missed defects {result.missed_defects}, "
          f"at most {result.max_missed_defects} allowed; false alarms {result.false_alarms}; "
          f"defects proven {result.defects_found}/{result.defects_planted})")
    for reason in result.shortfalls():
        print(f"  not passed: {reason}")
    print("A defect counts as found when a right verdict cites its evidence (a packet of its flow, "
          "its file, its declaration field).\n")
    print(f"{'ID':<9}{'EXPECTED':<16}{'GIVEN':<16}{'OUTCOME':<15}POINTS")
    for row in result.requirements:
        print(f"{row.requirement_id:<9}{row.expected:<16}{row.given or '-':<16}"
              f"{OUTCOME_WORDS[row.outcome]:<15}{row.points}/{row.max_points}")
        for defect_id, ref in row.found.items():
            print(f"{'':<9}found {defect_id}: {ref}")
        if row.not_cited:
            print(f"{'':<9}not found: {', '.join(row.not_cited)}")
    return 0 if result.passed else 1
