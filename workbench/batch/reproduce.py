"""`workbench reproduce`: a lab re-runs every check of a vendor's bundle and compares, requirement by
requirement, with what the bundle says.

The bundle is verified first (one that fails integrity is refused, naming what changed); a case is
rebuilt in DIR/case from the bundle's records and artefacts (workbench.batch.reproduce_case); every
requirement the bundle has an outcome for is assessed again (workbench.judgement.assess, one after
the other, the analyses shared) and compared with the bundle's outcome
(workbench.batch.compare_outcomes). DIR/reproduction.json and DIR/reproduction.html say the result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.batch.compare_outcomes import STATUSES, Comparison, bundle_verdict, compare, not_reproduced
from workbench.batch.paths import TEMPLATES_DIR
from workbench.batch.reproduce_case import (
    DECLARATION,
    RebuiltCase,
    VerifiedMembers,
    read_case_info,
    rebuild_case,
)
from workbench.batch.verify import verify_source
from workbench.errors import BundleError, WorkbenchError
from workbench.fsutil import atomic_write_json, atomic_write_text, remove_tree
from workbench.sealed import MANIFEST, BundleView, open_bundle
from workbench.sealed.names import OUTCOMES_DIR

FORMAT = "workbench-reproduction/1"
CASE_FOLDER = "case"
JSON_FILE = "reproduction.json"
HTML_FILE = "reproduction.html"
TEMPLATE = "reproduction.html.j2"


@dataclass
class Reproduction:
    bundle: str  # the bundle's name, as its manifest gives it
    bundle_path: str
    manifest_sha256: str
    catalog: dict[str, Any]
    out_dir: Path
    rebuilt: RebuiltCase
    comparisons: list[Comparison] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    reproduced_at: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.comparisons) and not any(c.differs for c in self.comparisons)

    def counts(self) -> dict[str, int]:
        return {status: sum(c.status == status for c in self.comparisons) for status in STATUSES}

    def to_json(self) -> dict[str, Any]:
        from workbench import __version__

        return {
            "format": FORMAT,
            "bundle": self.bundle,
            "bundle_path": self.bundle_path,
            "manifest_sha256": self.manifest_sha256,
            "catalog": self.catalog,
            "workbench_version": __version__,
            "reproduced_at": self.reproduced_at,
            "case": CASE_FOLDER,
            "artefacts": [a.to_json() for a in self.rebuilt.artefacts],
            "missing_artefacts": [a.name for a in self.rebuilt.missing],
            "warnings": self.warnings,
            "summary": self.counts(),
            "same": self.ok,
            "requirements": [c.to_json() for c in self.comparisons],
        }


def reproduce(
    bundle: str | Path, out_dir: str | Path, *, lab_case: str | Path | None = None, catalog: str | None = None
) -> Reproduction:
    """Verify `bundle`, rebuild its case in `out_dir`, re-run its checks, compare, write the reports."""
    out = Path(out_dir)
    _refuse_output(out, Path(bundle))
    with open_bundle(bundle) as source:
        try:
            report = verify_source(source)
        except (KeyError, TypeError, AttributeError) as exc:  # a manifest entry of the wrong shape
            raise BundleError(f"refused: the manifest is malformed ({type(exc).__name__}: {exc})",
                              path=source.label) from None
        if not report.ok:
            lines = report.lines()
            more = f"; and {len(lines) - 5} more" if len(lines) > 5 else ""
            raise BundleError(
                f"refused: the bundle fails its integrity check ({'; '.join(lines[:5])}{more}); "
                "see `workbench verify`", path=source.label)
        view = BundleView(source)
        members = VerifiedMembers(view, report.manifest)
        info = read_case_info(members)
        loaded, catalog_entry, warnings = _catalog(report.manifest, info, catalog)
        created = not out.exists()
        try:
            result = _reproduce(view, members, report.manifest, info, out, lab_case, loaded, catalog_entry)
        except BaseException:
            if created:
                remove_tree(out)
            raise
    result.warnings[:0] = warnings
    write_reports(result)
    return result


def _reproduce(
    view: BundleView, members: VerifiedMembers, manifest: dict[str, Any], info: Any, out: Path,
    lab_case: str | Path | None, catalog: Any, catalog_entry: dict[str, Any],
) -> Reproduction:
    started = datetime.now(UTC).replace(microsecond=0).isoformat()
    out.mkdir(parents=True, exist_ok=True)
    rebuilt = rebuild_case(members, info, out / CASE_FOLDER, lab_case=Path(lab_case) if lab_case else None)
    result = Reproduction(
        bundle=str(manifest.get("bundle") or Path(view.label).name)[:200],
        bundle_path=view.label,
        manifest_sha256=hashlib.sha256(members.view.read_bytes(MANIFEST)).hexdigest(),
        catalog=catalog_entry, out_dir=out, rebuilt=rebuilt, warnings=list(rebuilt.warnings),
        reproduced_at=started,
    )
    for artefact in rebuilt.missing:
        result.warnings.append(f"artefact {artefact.name} not restored: {artefact.problem}")
    ids = _ordered_ids(view, catalog)
    if not ids:
        result.warnings.append(f"the bundle holds no outcomes ({OUTCOMES_DIR}/): nothing to reproduce")
    result.comparisons = run_and_compare(members, rebuilt, catalog, ids)
    return result


def run_and_compare(
    members: VerifiedMembers, rebuilt: RebuiltCase, catalog: Any, requirement_ids: list[str]
) -> list[Comparison]:
    """Each requirement's check run again on the rebuilt case, compared with the bundle's outcome."""
    from workbench.checks.context import EvidenceContext
    from workbench.judgement import assess, hashes_now

    case = rebuilt.case
    hashes = hashes_now(case)
    tables: dict[Any, Any] = {}
    analyses: dict[str, Any] = {}  # each artefact is analysed once for every requirement
    comparisons = []
    for rid in requirement_ids:
        bundled, problem = _bundled_outcome(members, rid)
        requirement = _requirement(catalog, rid)
        if problem is None and requirement is None:
            problem = f"the catalogue {catalog.edition} has no requirement {rid}"
        if problem is None:
            problem = _missing_evidence(rid, bundled, rebuilt)
        if problem is not None:
            comparisons.append(not_reproduced(rid, problem, bundle_verdict(bundled)))
        else:
            ctx = EvidenceContext(case, requirement, _tables=tables, _analyses=analyses)
            comparisons.append(compare(rid, bundled, assess(ctx, hashes).outcome()))
        comparisons[-1].title = str(getattr(requirement, "title", ""))
    return comparisons


def _bundled_outcome(members: VerifiedMembers, rid: str) -> tuple[Any, str | None]:
    import json

    try:
        return json.loads(members.read(f"{OUTCOMES_DIR}/{rid}.json")), None
    except (WorkbenchError, ValueError) as exc:
        return None, f"the bundle's outcome is unreadable: {exc}"


def _requirement(catalog: Any, rid: str) -> Any:
    return next((r for r in catalog.requirements if r.id == rid), None)


def _ordered_ids(view: BundleView, catalog: Any) -> list[str]:
    """The bundle's outcome ids, in the catalogue's order, unknown ones last."""
    ids = view.outcome_ids()
    order = {r.id: n for n, r in enumerate(catalog.requirements)}
    return sorted(ids, key=lambda rid: (order.get(rid, len(order)), rid))


def _missing_evidence(rid: str, bundled: Any, rebuilt: RebuiltCase) -> str | None:
    """Why the requirement cannot be reproduced for want of evidence: the artefacts it rests on
    (named by its outcome, or of a kind its check reads) that were not restored; else None."""
    from workbench.checks.registry import UNITS, get_check

    named = _evidence_hashes(bundled)
    kinds = set()
    if rid in UNITS:
        check = get_check(rid)
        kinds = {str(k) for k in check.needs | check.optional}
    if "firmware" in kinds:
        kinds.add("vuln-feed")  # the firmware scan matches components against the feeds
    missing = [a.name for a in rebuilt.missing if a.sha256 in named or a.evidence_kind in kinds]
    for digest in sorted(named - {a.sha256 for a in rebuilt.artefacts}):
        if digest not in rebuilt.declarations:
            missing.append(f"sha256 {digest[:16]}… (named by the outcome, not in the bundle's register)")
        elif DECLARATION not in missing:
            missing.append(f"the declaration it was judged on (sha256 {digest[:16]}…), not the bundle's")
    return f"evidence missing: {', '.join(missing)}" if missing else None


def _evidence_hashes(bundled: Any) -> set[str]:
    """The artefact hashes the bundle's outcome says it rests on (evidence used, findings' references)."""
    result = bundled.get("result") if isinstance(bundled, dict) else None
    if not isinstance(result, dict):
        return set()
    used = result.get("evidence_used") if isinstance(result.get("evidence_used"), list) else []
    hashes = {h for h in used if isinstance(h, str) and h}
    for finding in result.get("findings") if isinstance(result.get("findings"), list) else []:
        refs = finding.get("evidence") if isinstance(finding, dict) else None
        for ref in refs if isinstance(refs, list) else []:
            if isinstance(ref, dict) and isinstance(ref.get("sha256"), str) and ref["sha256"]:
                hashes.add(ref["sha256"])
    return hashes


def _catalog(manifest: dict[str, Any], info: Any, given: str | None) -> tuple[Any, dict[str, Any], list[str]]:
    """The catalogue to reproduce with (the bundle's edition unless `given`), what the manifest
    records of the bundle's, and a warning when their contents differ."""
    from workbench.case.catalogref import CatalogRef
    from workbench.catalog import bundled_editions, load_catalog

    recorded = manifest.get("catalog") if isinstance(manifest.get("catalog"), dict) else {}
    edition = str(recorded.get("edition") or info.catalog_edition)[:100]
    if given:
        catalog = load_catalog(given)
    elif edition in bundled_editions():
        catalog = load_catalog(edition)
    else:
        raise BundleError(
            f"the bundle was judged with catalogue edition {edition!r}, which this installation does not "
            "ship; give the lab's copy of it with --catalog")
    ref = CatalogRef.of(catalog)
    bundle_hash = recorded.get("content_sha256") if isinstance(recorded.get("content_sha256"), str) else None
    entry = {"edition": ref.edition, "source": ref.source, "content_sha256": ref.sha256,
             "bundle_edition": edition, "bundle_content_sha256": bundle_hash,
             "matches_bundle": None if bundle_hash is None else bundle_hash == ref.sha256}
    warnings = []
    if bundle_hash is None:
        warnings.append("the bundle's manifest records no content hash of its catalogue to compare with")
    elif bundle_hash != ref.sha256:
        warnings.append(
            f"the catalogue differs from the bundle's: reproduced with {ref.edition} from {ref.source} "
            f"(sha256 {ref.sha256[:12]}…), the bundle was judged with {edition} "
            f"(sha256 {bundle_hash[:12]}…); "
            "differences may come from the catalogue's parameters")
    return catalog, entry, warnings


def _refuse_output(out: Path, bundle: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise WorkbenchError("refusing to write the reproduction: not an empty folder", path=str(out))
    if bundle.is_dir() and out.resolve().is_relative_to(bundle.resolve()):
        raise WorkbenchError("refusing to write the reproduction inside the bundle", path=str(out))


def write_reports(result: Reproduction) -> None:
    data = result.to_json()
    atomic_write_json(result.out_dir / JSON_FILE, data)
    atomic_write_text(result.out_dir / HTML_FILE, render_html(data))


def render_html(data: dict[str, Any], templates_dir: Path = TEMPLATES_DIR) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,  # everything from a bundle is data, never markup
        undefined=StrictUndefined,
    )
    return env.get_template(TEMPLATE).render(**data)
