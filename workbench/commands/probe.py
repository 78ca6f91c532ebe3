"""`workbench probe CASE`: test the running device itself, with every packet captured as evidence.

The only target is an address the case records for the device (`--device-ip` when the case was made,
`workbench case address CASE IP` later); broadcast, multicast and unspecified addresses are refused.
`--dry-run` prints the plan (target, tests, ports, attempts, rates, budgets) and sends nothing. A run
adds two read-only artefacts to the case: the probe's capture and its results; the checks then judge
from them (`workbench run CASE`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def plan_text(plan: Any) -> str:
    lines = [
        f"Probe plan: target {plan.target} ({plan.profile} profile), evidence capture on {plan.interface}",
        f"Declared ports: {', '.join(f'{t}/{p}' for t, p in plan.declared_ports) or '(none declared)'}",
        "",
        f"{'TEST':<20} {'TOOL':<22} {'RATE':>8} {'BUDGET':>8}  WHAT",
    ]
    for test in plan.tests:
        lines.append(
            f"{test.name:<20} {_tool(test):<22} {test.rate_per_s:>6g}/s {test.budget_s:>7g}s"
            f"  {test.describe(plan.profile)}"
        )
    lines.append("")
    lines.append(
        f"Credentials tried: {len(plan.credentials)} pairs"
        f" ({sum(c.source == 'firmware' for c in plan.credentials)} for the firmware's own accounts)"
    )
    lines.append(
        f"Expected duration: at most {plan.expected_seconds():.0f} s (each test stops at its budget)"
    )
    lines.append(plan.access_line())
    lines += [f"note: {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def _tool(test: Any) -> str:
    return test.tool if len(test.tool) <= 22 else test.tool.split(",")[0] + ", ..."


def cmd_probe(args: argparse.Namespace) -> int:
    from workbench.case import Case
    from workbench.probing import outcome_text, plan_for, probe_case

    case = Case.open(args.path)
    plan = plan_for(case, args.target, args.profile, args.catalog, args.interface, args.access)
    if args.dry_run:
        sys.stdout.write(json.dumps(plan.to_json(), indent=2) + "\n" if args.json else plan_text(plan))
        return 0
    if not args.yes and sys.stdin.isatty():
        sys.stdout.write(plan_text(plan))
        if input(f"Probe {plan.target} now? [y/N] ").strip().lower() not in ("y", "yes"):
            print("nothing sent")
            return 1
    outcome = probe_case(case, plan, progress=_progress_bar(len(plan.tests)), added_by=args.by)
    if args.json:
        sys.stdout.write(
            json.dumps(
                {
                    "results": outcome.results.name,
                    "capture": outcome.capture.name,
                    "tests": [
                        {"name": t.name, "status": str(t.status), "detail": t.detail}
                        for t in outcome.summary.tests
                    ],
                },
                indent=2,
            )
            + "\n"
        )
    else:
        sys.stdout.write(outcome_text(outcome))
    return 0


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="test", file=sys.stderr, disable=None, leave=False)

    def progress(name: str, event: str) -> None:
        if event == "start":
            bar.set_description(name)
        else:
            bar.update(1)
            if bar.n >= total:
                bar.close()

    return progress


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    probe = subparsers.add_parser(
        "probe",
        parents=[common],
        help="test the running device (ports, TLS, logins, brute force), captured as evidence",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    probe.add_argument("path", metavar="CASE")
    probe.add_argument(
        "--target",
        default=None,
        metavar="IP",
        help="the address to probe (must be recorded in the case; default: its only one)",
    )
    probe.add_argument(
        "--profile",
        choices=("quick", "full"),
        default="quick",
        help="quick: common ports; full: every TCP port (default: quick)",
    )
    probe.add_argument(
        "--access",
        type=Path,
        default=None,
        metavar="FILE",
        help="the manufacturer's test access (shell, logs, update, password change; default:"
        " CASE/test-access.yaml if present)",
    )
    probe.add_argument("--interface", default=None, metavar="IF", help="capture here (default: the route's)")
    probe.add_argument("--dry-run", action="store_true", help="print the plan; send nothing")
    probe.add_argument("--yes", action="store_true", help="do not ask before sending")
    probe.add_argument("--by", default=None, metavar="NAME", help="who runs it (default: $USER)")
    probe.add_argument("--json", action="store_true", help="machine-readable output")
    probe.set_defaults(func=cmd_probe)
