"""Write what the batch concluded and seal it: case records, results.json, index.html,
manifest.json with its seals, and the zip."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.batch.bundle import write_zip
from workbench.batch.manifest import (
    FORMAT,
    MANIFEST,
    MANIFEST_HASH,
    catalog_entry,
    file_entry,
    library_versions,
    output_entries,
    seal_line,
    sha256_bytes,
    zip_comment,
)
from workbench.batch.report import render_index
from workbench.fsutil import atomic_write_bytes, atomic_write_text
from workbench.i18n import N_, _, tr
from workbench.sealed.names import ARTEFACTS_DIR, CASE_DIR

if TYPE_CHECKING:
    from workbench.batch.runner import BatchOptions, BatchResult


def seal_bundle(
    result: BatchResult,
    *,
    case: Any,
    catalog: Any,
    level: int,
    started: datetime,
    jobs: int,
    opts: BatchOptions,
    notebooks: list[Path],
    evidence_needed: dict[str, list[str]],
    overview_page: str | None,
) -> None:
    from workbench import __version__

    bundle = result.bundle_dir
    catalog_record, catalog_warning = catalog_entry(catalog, case, opts.catalog)
    if catalog_warning:
        result.warnings.append(catalog_warning)
    inputs = _inputs(case, notebooks, result.warnings)
    _copy_case_records(case, bundle / CASE_DIR)
    if opts.with_artefacts:
        _copy_artefacts(case, bundle / ARTEFACTS_DIR, result.warnings)
    finished = datetime.now(UTC).replace(microsecond=0)
    info = case.info.model_dump(mode="json")
    times = {"started_at": started.isoformat(), "finished_at": finished.isoformat()}
    results = _results(result, info, str(catalog.edition), level, bool(opts.only), times)
    results["evidence_to_add"] = evidence_needed
    results["overview"] = {"page": overview_page, "error": result.overview_error}
    results["language"] = result.language  # what its texts (reasons, pages) are in
    _write_json(bundle / "results.json", results)
    formats = _write_formats(bundle, case, result.warnings)
    index = render_index(
        {
            "case": info,
            "level": level,
            "workbench_version": __version__,
            "catalog_edition": str(catalog.edition),
            "bundle_name": bundle.name,
            **times,
            "jobs": jobs,
            "overview_page": overview_page,
            "overview_error": result.overview_error,
            "levels": list(result.levels.values()),
            "warnings": result.warnings,
            "rows": result.rows,
            "evidence_to_add": evidence_needed,
            "inputs": inputs,
            "partial": bool(opts.only),
            "formats": formats,
        },
        opts.templates_dir,
        result.language,
    )
    atomic_write_text(bundle / "index.html", index)
    manifest = {
        "format": FORMAT,
        "bundle": bundle.name,
        "workbench_version": __version__,
        "command": opts.command,
        "jobs": jobs,
        "level": level,
        "with_code": opts.with_code,
        **times,
        "catalog": catalog_record,
        "case": {"folder": case.path.name, "path": str(case.path.resolve())},
        "inputs": inputs,
        "outputs": output_entries(bundle),
        "versions": library_versions(),
    }
    raw = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    atomic_write_bytes(bundle / MANIFEST, raw)
    digest = sha256_bytes(raw)
    atomic_write_text(bundle / MANIFEST_HASH, seal_line(digest))
    if opts.sign is not None:
        from workbench.signing import sign_bundle

        sign_bundle(bundle, opts.sign)
    write_zip(bundle, result.zip_path, comment=zip_comment(digest), when=started)


def _results(
    result: BatchResult, info: dict[str, Any], edition: str, level: int, partial: bool, times: dict[str, str]
) -> dict[str, Any]:
    """results.json: the rows and the roll-up per level, as the batch judged them."""
    return {
        "format": "workbench-results/1",
        "bundle": result.bundle_dir.name,
        "case": info,
        "catalog_edition": edition,
        "level": level,
        "partial": partial,
        **times,
        "checks": [row.to_json() for row in result.rows],
        "overall": {str(k): v for k, v in result.levels.items()},
        "warnings": result.warnings,
    }


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    atomic_write_text(path, text)


CASE_RECORDS = (
    ("case.yaml", "case"),
    ("declaration.yaml", "declaration"),
    ("artefacts.yaml", "artefact-register"),
    ("renewal.json", "renewal-plan"),  # a renewed case's plan (workbench case renew)
)


def case_records(case: Any) -> list[tuple[Path, str, str]]:
    """(file, path relative to the case, role) of the case's small records, in a stable order."""
    root = Path(case.path)
    records: list[tuple[Path, str, str]] = []
    for name, role in CASE_RECORDS:
        path = root / name
        if path.is_file() and not path.is_symlink():
            records.append((path, name, role))
    for folder, pattern, role in (("declarations", "*.yaml", "declaration-archive"),
                                  ("verdicts", "*.json", "verdict")):
        if (root / folder).is_dir():
            for path in sorted((root / folder).rglob(pattern)):
                if path.is_file() and not path.is_symlink() and not path.name.startswith("."):
                    records.append((path, path.relative_to(root).as_posix(), role))
    return records


