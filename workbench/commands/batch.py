"""`workbench run` and `workbench verify`."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from workbench.batch.paths import NOTEBOOKS_DIR
from workbench.errors import WorkbenchError
from workbench.i18n import LANGUAGES, N_, _, tr, use_language


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    run = subparsers.add_parser(
        "run",
        parents=[common],
        help="execute every applicable notebook of a case and seal an evidence bundle",
        description="Execute every applicable notebook of a device case in parallel, render each to "
        "self-contained HTML, and write index.html, results.json, manifest.json and a zip.",
    )
    run.add_argument("cases", nargs="+", metavar="CASE",
                     help="device case folders: one bundle each; a case that cannot run is a row of the "
                     "summary and the others go on")
    run.add_argument("--out", required=True, metavar="DIR", help="folder that receives the bundles")
    run.add_argument("--level", type=int, choices=(1, 2, 3), help="highest level to inspect "
                     "(default: the case's target level)")
    run.add_argument("--jobs", type=_positive, default=None, metavar="N",
                     help="parallel notebooks (default: the number of CPUs)")
    run.add_argument("--with-code", action="store_true", help="keep code cells in the HTML (audit)")
    run.add_argument("--only", metavar="ID,...", help="run only these requirement ids")
    run.add_argument("--notebooks", metavar="DIR", default=None,
                     help=f"notebooks folder (default: {NOTEBOOKS_DIR})")
    run.add_argument("--timeout", type=_positive, default=600, metavar="SECONDS",
                     help="limit per notebook cell (default: 600)")
    run.add_argument("--fail-on", action="append", default=[], metavar="OUTCOME[,OUTCOME]",
                     type=_outcomes,
                     help="exit 1 when any requirement up to the level has this outcome: fail, pending "
                     "(undecided: PENDING, INCONCLUSIVE or a stale verdict) or error; repeatable or "
                     "comma-separated (default: exit 0 whatever the verdicts)")
    run.add_argument("--strict", action="store_true",
                     help="exit 1 if any requirement run is ERROR (also one above the level named by --only)")
    run.add_argument("--with-artefacts", action="store_true",
                     help="archive the case's artefacts in the bundle (artefacts/), so that it can be "
                     "reproduced on its own (workbench reproduce)")
    run.add_argument("--sign", metavar="KEY", default=None,
                     help="sign the bundle's manifest with this key (workbench key new)")
    run.add_argument("--lang", default=None, choices=LANGUAGES, metavar="LANG",
                     help="the bundle's language, en or ja: checks' reasons, notebooks, pages and these "
                     "summary lines (default: each case's language)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--cluster", type=_local_cluster, default=None, metavar="local:N",
                       help="run on a Dask LocalCluster of N workers started for this run")
    where.add_argument("--scheduler", type=_scheduler_url, default=None, metavar="tcp://HOST:PORT",
                       help="run on the Dask cluster of this scheduler (`dask scheduler`, `dask worker`)")
    run.set_defaults(func=cmd_run)

    verify = subparsers.add_parser(
        "verify",
        help="check an evidence bundle (.zip or folder): its integrity, and with --trust who sealed it",
        description="Recompute every hash of an evidence bundle against its manifest; name every file "
        "that changed, is missing or was added. With --trust, also check the bundle's signature against "
        "the public keys given (who sealed it). Prints INTEGRITY OK|FAILED and SIGNATURE OK|FAILED|NOT "
        "CHECKED; exit 1 on any difference or, with --trust, a signature that fails.",
    )
    verify.add_argument("bundle", metavar="BUNDLE", help="a bundle .zip or an unpacked bundle folder")
    verify.add_argument("--quiet", action="store_true", help="print only differences")
    verify.add_argument("--case", metavar="DIR", default=None,
                        help="also check that this case's artefacts and records still match the inputs "
                        "the bundle was made from")
    verify.add_argument("--trust", nargs="+", action="extend", default=[], metavar="PUB.json",
                        help="public key files (workbench key new's STEM.pub.json) of the labs trusted to "
                        "seal bundles, after BUNDLE; the bundle must be signed by one of them")
    verify.set_defaults(func=cmd_verify)


FAIL_ON = ("fail", "pending", "error")


def _outcomes(text: str) -> list[str]:
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    unknown = [w for w in words if w not in FAIL_ON]
    if unknown or not words:
        raise argparse.ArgumentTypeError(f"expected fail, pending or error, not {text!r}")
    return words


UNDECIDED = frozenset({"PENDING", "INCONCLUSIVE"})  # nobody has decided, or the evidence did not allow it


def failing_rows(rows: list[Any], outcomes: set[str], level: int) -> dict[str, list[str]]:
    """The requirement ids up to `level` that make `--fail-on` fail, per outcome asked for: `fail` a
    current FAIL, `error` an ERROR, `pending` anything undecided (PENDING, INCONCLUSIVE, or stale)."""
    hits: dict[str, list[str]] = {}
    for row in rows:
        if row.level > level:
            continue
        verdict = str(row.verdict)
        if verdict == "ERROR":
            outcome = "error"
        elif verdict in UNDECIDED or row.stale:
            outcome = "pending"
        else:
            outcome = "fail" if verdict == "FAIL" else ""
        if outcome in outcomes:
            hits.setdefault(outcome, []).append(row.id)
    return hits


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _local_cluster(text: str) -> str:
    """`local:N`, N >= 1 workers of a LocalCluster."""
    kind, _, count = text.partition(":")
    if kind != "local" or not count.isdigit() or int(count) < 1:
        raise argparse.ArgumentTypeError(f"expected local:N with N at least 1, not {text!r}")
    return f"local:{int(count)}"


def _scheduler_url(text: str) -> str:
    """`tcp://HOST:PORT`, a Dask scheduler's address."""
    from urllib.parse import urlsplit

    try:
        url = urlsplit(text)
        port = url.port
    except ValueError:
        port = None
    if url.scheme != "tcp" or not url.hostname or port is None or url.username or url.password \
            or url.path or url.query or url.fragment:
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT, not {text!r}")
    return text


