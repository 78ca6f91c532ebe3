"""`workbench case compare|renew|carry`: re-inspection of a new firmware version or catalogue edition."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.case import Case
from workbench.commands.caselang import in_case_language
from workbench.errors import CaseError
from workbench.i18n import _, tr

SHOWN_REASON = 90  # characters of a carry reason in the terminal table (--json and the page hold all)


def _not_an_exercise(*folders: Any) -> None:
    """Comparing, renewing and carrying show or record the checks' proposals: inspector tools, never run on
    a trainee's exercise case (whose notebooks hide those proposals)."""
    for folder in folders:
        if folder is None or not (Path(folder) / "case.yaml").is_file():
            continue  # not a case: the command itself says so
        if Case.open(folder).info.exercise is not None:
            raise CaseError("a trainee's exercise case: compare, renew and carry show the checks' proposals, "
                            "which an exercise hides; grade it with `workbench exercise grade`",
                            path=str(folder))


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Adds the re-inspection actions to `workbench case`."""
    compare = sub.add_parser(
        "compare", parents=[common], help="two cases of a device, requirement by requirement",
        description="Judge both cases (each with its own catalogue; --catalog judges NEW with that one) and "
        "show per requirement the old and new verdict, what was fixed, what is new, and whether the old "
        "inspector verdict can carry over or must be redone, with the reason. Exit 0; 2 on an error.",
    )
    compare.add_argument("old", metavar="OLD", help="the earlier case (e.g. the previous firmware version)")
    compare.add_argument("new", metavar="NEW", help="the later case")
    compare.add_argument("--json", action="store_true", help="the comparison as JSON on standard output")
    compare.add_argument("--out", metavar="FILE.html", default=None, help="also write the HTML page there")
    compare.add_argument("--wide", action="store_true", help="the reasons uncut in the terminal table")
    compare.set_defaults(func=cmd_compare)

    renew = sub.add_parser(
        "renew", parents=[common], help="a new case for a new firmware version or edition, with its plan",
        description="Create NEW from OLD: case.yaml as OLD's (with --firmware-version and --catalog as "
        "given), every artefact of OLD by hash except those of a kind given (--firmware replaces OLD's "
        "images, --capture its captures), the declaration (or --declaration). Writes NEW/renewal.json, the "
        "plan: which inspector verdicts of OLD may carry over (offered, recorded only by `workbench case "
        "carry`), which must be redone, which requirements are new. No verdict is copied; OLD is unchanged. "
        "`--update NEW` re-plans an existing renewal after the old case's verdicts changed.",
    )
    renew.add_argument("old", metavar="OLD", nargs="?")
    renew.add_argument("new", metavar="NEW", nargs="?", help="folder to create (must not exist or be empty)")
    renew.add_argument("--update", metavar="NEW", default=None,
                       help="re-plan the renewed case NEW against its old case as both are now (renewal.json "
                       "only: NEW's artefacts and verdicts are kept)")
    renew.add_argument("--old", dest="old_case", metavar="OLD", default=None,
                       help="with --update: the old case, when it is not where the plan says")
    renew.add_argument("--firmware", action="append", default=[], metavar="FILE",
                       help="the new firmware image (repeatable; replaces OLD's images)")
    renew.add_argument("--capture", action="append", default=[], metavar="FILE",
                       help="a new capture (repeatable; replaces OLD's captures)")
    renew.add_argument("--declaration", default=None, metavar="FILE", help="the new declaration")
    renew.add_argument("--firmware-version", default=None, metavar="V", help="default: OLD's")
    renew.add_argument("--inspector", default=None, metavar="NAME",
                       help="who renews: added to NEW's inspectors (carrying verdicts is `case carry`)")
    renew.set_defaults(func=cmd_renew)

    carry = sub.add_parser(
        "carry", parents=[common], help="record offered verdicts of a renewal, confirmed by an inspector",
        description="For each requirement the renewal plan offers (IDs, or --all), check the offer again "
        "against both cases as they are now and record a NEW verdict in NEW: the old verdict and rationale, "
        "naming the old record (carried_from) and NAME as the inspector who confirms it. Exit 0 when every "
        "one asked for was recorded; 1 when one was refused (the reason is printed); 2 on an error.",
    )
    carry.add_argument("new", metavar="NEW", help="the renewed case (with renewal.json)")
    carry.add_argument("ids", metavar="ID", nargs="*", help="the requirements to carry")
    carry.add_argument("--all", action="store_true", help="every requirement offered")
    carry.add_argument("--inspector", required=True, metavar="NAME", help="the inspector who confirms")
    carry.add_argument("--old", dest="old_case", metavar="OLD", default=None,
                       help="the old case, when it is not where the plan says (it must be that case)")
    carry.set_defaults(func=cmd_carry)


def cmd_compare(args: argparse.Namespace) -> int:
    from workbench.fsutil import atomic_write_text
    from workbench.renewal.compare import compare_cases
    from workbench.renewal.page import render_comparison

    _not_an_exercise(args.old, args.new)
    with in_case_language(args.new) as new:  # the new case's language
        return _compare(args, new, compare_cases, render_comparison, atomic_write_text)


def _compare(args: argparse.Namespace, new: Case, compare_cases: Any, render_comparison: Any,
             atomic_write_text: Any) -> int:
    comparison = compare_cases(Case.open(args.old), new, catalog=args.catalog, given=(args.old, args.new))
    data = comparison.to_json()
    _warn(data["warnings"])
    if args.out:
        try:
            atomic_write_text(Path(args.out), render_comparison(data))
        except OSError as exc:
            raise CaseError(f"cannot write the page: {exc.strerror or exc}", path=args.out) from None
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(tr("{old} ({old_edition}) → {new} ({new_edition}), level {level}", old=data["old"]["device"],
             old_edition=data["old"]["catalog_edition"], new=data["new"]["device"],
             new_edition=data["new"]["catalog_edition"], level=data["level"]))
    cut = (lambda text: text) if args.wide else _short
    rows = [(r["id"], r["old_verdict"] or "—", r["new_verdict"] or "—", r["status"], r["carry"], cut(_why(r)))
            for r in data["requirements"]]
    print(_table(("ID", _("OLD"), _("NEW"), _("STATUS"), _("CARRY"), _("WHY")), rows))
    print(_tally(data["summary"]))
    if args.out:
        print(tr("page: {path}", path=args.out))
    return 0


def _why(row: dict[str, Any]) -> str:
    """What the WHY column says: the first fixed or new finding of a fixed or new-defect row, else the
    carry reason (none when there is no inspector verdict to carry)."""
    findings = {"fixed": row["fixed_findings"], "new-defect": row["new_only_findings"]}.get(row["status"])
    if findings:
        return str(findings[0]["summary"])
    return row["carry_reason"] if row["carry"] != "none" else ""


def cmd_renew(args: argparse.Namespace) -> int:
    from workbench.renewal.plan import load_plan
    from workbench.renewal.renew import renew_case

    _not_an_exercise(args.update, args.old, args.old_case)
    if args.update is not None:
        return _update(args)
    if args.old is None or args.new is None:
        raise CaseError("name the old case and the new folder (OLD NEW), or --update NEW to re-plan one")
    if args.old_case is not None:
        raise CaseError("--old goes with --update (the old case of a renewal that moved)")
    with in_case_language(args.old) as old:
        return _renew(args, old, renew_case, load_plan)


def _renew(args: argparse.Namespace, old: Case, renew_case: Any, load_plan: Any) -> int:
    new = renew_case(
        old, args.new, firmware=args.firmware, captures=args.capture, declaration=args.declaration,
        catalog=args.catalog, firmware_version=args.firmware_version, inspector=args.inspector,
    )
    plan = load_plan(new) or {"requirements": [], "artefacts": []}
    _warn(plan.get("warnings") or [])
    print(tr("renewed {old} → {new} ({vendor} {model} {firmware}, catalogue {edition})", old=args.old,
             new=args.new, vendor=new.info.vendor, model=new.info.model, firmware=new.info.firmware_version,
             edition=new.info.catalog_edition))
    for item in plan["artefacts"]:
        said = {"name": item["name"], "reason": item["reason"]}
        if item["carried"]:
            print("  " + tr("{name}: carried over ({reason})", **said))
        else:
            print("  " + tr("{name}: not carried ({reason})", **said))
    _print_plan(plan, args.new)
    return 0


def _update(args: argparse.Namespace) -> int:
    from workbench.renewal.replan import update_plan

    given = [name for name, value in (("OLD NEW", args.old), ("--firmware", args.firmware),
                                      ("--capture", args.capture), ("--declaration", args.declaration),
                                      ("--firmware-version", args.firmware_version),
                                      ("--inspector", args.inspector), ("--catalog", args.catalog)) if value]
    if given:
        raise CaseError(f"--update re-plans NEW as it is: {', '.join(given)} cannot go with it")
    with in_case_language(args.update) as case:
        plan = update_plan(case, args.old_case)
        _warn(plan.get("warnings") or [])
        origin = plan["from"]
        print(tr("re-planned {case} against {old} ({device}) as both are now", case=args.update,
                 old=origin["case"], device=origin["device"]))
        _print_plan(plan, args.update)
    return 0


def _print_plan(plan: dict[str, Any], new: str) -> None:
    decided = [i for i in plan["requirements"] if i.get("old_record")]
    rows = [(i["id"], i["plan"], i["old_record"].get("verdict") or "", i["old_record"].get("inspector") or "",
             _short(i["reason"])) for i in decided]
    if rows:
        print(_table(("ID", _("PLAN"), _("OLD VERDICT"), _("BY"), _("WHY")), rows))
    others = len(plan["requirements"]) - len(decided)
    print(tr("{n} requirement(s) without an inspector verdict in OLD, or new: judged anew in NEW", n=others))
    offered = [i["id"] for i in plan["requirements"] if i["plan"] == "carry-offered"]
    if offered:
        command = f"workbench case carry {new} {' '.join(offered)} --inspector NAME"
        print(tr("{n} verdict(s) offered; nothing was copied. To carry them: {command}", n=len(offered),
                 command=command))


def cmd_carry(args: argparse.Namespace) -> int:
    from workbench.renewal.confirm import carry_verdicts

    if args.all and args.ids:
        raise CaseError("name the requirements to carry, or --all (not both)")
    if not args.all and not args.ids:
        raise CaseError("name the requirements to carry, or --all")
    ids = None if args.all else args.ids
    _not_an_exercise(args.new, args.old_case)
    with in_case_language(args.new) as new:
        done = carry_verdicts(new, ids, args.inspector, old=args.old_case)
        for record in done:
            origin = record.carried_from or {}
            print(tr("carried {id}: {verdict}, confirmed by {inspector} (from {record} by {other})",
                     id=record.requirement_id, verdict=record.verdict, inspector=record.inspector,
                     record=origin.get("record"), other=origin.get("inspector")))
        for rid, record in done.already.items():
            print(tr("already carried {id} (record {record}): nothing recorded again", id=rid, record=record))
        for rid, why in done.refused.items():
            print(tr("refused {id}: {why}", id=rid, why=why))
        if not done and not done.refused and not done.already:
            print(_("no verdict is offered in the renewal plan"))
    return 1 if done.refused else 0


def _warn(warnings: list[str]) -> None:
    for line in warnings:
        print(tr("warning: {warning}", warning=line), file=sys.stderr)


def _short(text: str) -> str:
    return text if len(text) <= SHOWN_REASON else text[: SHOWN_REASON - 1] + "…"


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    from workbench.i18n import display_width, pad

    widths = [max(display_width(str(x)) for x in column) for column in zip(head, *rows, strict=False)]
    lines = ["  ".join(pad(str(v), w) for v, w in zip(line, widths, strict=True)).rstrip()
             for line in (head, *rows)]
    return "\n".join(lines)


def _tally(summary: dict[str, dict[str, int]]) -> str:
    """The counts per status and per carry (codes, as in the table and the JSON)."""
    said = "; ".join(tr("{n} {status}", n=n, status=status) for status, n in summary["status"].items() if n)
    carried = [tr("{n} {status}", n=n, status=carry) for carry, n in summary["carry"].items()
               if n and carry != "none"]
    if carried:
        return tr("{counts} — inspector verdicts: {carried}", counts=said, carried=", ".join(carried))
    return said
