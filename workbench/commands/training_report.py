"""`workbench exercise report|refresher`: a cohort's page for the instructor, the yearly refresher's list."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.i18n import LANGUAGES, _, pad, tr, use_language

NAME_WIDTH = 24


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add this module's actions to `workbench exercise`."""
    report = subparsers.add_parser(
        "report", help="a cohort's page: scores, progress, most-missed requirements, qualification per level")
    report.add_argument("trainees", metavar="TRAINEES", help="folder of the trainees' exercise cases")
    report.add_argument("--course", required=True, metavar="COURSE", help="the course file (YAML)")
    report.add_argument("--out", default="cohort", metavar="DIR",
                        help="where to write cohort.html and cohort.json (default: ./cohort)")
    report.add_argument("--catalog", metavar="EDITION",
                        help="also list the exercises touching a requirement this edition changed")
    report.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                        help="en or ja: the page, cohort.json's texts and these lines (default: en)")
    report.set_defaults(func=cmd_report)

    refresh = subparsers.add_parser(
        "refresher", help="the exercises touching a requirement a new catalogue edition changed")
    refresh.add_argument("--course", required=True, metavar="COURSE", help="the course file (YAML)")
    refresh.add_argument("--catalog", required=True, metavar="EDITION",
                         help="the new edition (a name, or a lab catalogue's file or folder)")
    refresh.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                         help="en or ja: the titles and lines (default: en)")
    refresh.set_defaults(func=cmd_refresher)


def _shown(text: Any, width: int | None = None) -> str:
    """A name from a case as terminal text: control and bidi characters as escapes, cut to width."""
    from workbench.renewal.page import visible

    shown = str(visible(str(text)))
    return shown if width is None or len(shown) <= width else shown[: width - 1] + "…"


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The cohort's table as `workbench exercise report` prints it: a column per exercise, course order;
    its words in the current language."""
    course = data["course"]
    lines = [tr("Course {course}: {title} (qualification mark {mark:.0%})", course=course["id"],
                title=course["title"], mark=course["qualification_mark"])]
    for n, exercise in enumerate(course["exercises"], 1):
        stage = _("basics") if exercise["stage"] == "basics" else _("practice")
        lines.append(f"  {n}. {exercise['id']} {'★' * exercise['level']} {stage}")
    numbers = "".join(f"{n:>7}" for n in range(1, len(course["exercises"]) + 1))
    header = pad(_("TRAINEE"), NAME_WIDTH) + numbers
    lines += ["", header + "  " + pad(_("PASSED"), 6) + "  " + _("QUALIFIED")]
    for trainee in data["trainees"]:
        cells = "".join(f"{_cell(a):>7}" for a in trainee["exercises"])
        levels = [q["level"] for q in trainee["qualification"] if q["qualified"]]
        qualified = "★" * max(levels) if levels else "-"
        lines.append(f"{pad(_shown(trainee['name'], NAME_WIDTH), NAME_WIDTH)}{cells}  "
                     f"{trainee['progress']['passed']}/{trainee['progress']['total']:<5} {qualified}")
    if not data["trainees"]:
        lines.append(_("(no trainee's exercise case found)"))
    missed = ", ".join(f"{r['id']} ({r['count']})" for r in data["most_missed"][:5])
    most = tr("Most missed: {requirements}", requirements=missed) if missed else _("Most missed: none")
    lines += ["", most, _("(score %, * passed, - not attempted)")]
    lines += [tr("warning: {warning}", warning=w) for w in data["warnings"]]
    return lines


def _cell(attempt: dict[str, Any]) -> str:
    if not attempt["attempted"]:
        return "-"
    return f"{attempt['score']:.0%}{'*' if attempt['passed'] else ' '}"


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.training.cohort import write_report
    from workbench.training.course import load_course
    from workbench.training.refresher import refresher_lines

    course = load_course(args.course)
    out = Path(args.out)
    with use_language(args.lang):
        data = write_report(Path(args.trainees), course, out, args.catalog)
        print("\n".join(_shown(line) for line in summary_lines(data)))
        if data["refresher"]:
            print()
            print("\n".join(_shown(line) for line in refresher_lines(data["refresher"])))
    print(f"\n{out / 'cohort.html'}\n{out / 'cohort.json'}")
    return 0


def cmd_refresher(args: argparse.Namespace) -> int:
    from workbench.training.course import load_course
    from workbench.training.refresher import refresher, refresher_lines

    with use_language(args.lang):
        result = refresher(load_course(args.course), args.catalog)
        print("\n".join(_shown(line) for line in refresher_lines(result.to_dict())))
    return 0