def _command_line(args: argparse.Namespace, case: str | None) -> str:
    """The command line as one bundle records it: `case` alone (None: the cases left out)."""
    parts = ["workbench", "run", *([case] if case is not None else []), "--out", args.out]
    for flag, value in (("--level", args.level), ("--jobs", args.jobs), ("--only", args.only),
                        ("--notebooks", args.notebooks), ("--catalog", args.catalog),
                        ("--timeout", args.timeout), ("--cluster", args.cluster),
                        ("--scheduler", args.scheduler), ("--lang", args.lang)):
        if value is not None:
            parts += [flag, str(value)]
    for flag, on in (("--with-code", args.with_code), ("--strict", args.strict),
                     ("--with-artefacts", args.with_artefacts)):
        if on:
            parts.append(flag)
    for words in args.fail_on:
        parts += ["--fail-on", ",".join(words)]
    if args.sign:
        parts += ["--sign", "KEY"]  # the key's path is the signer's business; signature.json names the key
    return shlex.join(parts)


def refuse_exercise(case_dir: Path) -> None:
    """`workbench run` never runs on a trainee's case (docs/CONTRACTS.md, exercise mode)."""
    from workbench.batch.cases import EXERCISE_REFUSED
    from workbench.case import Case
    from workbench.errors import CaseError

    if (case_dir / "case.yaml").is_file() and Case.open(case_dir).info.exercise is not None:
        raise CaseError(EXERCISE_REFUSED, path=str(case_dir))


def _options(args: argparse.Namespace, case: str | None) -> Any:
    """The batch's options from the command line (`case` None: a template for many cases)."""
    from workbench.batch.runner import BatchOptions

    key = None
    if args.sign:  # a wrong, missing or expired key stops the run before any work
        from workbench.signing import load_signing_key

        key = load_signing_key(Path(args.sign))
    return BatchOptions(
        case_dir=Path(case if case is not None else "."),
        out_dir=Path(args.out),
        level=args.level,
        jobs=args.jobs,
        with_code=args.with_code,
        only=[i.strip() for i in args.only.split(",") if i.strip()] if args.only else None,
        catalog=args.catalog,
        notebooks_dir=Path(args.notebooks) if args.notebooks else NOTEBOOKS_DIR,
        timeout=args.timeout,
        progress=not args.no_progress and sys.stderr.isatty(),
        command=_command_line(args, case),
        with_artefacts=args.with_artefacts,
        sign=key,
        language=args.lang,
    )


