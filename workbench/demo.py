"""`workbench demo`: build the demo device cases from sample_captures/ and run the full batch.

Each demo case is described by `sample_captures/cases/<name>/device.yaml` (the case.yaml fields,
the files to add and their kinds, the declaration). The cases are rebuilt from scratch under
`OUT/cases/` on every run, then each gets the full ★★★ batch into `OUT/evidence/`; the defective
camera's case also gets a bundle in Japanese (`run --lang ja`) into `OUT/evidence/ja/`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_captures"
CASES_DIR = SAMPLES / "cases"
DEMO_CASES = ("defective", "clean")
JAPANESE_CASE = "defective"  # the demo case also run in Japanese
JAPANESE_FOLDER = "ja"  # OUT/evidence/ja/: the Japanese bundle, beside the English ones
SIMULATED_DEVICE_ADDRESS = "127.0.0.1"  # inside the private namespace the simulated device runs in


@dataclass(frozen=True)
class DemoCase:
    name: str
    info: dict[str, Any]
    artefacts: tuple[tuple[Path, str], ...]  # (file, kind)
    declaration: Path | None


def load_demo_case(name: str, cases_dir: Path = CASES_DIR) -> DemoCase:
    from workbench.case.yamlio import read_yaml

    folder = cases_dir / name
    spec_path = folder / "device.yaml"
    if not spec_path.is_file():
        raise WorkbenchError("no demo case definition here", path=str(spec_path))
    spec = read_yaml(spec_path, name=str(spec_path))
    if not isinstance(spec, dict) or not isinstance(spec.get("case"), dict):
        raise WorkbenchError("expected a mapping with a 'case' section", path=str(spec_path))
    artefacts = []
    for entry in spec.get("artefacts") or ():
        path = (folder / str(entry["file"])).resolve()
        if not path.is_file():
            raise WorkbenchError(
                "missing sample file; regenerate it with sample_captures/gen_capture.py or gen_firmware.py",
                path=str(path),
            )
        artefacts.append((path, str(entry["kind"])))
    declaration = spec.get("declaration")
    return DemoCase(
        name=name,
        info=dict(spec["case"]),
        artefacts=tuple(artefacts),
        declaration=(folder / str(declaration)).resolve() if declaration else None,
    )


def build_case(demo: DemoCase, cases_root: Path) -> Any:
    """Create the case afresh under cases_root/<name>: a previous demo case is removed first."""
    from workbench.case import Case, CaseInfo

    target = cases_root / demo.name
    if target.exists():
        _remove_demo_case(target)
    case = Case.create(target, CaseInfo.model_validate(demo.info))
    for path, kind in demo.artefacts:
        case.add_artefact(path, kind, added_by="workbench demo")
    if demo.declaration is not None:
        case.declare(demo.declaration, added_by="workbench demo")
    return case


def _remove_demo_case(target: Path) -> None:
    if not (target / "case.yaml").is_file():
        raise WorkbenchError("refusing to replace a folder that is not a device case", path=str(target))
    for path in target.rglob("*"):  # artefacts are read-only
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(target)


def probe_simulated_device(case: Any, variant: str, by: str = "workbench demo") -> str:
    """Probe the simulated device of the same variant, inside a private network namespace made for it
    (the device on that namespace's own 127.0.0.1, which the demo case records as the device's address);
    one line saying what happened, or why the probe was skipped."""
    import subprocess
    import tempfile

    from workbench.simdevice.netns import in_netns, netns_problem

    problem = netns_problem()
    if problem:
        return f"live probe skipped: {problem}"
    case.record_device_ip(SIMULATED_DEVICE_ADDRESS)
    with tempfile.TemporaryDirectory(prefix="workbench-simdevice-") as workdir:
        device = [
            sys.executable,
            "-m",
            "workbench.simdevice",
            "--variant",
            variant,
            "--workdir",
            workdir,
            "--",
        ]
        probe = [
            sys.executable,
            "-m",
            "workbench",
            "probe",
            str(case.path),
            "--target",
            SIMULATED_DEVICE_ADDRESS,
            "--yes",
            "--by",
            by,
            "--access",  # the test access the simulated device grants, as a manufacturer would
            str(Path(workdir) / "test-access.yaml"),
        ]
        started = time.perf_counter()
        try:
            done = subprocess.run(in_netns(device + probe), capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return "live probe of the simulated device: stopped after 900 s"
    took = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"live probe of the simulated {variant} device failed ({done.returncode}): {last[:300]}"
    return (
        f"live probe of the simulated {variant} device: {took:.0f} s, capture and results added to the case"
    )


def demo_key(folder: Path) -> tuple[Any, Path]:
    """The demo lab's signing key in OUT/keys (made on first use, again when expired): (key, public path)."""
    from workbench.signing import SigningError, create_key_pair, load_signing_key

    stem = folder / "demo-lab"
    private, public = stem.with_suffix(".key"), stem.with_suffix(".pub.json")
    try:
        return load_signing_key(private), public
    except SigningError:
        if private.exists() or public.exists():  # expired or damaged: the demo's own, made again
            private.unlink(missing_ok=True)
            public.unlink(missing_ok=True)
    _, public, key = create_key_pair(stem, lab="Demo Lab", inspector="workbench demo", valid_days=30)
    return key, public


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    demo = subparsers.add_parser(
        "demo",
        parents=[common],
        help="build the demo device cases from sample_captures/ and run the full batch on them",
        description="Build the demo cases (a defective and a clean IP camera) under OUT/cases/ and run "
        "the full batch on each into OUT/evidence/; renew the defective camera's case for its firmware "
        "update 2.2 (OUT/cases/defective-v2), run its batch and compare the two "
        "(OUT/evidence/compare-defective-2.1-2.2.html); run the defective camera's batch again in Japanese "
        "into OUT/evidence/ja/; print the path of each bundle's index.html and of the comparison page.",
    )
    demo.add_argument("--out", default="demo", metavar="DIR", help="output folder (default: demo)")
    demo.add_argument(
        "--case",
        dest="cases",
        action="append",
        choices=DEMO_CASES,
        help="only this demo case (repeatable; default: both)",
    )
    demo.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel notebooks")
    demo.add_argument(
        "--level",
        type=int,
        choices=(1, 2, 3),
        default=None,
        help="highest level (default: the demo case's, ★★★)",
    )
    demo.add_argument("--with-code", action="store_true", help="keep code cells in the HTML")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.add_argument("--no-probe", action="store_true", help="do not probe the simulated device")
    demo.add_argument(
        "--no-renewal",
        action="store_true",
        help="do not renew the defective case for its firmware update 2.2 (nor compare the two)",
    )
    demo.add_argument("--no-japanese", action="store_true",
                      help="do not build the defective camera's bundle in Japanese (OUT/evidence/ja/)")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    out = Path(args.out)
    cases_root = out / "cases"
    cases_root.mkdir(parents=True, exist_ok=True)
    printed = []
    key = demo_key(out / "keys")
    for name in args.cases or DEMO_CASES:
        started = time.perf_counter()
        case = build_case(load_demo_case(name), cases_root)
        print(f"demo case {name}: {case.path}", file=sys.stderr)
        if not args.no_probe:
            print(f"  {probe_simulated_device(case, name)}", file=sys.stderr)
        printed.append(_run_batch(case, name, args, key, started))
        if name == JAPANESE_CASE and not args.no_japanese:  # before the renewal records verdicts in it
            printed.append(_run_batch(case, name, args, key, time.perf_counter(), language="ja"))
        if name == "defective" and not args.no_renewal:
            printed += _renewal(case, cases_root, args, key)
    for line in printed:
        print(line)
    return 0


