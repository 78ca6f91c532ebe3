"""`workbench check ID [CASE]`: where a requirement lives, and what its check says about a case.

Without a case: the requirement's home — its check module, its notebook page, the parameters the
check reads with the catalogue's values, its notebook and its tests. With a case: the check run on
the case's evidence (from the analysis cache), its verdict, reasons and findings with their evidence.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from workbench.checks.page import PAGES_DIR
from workbench.checks.registry import unit
from workbench.errors import CaseError
from workbench.i18n import LANGUAGES, tr
from workbench.judgement.status import terminal_text

ROOT = Path(__file__).resolve().parents[2]


def home(requirement_id: str, catalog: Any) -> dict[str, Any]:
    """Where the requirement's check, page, notebook and tests are, and the parameters it reads."""
    found = unit(requirement_id)
    module_file = Path(found.module.__file__ or "")
    requirement = catalog.get(requirement_id)
    tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob(f"test_{found.module_name}.py"))
    return {
        "id": requirement_id,
        "title": requirement.title,
        "module": str(module_file.relative_to(ROOT) if module_file.is_relative_to(ROOT) else module_file),
        "check": found.check.__name__,
        "page": str(PAGES_DIR.relative_to(ROOT) / f"{found.module_name}.page.yaml"),
        "needs": sorted(str(k) for k in found.check.needs),
        "optional": sorted(str(k) for k in found.check.optional),
        "parameters": {name: (requirement.parameters or {}).get(name) for name in found.check.parameters},
        "catalog_edition": str(catalog.edition),
        "notebook": f"notebooks/{requirement_id}.ipynb",
        "tests": tests,
    }


def _home_text(info: dict[str, Any]) -> str:
    lines = [
        f"{info['id']}: {info['title']}",
        f"  check                    {info['module']} ({info['check']})",
        f"  notebook page            {info['page']}",
        f"  evidence                 needs {', '.join(info['needs']) or '-'};"
        f" optional {', '.join(info['optional']) or '-'}",
        f"  notebook                 {info['notebook']}",
        f"  tests                    {', '.join(info['tests']) or '(none)'}",
        f"  parameters (catalogue {info['catalog_edition']}):",
    ]
    lines += [f"    {name} = {value!r}" for name, value in info["parameters"].items()] or ["    (none)"]
    return "\n".join(lines) + "\n"


def _result_text(result: Any) -> str:
    """The check's result in the current language (its reasons and findings were made in it)."""
    from workbench.case.artefacts import kind_name

    lines = [tr("{id}: proposed verdict {verdict}", id=result.requirement_id, verdict=result.verdict)]
    lines += [f"  - {terminal_text(reason)}" for reason in result.reasons]
    for number, finding in enumerate(result.findings, 1):
        lines.append("  " + tr("finding {number} [{severity}] {summary}", number=number,
                               severity=finding.severity, summary=terminal_text(finding.summary)))
        lines += ["      " + tr("evidence: {reference}", reference=terminal_text(ref.label()))
                  for ref in finding.evidence]
    if result.missing_evidence:
        names = ", ".join(kind_name(k) for k in result.missing_evidence)
        lines.append("  " + tr("missing evidence: {names}", names=names))
    return "\n".join(lines) + "\n"


def cmd_check(args: argparse.Namespace) -> int:
    from workbench.catalog import load_catalog

    rid = args.id.strip().upper()
    if not args.case:
        info = home(rid, load_catalog(args.catalog))
        sys.stdout.write(json.dumps(info, indent=2) + "\n" if args.json else _home_text(info))
        return 0
    from workbench.case.exercise import answers_hidden
    from workbench.checks.context import EvidenceContext
    from workbench.commands.caselang import in_case_language

    with in_case_language(args.case, args.lang) as case:  # the check's reasons are made in it
        if answers_hidden(case, rid):
            raise CaseError(
                "a trainee's exercise case: the check's proposal stays hidden until you record your verdict "
                "(and then shows only when the exercise allows feedback)",
                path=str(args.case),
            )
        result = unit(rid).check().run(EvidenceContext.for_case(args.case, rid, args.catalog))
        if args.json:
            sys.stdout.write(json.dumps(result.to_dict(), indent=2, default=str) + "\n")
        else:
            sys.stdout.write(_result_text(result))
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    check = subparsers.add_parser(
        "check",
        parents=[common],
        help="where a requirement's check, page and tests are; or run its check on a case",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("id", metavar="ID", help="requirement id, e.g. COM-02")
    check.add_argument("case", metavar="CASE", nargs="?", default=None, help="a case to run the check on")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                       help="with CASE: the language of the check's reasons, en or ja (default: the case's)")
    check.set_defaults(func=cmd_check)