def cmd_run(args: argparse.Namespace) -> int:
    if len(args.cases) > 1 or args.cluster or args.scheduler:
        return _run_many(args)
    from workbench.batch.runner import run_batch
    from workbench.batch.summary import level_line

    refuse_exercise(Path(args.cases[0]))
    result = run_batch(_options(args, args.cases[0]))
    with use_language(result.language):  # the summary in the bundle's language
        for lv in result.levels.values():
            print(level_line(lv), file=sys.stderr)
        for row in result.errors:
            print(f"ERROR {row.id}: {row.error}", file=sys.stderr)
        for warning in result.warnings:
            print(tr("warning: {warning}", warning=warning), file=sys.stderr)
        print(tr("bundle: {path}", path=result.zip_path), file=sys.stderr)
    print(result.index)
    hits = _gate_hits(result, args)
    for outcome, ids in hits.items():
        print(f"--fail-on {outcome}: {', '.join(ids)}", file=sys.stderr)
    strict = args.strict and bool(result.errors)  # as before: any notebook ERROR, whatever its level
    return 1 if hits or strict else 0


def _gate_hits(result: Any, args: argparse.Namespace) -> dict[str, list[str]]:
    outcomes = {w for words in args.fail_on for w in words}
    return failing_rows(result.rows, outcomes, max(result.levels, default=3))


def _run_many(args: argparse.Namespace) -> int:
    """Every case given, one bundle each; the summary table on stderr, the index pages on stdout."""
    from workbench.batch.cases import run_cases

    address = args.cluster or args.scheduler
    run_on_cluster = _cluster_entry() if address else None  # not available: stop before any work
    template = _options(args, None)
    if run_on_cluster is not None:
        outcomes = run_on_cluster(args.cases, template, address)
    else:
        outcomes = run_cases(args.cases, template)
    gated = 0
    for outcome in outcomes:
        if outcome.result is not None:
            gated += _case_lines(outcome, args)
    with use_language(args.lang or _one_language(outcomes)):
        for line in summary_table(outcomes):
            print(line, file=sys.stderr)
    for outcome in outcomes:
        if outcome.result is not None:
            print(outcome.result.index)
    return many_exit_code(outcomes, gated)


def _one_language(outcomes: list[Any]) -> str | None:
    """The language of every bundle made, when they share one (None: English)."""
    made = {o.result.language for o in outcomes if o.result is not None}
    return made.pop() if len(made) == 1 else None


def _cluster_entry() -> Any:
    """`workbench.batch.distributed.run_on_cluster(case_dirs, opts_template, address)`, or a clear
    error where the Dask part is not installed."""
    try:
        from workbench.batch.distributed import run_on_cluster
    except ImportError as exc:
        raise WorkbenchError(f"--cluster/--scheduler: running on a Dask cluster is not available in this "
                             f"installation ({exc})") from None
    return run_on_cluster


def _case_lines(outcome: Any, args: argparse.Namespace) -> int:
    """A case's ERROR rows, warnings and gate hits on stderr; 1 when --fail-on or --strict fails it."""
    result, name = outcome.result, shown(outcome.name)
    for row in result.errors:
        print(f"{name}: ERROR {row.id}: {shown(str(row.error))}", file=sys.stderr)
    for warning in result.warnings:
        with use_language(result.language):
            print(tr("{case}: warning: {warning}", case=name, warning=shown(warning)), file=sys.stderr)
    hits = _gate_hits(result, args)
    for gate, ids in hits.items():
        print(f"{name}: --fail-on {gate}: {', '.join(ids)}", file=sys.stderr)
    return int(bool(hits) or (args.strict and bool(result.errors)))


def many_exit_code(outcomes: list[Any], gated: int) -> int:
    """2 when no case ran, 1 when one could not run or `gated` cases failed --fail-on/--strict, else 0."""
    ran = sum(o.result is not None for o in outcomes)
    if not ran:
        return 2
    return 1 if ran < len(outcomes) or gated else 0