def _renewal(old: Any, cases_root: Path, args: argparse.Namespace, key: tuple[Any, Path]) -> list[str]:
    """The defective camera's update 2.2: renewed from the 2.1 case, its batch, the comparison page."""
    from workbench.demo_renewal import (
        RENEWED,
        carry_offered,
        record_walkthrough,
        renew_demo_case,
        summary_lines,
        write_comparison,
    )

    started = time.perf_counter()
    for line in record_walkthrough(old):  # after the 2.1 batch: its bundle holds none of them
        print(f"  {line}", file=sys.stderr)
    target = cases_root / RENEWED
    if target.exists():
        _remove_demo_case(target)
    new = renew_demo_case(old, load_demo_case(RENEWED), target)
    print(f"demo case {RENEWED}: {new.path} (renewed from {old.path}: the firmware update "
          f"{old.info.firmware_version} -> {new.info.firmware_version}; see renewal.json)", file=sys.stderr)
    for line in carry_offered(new):
        print(f"  {line}", file=sys.stderr)
    index = _run_batch(new, RENEWED, args, key, started)
    page, data = write_comparison(old, new, Path(args.out) / "evidence")
    for line in summary_lines(data):
        print(f"  {line}", file=sys.stderr)
    return [index, str(page)]


def _run_batch(
    case: Any, name: str, args: argparse.Namespace, key: tuple[Any, Path], started: float,
    language: str | None = None,
) -> str:
    """The full batch on one demo case, its roll-up on standard error; the path of its index.html.
    `language`: the bundle's (None: the case's, English), a language's own folder under evidence/."""
    from workbench.batch.runner import BatchOptions, run_batch
    from workbench.batch.summary import level_line
    from workbench.i18n import tr, use_language

    private, public = key
    command = f"workbench demo --out {args.out} --case {name}"  # with --with-artefacts
    out_dir = Path(args.out) / "evidence"
    if language is not None:
        out_dir = out_dir / language
        print(f"demo case {name} in Japanese (workbench run --lang {language}): {out_dir}", file=sys.stderr)
    result = run_batch(
        BatchOptions(
            case_dir=case.path,
            out_dir=out_dir,
            level=args.level,
            jobs=args.jobs,
            with_code=args.with_code,
            catalog=args.catalog,
            progress=not args.no_progress and sys.stderr.isatty(),
            command=command,
            with_artefacts=True,  # a self-contained bundle: `workbench reproduce` needs nothing else
            sign=private,
            language=language,
        )
    )
    with use_language(result.language):
        for lv in result.levels.values():
            print(f"  {level_line(lv)}", file=sys.stderr)
        for row in result.errors:
            print(f"  ERROR {row.id}: {row.error}", file=sys.stderr)
        for warning in result.warnings:
            print("  " + tr("warning: {warning}", warning=warning), file=sys.stderr)
    took = time.perf_counter() - started
    print(f"  {name}: {took:.0f} s; verify with: workbench verify {result.zip_path} --trust {public}",
          file=sys.stderr)
    return str(result.index)
