"""`workbench exercise start|grade`: a trainee's case from a sample device, graded against a key."""

from __future__ import annotations

import argparse
import json
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
    start.set_defaults(func=cmd_start)

    grade = sub.add_parser("grade", help="grade the verdicts recorded in a case; exit 1 if not passed")
    grade.add_argument("case", metavar="CASE", help="the trainee's case")
    grade.add_argument("key", metavar="KEY", help="the instructor's answer key (YAML)")
    grade.add_argument("--json", action="store_true", help="the grade as one JSON object")
    grade.set_defaults(func=cmd_grade)

    training_key.register(sub)
    training_report.register(sub)


def cmd_start(args: argparse.Namespace) -> int:
    from workbench.training.key import load_key
    from workbench.training.start import start_exercise

    key = load_key(args.key)
    case = start_exercise(key, Path(args.case), args.trainee)
    print(f"exercise {key.exercise}: {key.title}")
    print(f"case for {args.trainee}: {case.path} "
          f"({len(key.answers)} requirements graded, up to level {key.level})")
    print(f"next: workbench lab {args.case}   then: workbench exercise grade {args.case} KEY")
    return 0


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
          f"at most {result.max_missed_defects} allowed)\n")
    print(f"{'ID':<9}{'EXPECTED':<16}{'GIVEN':<16}{'OUTCOME':<15}{'POINTS':<8}DEFECTS NOT CITED")
    for row in result.requirements:
        missing = ", ".join(row.not_cited) or "-"
        print(f"{row.requirement_id:<9}{row.expected:<16}{row.given or '-':<16}"
              f"{OUTCOME_WORDS[row.outcome]:<15}{row.points}/{row.max_points:<6}{missing}")
    return 0 if result.passed else 1
