"""`workbench export`: one standard format of a sealed evidence bundle, after verifying it.

The bundle is verified first (a bundle that fails `workbench verify` is refused, naming what
changed); the format is built from the bundle's own files; the files are written atomically to
standard output, a file or a folder, never outside the folder given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.sealed import BundleSource, BundleView

FORMATS = ("oscal", "junit", "sarif", "cyclonedx", "registry", "ts103701")
Files = dict[str, str]  # file name -> text


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = subparsers.add_parser(
        "export",
        help="write one standard format of an evidence bundle (OSCAL, JUnit, SARIF, CycloneDX, registry, "
        "TS 103 701)",
        description="Verify an evidence bundle (.zip or folder), then build one standard format from what "
        "it holds: OSCAL assessment results, JUnit XML, SARIF 2.1.0, the CycloneDX SBOMs of its firmware "
        "images, the scheme's registry record, or the ETSI TS 103 701 report page. A bundle that fails "
        "`workbench verify` is refused.",
    )
    export.add_argument("bundle", metavar="BUNDLE", help="a bundle .zip or an unpacked bundle folder")
    export.add_argument("--format", required=True, choices=FORMATS, help="the format to write")
    export.add_argument(
        "--out", metavar="PATH", default=None,
        help="file or folder to write (default: standard output): an existing folder, or a path ending "
        "with /, is written into; else PATH is the file. Several CycloneDX SBOMs need a folder; "
        "registry: NAME.json for JSON, NAME.csv (or standard output) for CSV, a folder for both",
    )
    export.add_argument("--registered", metavar="YYYY-MM-DD", type=_day, default=None,
                        help="registry: the registration date (default: the day the bundle was finished)")
    export.set_defaults(func=cmd_export)


def _day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, not {text!r}") from None


def cmd_export(args: argparse.Namespace) -> int:
    from workbench.errors import WorkbenchError

    if args.registered is not None and args.format != "registry":
        raise WorkbenchError("--registered applies to --format registry only")
    files, notes = build_files(Path(args.bundle), args.format, args.registered, args.out)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    written = write_files(files, args.out, args.format)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    note = written_as_file_note(files, args.out, written)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return 0


def written_as_file_note(files: Files, out: str | None, written: list[Path]) -> str | None:
    """Say so when the one file of a format went to `--out` as a file of another name (`--out sboms`
    for `x.cdx.json`): the user may have meant a folder."""
    if out is None or len(written) != 1 or written[0] != Path(out):
        return None
    [name] = files
    if Path(out).suffix.lower() == Path(name).suffix.lower():
        return None
    return (f"the {name} was written as the file {out}; to write it into a folder, give an existing "
            f"folder or end --out with /")


def build_files(bundle: Path, fmt: str, registered: date | None, out: str | None) -> tuple[Files, list[str]]:
    """(files, notes for the user) of `fmt`, built from `bundle` once it verifies."""
    from workbench.sealed import BundleView, open_bundle

    with open_bundle(bundle) as source:
        refuse_unless_verified(source)
        view = BundleView(source)
        if fmt == "registry":
            return _registry(view, registered, out)
        return _build(view, fmt), []


def refuse_unless_verified(source: BundleSource) -> None:
    """BundleError, one line naming what changed, when the bundle fails `workbench verify`."""
    from workbench.batch.verify import verify_source
    from workbench.errors import BundleError

    report = verify_source(source)
    if report.ok:
        return
    lines = report.lines()
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    raise BundleError(f"refused: the bundle fails verification: {' '.join(lines[0].split())}{more}; "
                      "see `workbench verify`", path=source.label)


def _build(view: BundleView, fmt: str) -> Files:
    if fmt == "cyclonedx":
        return dict(_module("workbench.export.cyclonedx", "CycloneDX").sboms_from_bundle(view))
    if fmt == "ts103701":
        report = _module("workbench.export.ts103701", "the TS 103 701 report")
        return {report.REPORT_NAME: report.build_report(view)}
    module = importlib.import_module(f"workbench.export.{fmt}")
    return {module.FILENAME: getattr(module, f"build_{fmt}")(view)}


def _registry(view: BundleView, registered: date | None, out: str | None) -> tuple[Files, list[str]]:
    from workbench.export.registry import CSV_NAME, JSON_NAME, registry_csv, registry_json, registry_record

    record = registry_record(view, registered)
    files = {CSV_NAME: registry_csv(record), JSON_NAME: registry_json(record)}
    if out is None or not (Path(out).is_dir() or out.endswith("/")):
        wanted = JSON_NAME if out is not None and out.lower().endswith(".json") else CSV_NAME
        files = {wanted: files[wanted]}
    return files, list(record.notes)


def _module(name: str, what: str) -> ModuleType:
    from workbench.errors import BundleError

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        raise BundleError(f"this installation cannot export {what} yet") from None


def write_files(files: Files, out: str | None, fmt: str) -> list[Path]:
    """Write `files` to standard output (one file), a file, or a folder; the paths written."""
    from workbench.errors import WorkbenchError
    from workbench.fsutil import atomic_write_text

    if not files:
        raise WorkbenchError(f"the bundle gives no {fmt} file")
    for name in files:  # names come from the builders; a crafted bundle's names never reach here
        if not name or name.startswith(".") or any(c in name for c in "/\\\x00"):
            raise WorkbenchError(f"refused to write a file named {name[:80]!r}", path=out)
    if out is None:
        if len(files) != 1:
            raise WorkbenchError(f"the bundle gives {len(files)} {fmt} files: name a folder with --out")
        _stdout(next(iter(files.values())))
        return []
    target = Path(out)
    if len(files) > 1 or target.is_dir() or out.endswith("/"):
        if target.exists() and not target.is_dir():
            raise WorkbenchError(f"{len(files)} {fmt} files need a folder, and this is a file", path=out)
        target.mkdir(parents=True, exist_ok=True)
        pairs = [(target / name, text) for name, text in sorted(files.items())]
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        pairs = [(target, next(iter(files.values())))]
    for path, _ in pairs:  # a rename would replace a link, a FIFO or a device (/dev/stdout), not write to it
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise WorkbenchError("not a regular file: refusing to replace it (leave out --out for standard "
                                 "output)", path=str(path))
    for path, text in pairs:
        atomic_write_text(path, text)
        path.chmod(0o644 & ~_umask())  # an export is for sharing, not a secret
    return [path for path, _ in pairs]


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def _stdout(text: str) -> None:
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text stream (tests, an IDE): it takes str
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))  # UTF-8 whatever the terminal's locale
    buffer.flush()