def summary_table(outcomes: list[Any]) -> list[str]:
    """case, the result per level (★ …), FAIL and ERROR counts, the bundle's zip or why the case did
    not run; as lines of aligned columns."""
    levels = sorted({lv for o in outcomes if o.result is not None for lv in o.result.levels})
    header = [_("case"), *("★" * lv for lv in levels), "FAIL", "ERROR", _("bundle")]
    table = [header]
    for outcome in outcomes:
        result = outcome.result
        if result is None:
            table.append([shown(outcome.name), *("-" * len(levels)), "-", "-",
                          tr("error: {error}", error=shown(row_error(outcome)))])
            continue
        cells = [_level_cell(result.levels.get(lv)) for lv in levels]
        fails = sum(str(r.verdict) == "FAIL" for r in result.rows)
        table.append([shown(outcome.name), *cells, str(fails), str(len(result.errors)),
                      str(result.zip_path)])
    from workbench.i18n import display_width, pad

    widths = [max(display_width(row[i]) for row in table) for i in range(len(header) - 1)]
    return ["  ".join([*(pad(c, w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip()
            for row in table]


# why a case did not run, as the batch records it (an error's English text, after the case folder it
# names): said in the summary's language
ROW_ERRORS = {
    "no such case folder": N_("no such case folder"),
    "a trainee's exercise case: the batch publishes the check's proposals; grade it with "
    "`workbench exercise grade`": N_(
        "a trainee's exercise case: the batch publishes the check's proposals; grade it with "
        "`workbench exercise grade`"),
}


def row_error(outcome: Any) -> str:
    """The outcome's error in the current language where it is one of ROW_ERRORS (the case folder it
    names kept before it), else as recorded."""
    text = outcome.error
    if not text:
        return _("did not run")
    where = f"{outcome.case_dir}: "
    if text.startswith(where) and text[len(where):] in ROW_ERRORS:
        return where + _(ROW_ERRORS[text[len(where):]])
    if text in ROW_ERRORS:
        return _(ROW_ERRORS[text])
    return text


def _level_cell(level: dict[str, Any] | None) -> str:
    if level is None:
        return "-"
    return f"{level['result']} {level['passed']}/{level['requirements']}"


def shown(text: str) -> str:
    """Text from a case (a folder name, an error) safe on a terminal: control and bidi characters
    escaped (`\\u202e`), never raw."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


# the files INTEGRITY FAILED names, by what happened to them
_NAMED_FILES = {"changed": N_("changed {files}"), "missing": N_("missing {files}"),
                "added": N_("added {files}")}


def cmd_verify(args: argparse.Namespace) -> int:
    """Said in the bundle's language (results.json's `language`); OK, FAILED, INTEGRITY … stay codes."""
    from workbench.batch.reproduce import bundle_language
    from workbench.batch.verify import verify_source
    from workbench.sealed import BundleView, open_bundle
    from workbench.signing import load_public_key, verify_signature

    trusted = [load_public_key(Path(p)) for p in args.trust]  # a wrong key file stops here (exit 2)
    with open_bundle(args.bundle) as source:
        report = verify_source(source)
        signature = verify_signature(source, trusted)
        lang = bundle_language(BundleView(source))
    with use_language(lang):
        return _verify_lines(args, report, signature)


def _verify_lines(args: argparse.Namespace, report: Any, signature: Any) -> int:
    from workbench.batch.verify import verify_inputs

    input_lines = verify_inputs(report, args.case) if args.case and report.manifest else []
    for line in report.lines() + input_lines:
        print(line)
    if not report.ok:
        said = {"bundle": report.bundle, "changed": len(report.changed), "missing": len(report.missing),
                "added": len(report.added)}
        if report.problems:
            print(tr("FAILED  {bundle}: {changed} changed, {missing} missing, {added} added, {n} problem(s)",
                     n=len(report.problems), **said), file=sys.stderr)
        else:
            print(tr("FAILED  {bundle}: {changed} changed, {missing} missing, {added} added", **said),
                  file=sys.stderr)
    elif not args.quiet:
        m = report.manifest
        print(tr("OK  {bundle}: {checked} files match manifest.json (bundle {name}, sealed {sealed}, "
                 "catalogue {edition})", bundle=report.bundle, checked=report.checked, name=m.get("bundle"),
                 sealed=m.get("finished_at"), edition=m.get("catalog", {}).get("edition")))
    if input_lines:
        print(tr("FAILED  {n} input(s) in {case} differ from the bundle's manifest", n=len(input_lines),
                 case=args.case), file=sys.stderr)
    elif args.case and not args.quiet:
        print(tr("OK  {case} still holds the evidence this bundle was made from", case=args.case))
    if report.ok and not args.quiet:
        print(tr("INTEGRITY OK: {checked} files match manifest.json", checked=report.checked))
    elif not report.ok:
        named = [tr(_NAMED_FILES[what], files=", ".join(files[:3]) + (" …" if len(files) > 3 else ""))
                 for what, files in (("changed", report.changed), ("missing", report.missing),
                                     ("added", report.added)) if files]
        named += [tr("{n} problem(s)", n=len(report.problems))] if report.problems else []
        print(tr("INTEGRITY FAILED: {problems}", problems="; ".join(named)))
    if signature.failed or not args.quiet:
        print(signature.line())
    return 0 if report.ok and not input_lines and not signature.failed else 1
