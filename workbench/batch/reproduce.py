"""`workbench reproduce`: a lab re-runs every check of a vendor's bundle and compares, requirement by
requirement, with what the bundle says.

The bundle is verified first (one that fails integrity is refused, naming what changed); a case is
rebuilt in DIR/case from the bundle's records and artefacts (workbench.batch.reproduce_case); every
requirement of the catalogue up to the bundle's level, and any the bundle lists, is assessed again
(workbench.batch.reproduce_scope: a requirement the bundle holds no outcome of is a difference, and a
partial run's left-out ones are "not inspected"), one after the other with the analyses shared, and
compared with the bundle's outcome and results.json's row (workbench.batch.compare_outcomes).
DIR/reproduction.json and DIR/reproduction.html say the result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.batch.compare_outcomes import (
    MISSING_OUTCOME,
    NOT_INSPECTED,
    STATUSES,
    Comparison,
    bundle_verdict,
    compare,
    not_reproduced,
    row_differences,
    without_outcome,
)
from workbench.batch.paths import TEMPLATES_DIR
from workbench.batch.reproduce_case import (
    DECLARATION,
    RebuiltCase,
    VerifiedMembers,
    read_case_info,
    rebuild_case,
)
from workbench.batch.reproduce_catalog import choose_catalog
from workbench.batch.reproduce_scope import Scope, bundle_scope
from workbench.batch.verify import verify_source
from workbench.errors import BundleError, WorkbenchError
from workbench.fsutil import atomic_write_json, atomic_write_text, remove_tree
from workbench.i18n import DEFAULT_LANGUAGE, N_, _, check_language, tr, use_language
from workbench.sealed import MANIFEST, BundleView, open_bundle
from workbench.sealed.names import OUTCOMES_DIR

FORMAT = "workbench-reproduction/1"
CASE_FOLDER = "case"
JSON_FILE = "reproduction.json"
HTML_FILE = "reproduction.html"
TEMPLATE = "reproduction.html.j2"
# a comparison's status (a code in reproduction.json) as the summary line says it; English: the code
STATUS_WORDS = {
    "same": N_("same"), "different-verdict": N_("different-verdict"),
    "different-findings": N_("different-findings"), "results-differ": N_("results-differ"),
    "missing-outcome": N_("missing-outcome"), "not-inspected": N_("not-inspected"),
    "not-reproduced": N_("not-reproduced"), "error": N_("error"),
}


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
    problems: list[str] = field(default_factory=list)  # the bundle contradicts itself: a difference
    reproduced_at: str = ""
    scope: Scope | None = None
    language: str = DEFAULT_LANGUAGE  # the bundle's: the checks re-run and the reports in it

    @property
    def ok(self) -> bool:
        return bool(self.comparisons) and not self.problems and not any(c.differs for c in self.comparisons)

    @property
    def partial(self) -> bool:
        return self.scope is not None and self.scope.partial

    @property
    def not_inspected(self) -> list[str]:
        return [c.requirement_id for c in self.comparisons if c.status == NOT_INSPECTED]

    def counts(self) -> dict[str, int]:
        return {status: sum(c.status == status for c in self.comparisons) for status in STATUSES}

    def summary_line(self) -> str:
        """One line for the terminal: SAME or DIFFERENT, the counts, a partial bundle said so."""
        counts = ", ".join(tr("{n} {status}", n=n, status=_(STATUS_WORDS.get(status, status)))
                           for status, n in self.counts().items() if n)
        word = "SAME" if self.ok else "DIFFERENT"
        line = tr("{word}  {bundle}: {n} requirement(s) compared", word=word, bundle=self.bundle,
                  n=len(self.comparisons)) + (f": {counts}" if counts else "")
        parts = [line]
        if self.partial:
            parts.append(tr("PARTIAL bundle (run --only): {n} requirement(s) not inspected by the vendor",
                            n=len(self.not_inspected)))
        if self.problems:
            parts.append(tr("{n} problem(s) with the bundle itself", n=len(self.problems)))
        if self.scope is not None:
            parts.append(tr("level {level}", level=self.scope.level))
        parts.append(tr("catalogue {edition}", edition=self.catalog["edition"]))
        return "; ".join(parts)

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
            "language": self.language,
            "case": CASE_FOLDER,
            "artefacts": [a.to_json() for a in self.rebuilt.artefacts],
            "missing_artefacts": [a.name for a in self.rebuilt.missing],
            "warnings": self.warnings,
            "problems": self.problems,
            **(self.scope.to_json() if self.scope is not None else {"level": None, "partial": False,
                                                                      "not_inspected": []}),
            "summary": self.counts(),
            "summary_line": self.summary_line(),
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
        lang = bundle_language(view)
        members = VerifiedMembers(view, report.manifest)
        info = read_case_info(members)
        choice = choose_catalog(report.manifest, info, catalog)
        created = not out.exists()
        try:  # the checks' reasons and findings in the bundle's language, as the bundle holds them
            with use_language(lang):
                result = _reproduce(view, members, report.manifest, info, out, lab_case, choice)
        except BaseException:
            if created:
                remove_tree(out)
            raise
    result.language = lang
    result.warnings[:0] = choice.warnings
    with use_language(lang):
        write_reports(result)
    return result


def bundle_language(view: BundleView) -> str:
    """The language a bundle was rendered in (results.json's `language`; English before issue 11)."""
    try:
        return check_language(str(view.results().get("language") or ""))
    except WorkbenchError:  # unreadable results.json (listed as the bundle's problem) or a strange language
        return DEFAULT_LANGUAGE


def _reproduce(
    view: BundleView, members: VerifiedMembers, manifest: dict[str, Any], info: Any, out: Path,
    lab_case: str | Path | None, choice: Any,
) -> Reproduction:
    started = datetime.now(UTC).replace(microsecond=0).isoformat()
    out.mkdir(parents=True, exist_ok=True)
    rebuilt = rebuild_case(members, info, out / CASE_FOLDER, lab_case=Path(lab_case) if lab_case else None)
    result = Reproduction(
        bundle=str(manifest.get("bundle") or Path(view.label).name)[:200],
        bundle_path=view.label,
        manifest_sha256=hashlib.sha256(members.view.read_bytes(MANIFEST)).hexdigest(),
        catalog=choice.entry, out_dir=out, rebuilt=rebuilt, warnings=list(rebuilt.warnings),
        reproduced_at=started,
    )
    for artefact in rebuilt.missing:
        result.warnings.append(tr("artefact {name} not restored: {problem}", name=artefact.name,
                                  problem=artefact.problem))
    result.scope = bundle_scope(members, manifest, info.level, choice.catalog)
    result.problems = list(result.scope.problems)
    result.warnings += result.scope.warnings
    result.warnings += [tr("the bundle contradicts itself: {problem}", problem=p) for p in result.problems]
    if not result.scope.outcome_ids:
        result.warnings.append(tr("the bundle holds no outcomes ({folder}/)", folder=OUTCOMES_DIR))
    result.comparisons = run_and_compare(members, rebuilt, choice.catalog, result.scope)
    for comparison in result.comparisons:
        comparison.catalog_changes = list(choice.changes.get(comparison.requirement_id, []))
    return result


class LabRun:
    """The lab's assessment of one requirement on the rebuilt case, the analyses shared by all."""

    def __init__(self, rebuilt: RebuiltCase, catalog: Any) -> None:
        from workbench.judgement import hashes_now

        self.rebuilt, self.catalog = rebuilt, catalog
        self.hashes = hashes_now(rebuilt.case)
        self.tables: dict[Any, Any] = {}
        self.analyses: dict[str, Any] = {}  # each artefact is analysed once for every requirement

    def outcome(self, rid: str, bundled: Any = None) -> tuple[dict[str, Any] | None, str | None]:
        """(the lab's outcome, None), or (None, why it cannot run: no such requirement, evidence missing)."""
        from workbench.checks.context import EvidenceContext
        from workbench.judgement import assess

        requirement = _requirement(self.catalog, rid)
        if requirement is None:
            return None, f"the catalogue {self.catalog.edition} has no requirement {rid}"
        problem = _missing_evidence(rid, bundled, self.rebuilt, requirement)
        if problem is not None:
            return None, problem
        ctx = EvidenceContext(self.rebuilt.case, requirement, _tables=self.tables, _analyses=self.analyses)
        return assess(ctx, self.hashes, catalog=self.catalog).outcome(), None


def run_and_compare(
    members: VerifiedMembers, rebuilt: RebuiltCase, catalog: Any, scope: Scope
) -> list[Comparison]:
    """Each requirement of `scope` run again on the rebuilt case, compared with the bundle's outcome
    and results.json's row; one the bundle has no outcome of is reported with the lab's verdict."""
    lab = LabRun(rebuilt, catalog)
    comparisons = []
    for rid in scope.ids:
        if scope.has_outcome(rid):
            comparison = _compare_outcome(members, lab, rid)
            if scope.results_readable:
                bundled, _ = _bundled_outcome(members, rid)
                comparison.note_results(row_differences(scope.row(rid), bundled))
        else:
            comparison = _without_outcome(lab, scope, rid)
        comparison.title = str(getattr(_requirement(catalog, rid), "title", ""))
        comparisons.append(comparison)
    return comparisons


def _compare_outcome(members: VerifiedMembers, lab: LabRun, rid: str) -> Comparison:
    bundled, problem = _bundled_outcome(members, rid)
    reproduced = None
    if problem is None:
        reproduced, problem = lab.outcome(rid, bundled)
    if problem is not None or reproduced is None:
        return not_reproduced(rid, problem or _("not run"), bundle_verdict(bundled))
    return compare(rid, bundled, reproduced)


def _without_outcome(lab: LabRun, scope: Scope, rid: str) -> Comparison:
    """A requirement the bundle holds no outcome of: not inspected (a partial run left it out) or
    missing; the lab's own verdict beside what results.json says of it."""
    path = f"{OUTCOMES_DIR}/{rid}.json"
    if scope.not_inspected(rid):
        status, why = NOT_INSPECTED, _("the vendor's partial run (--only) did not select it")
    elif scope.results_readable and scope.row(rid) is None:
        status, why = MISSING_OUTCOME, tr("the bundle holds no {path} and results.json has no row of it",
                                          path=path)
    else:
        status, why = MISSING_OUTCOME, tr("the bundle holds no {path}", path=path)
    reproduced, problem = lab.outcome(rid)
    if problem is not None:
        why += "; " + tr("the lab could not run it: {problem}", problem=problem)
    return without_outcome(rid, status, scope.row(rid), reproduced, why)


def _bundled_outcome(members: VerifiedMembers, rid: str) -> tuple[Any, str | None]:
    import json

    try:
        return json.loads(members.read(f"{OUTCOMES_DIR}/{rid}.json")), None
    except (WorkbenchError, ValueError) as exc:
        return None, tr("the bundle's outcome is unreadable: {error}", error=exc)


def _requirement(catalog: Any, rid: str) -> Any:
    return next((r for r in catalog.requirements if r.id == rid), None)


def _missing_evidence(rid: str, bundled: Any, rebuilt: RebuiltCase, requirement: Any) -> str | None:
    """Why the requirement cannot be reproduced for want of evidence: the artefacts it rests on
    (named by its outcome, or of a kind it reads) that were not restored; else None."""
    named = _evidence_hashes(bundled)
    kinds = evidence_kinds(rid, requirement)
    missing = [a.name for a in rebuilt.missing if a.sha256 in named or a.evidence_kind in kinds]
    for digest in sorted(named - {a.sha256 for a in rebuilt.artefacts}):
        if digest not in rebuilt.declarations:
            missing.append(tr("sha256 {digest}… (named by the outcome, not in the bundle's register)",
                              digest=digest[:16]))
        elif DECLARATION not in missing:
            missing.append(tr("the declaration it was judged on (sha256 {digest}…), not the bundle's",
                              digest=digest[:16]))
    return tr("evidence missing: {missing}", missing=", ".join(missing)) if missing else None


def evidence_kinds(rid: str, requirement: Any) -> set[str]:
    """The kinds of evidence a requirement reads: its check's needed and optional kinds, or the
    catalogue entry's evidence list when no check is registered. A feed counts only when the
    bundle's outcome names it (a check that reads it lists it among its evidence used)."""
    from workbench.checks.registry import UNITS, get_check

    if rid in UNITS:
        check = get_check(rid)
        return {str(k) for k in check.needs | check.optional}
    return {str(k) for k in getattr(requirement, "evidence", ())}


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
    """The page of a reproduction (autoescape: everything from a bundle is data), in its language."""
    from workbench.batch.report import page_environment

    env = page_environment(templates_dir, str(data.get("language") or DEFAULT_LANGUAGE))
    return env.get_template(TEMPLATE).render(**data)