FORMAT_NAMES = {  # what each kind of file in formats/ is, for the index (translated there)
    ".oscal.json": N_("OSCAL assessment results (NIST OSCAL 1.2)"),
    ".junit.xml": N_("JUnit XML: one test case per requirement, for CI systems"),
    ".sarif": N_("SARIF 2.1.0: the findings with their locations in the image and the capture"),
    ".cdx.json": N_("CycloneDX SBOM of a firmware image, with its known vulnerabilities (VEX)"),
    ".csv": N_("the scheme's registry record (CSV)"),
    ".json": N_("the scheme's registry record (JSON)"),
    ".html": N_("the report in ETSI TS 103 701's shape: per provision, its test cases and verdicts"),
}


def _write_formats(bundle: Path, case: Any, warnings: list[str]) -> list[dict[str, str]]:
    """formats/: the standard formats (OSCAL, JUnit, SARIF, CycloneDX...) of what the bundle holds;
    (path, what it is) of each written, for the index."""
    from workbench.export.formats import write_formats

    try:
        written = write_formats(bundle, case, warnings)
    except Exception as exc:  # a format that cannot be written must not cost the sealed evidence
        error = f"{type(exc).__name__}: {exc}"
        warnings.append(tr("the standard formats were not all written: {error}", error=error))
        return []
    listed = []
    for path in sorted(written):
        rel = Path(path).relative_to(bundle).as_posix()
        what = next((_(v) for k, v in FORMAT_NAMES.items() if rel.endswith(k)), "")
        listed.append({"path": rel, "what": what})
    return listed


def _copy_artefacts(case: Any, dest: Path, warnings: list[str]) -> None:
    """artefacts/<name>: each artefact as added to the case (its hash is checked by _inputs)."""
    dest.mkdir(parents=True, exist_ok=True)
    for artefact in case.artefacts():
        path = Path(artefact.path)
        if _is_signing_key(path):  # a case made before `case add` refused them
            warnings.append(tr("artefact {name} is a private signing key: not archived in the bundle",
                               name=artefact.name))
        elif path.is_file() and not path.is_symlink() and "/" not in artefact.name:
            shutil.copyfile(path, dest / artefact.name)
        else:
            warnings.append(tr("artefact {name} could not be archived in the bundle", name=artefact.name))


def _is_signing_key(path: Path) -> bool:
    from workbench.case.artefacts import SIGNING_KEY_MARK

    try:
        with path.open("rb") as handle:
            return SIGNING_KEY_MARK in handle.read(64 * 1024)
    except OSError:
        return False


def _copy_case_records(case: Any, dest: Path) -> None:
    for path, rel, _role in case_records(case):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _inputs(case: Any, notebooks: list[Path], warnings: list[str]) -> list[dict[str, Any]]:
    root = Path(case.path).resolve()
    entries: list[dict[str, Any]] = []
    for artefact in case.artefacts():
        path = Path(artefact.path)
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            rel = str(path)
        if not path.is_file():
            missing = tr("artefact {name} is missing from the case ({path})", name=artefact.name, path=rel)
            warnings.append(missing)
            entries.append({"path": rel, "role": "artefact", "kind": artefact.kind, "sha256": None,
                            "size": None, "recorded_sha256": artefact.sha256})
            continue
        entry = file_entry(path, rel, role="artefact", kind=artefact.kind, recorded_sha256=artefact.sha256)
        if entry["sha256"] != artefact.sha256:
            warnings.append(tr("artefact {name} does not match the hash recorded when it was added: "
                               "the evidence was modified", name=artefact.name))
        entries.append(entry)
    for path, rel, role in case_records(case):
        entries.append(file_entry(path, rel, role=role, kind=None))
    for source in notebooks:
        entries.append(file_entry(source, f"notebooks/{source.name}", role="notebook-source", kind=None))
    return entries
