"""What a bundle says, as every format reads it: results.json's rows and roll-up, each requirement's
outcome (its findings and their evidence), the case and its artefact register.

Read only from the bundle's own files (results.json, outcomes/, case/, artefacts/), which exist
when the batch writes formats/ (before the manifest): so a format written at sealing and the same
format exported later from the sealed bundle are the same bytes.
"""

from __future__ import annotations

import hashlib
from typing import Any

from workbench.errors import BundleError
from workbench.export.fields import field as typed
from workbench.export.fields import identifier, mapping, texts, timestamp
from workbench.export.items import BundleContent, RequirementItem
from workbench.export.records import artefact_register, case_info, read_findings
from workbench.sealed import MANIFEST, BundleView
from workbench.sealed.names import CASE_DIR, RESULTS
from workbench.vocabulary import FINAL_VERDICTS, PENDING

__all__ = ["BundleContent", "RequirementItem", "read_content"]


def read_content(view: BundleView) -> BundleContent:
    """The bundle's content; BundleError naming the file and field when a record is malformed."""
    from workbench import __version__

    results = view.results()
    where = f"{view.label}:{RESULTS}"
    rows = typed(results, "checks", list, where)
    requirements = tuple(_requirement(view, mapping(row, where), where) for row in rows)
    ids = [r.id for r in requirements]
    if len(set(ids)) != len(ids):
        raise BundleError("a requirement appears twice in checks", path=where)
    version = __version__
    if view.has(MANIFEST):  # sealed: the version that sealed it (at sealing, this version)
        version = str(view.manifest().get("workbench_version") or __version__)
    return BundleContent(
        name=typed(results, "bundle", str, where),
        edition=typed(results, "catalog_edition", str, where),
        level=typed(results, "level", int, where),
        partial=bool(typed(results, "partial", bool, where, default=False)),
        started=timestamp(results, "started_at", where),
        finished=timestamp(results, "finished_at", where),
        case=case_info(view, mapping(typed(results, "case", dict, where), where)),
        requirements=requirements,
        levels=_levels(typed(results, "overall", dict, where), where),
        artefacts=artefact_register(view),
        workbench_version=version,
        declaration_sha256=_declaration_sha256(view),
    )


def _requirement(view: BundleView, row: dict[str, Any], where: str) -> RequirementItem:
    rid = identifier(typed(row, "id", str, where), where)
    here = f"{where} ({rid})"
    verdict = typed(row, "verdict", str, here)
    if verdict not in FINAL_VERDICTS:
        raise BundleError(f"unknown verdict {verdict[:40]!r}", path=here)
    page = typed(row, "page", str, here, default="") or ""
    maps = typed(row, "mappings", dict, here, default={}) or {}
    findings, stale_reasons, used = read_findings(view, rid)
    return RequirementItem(
        id=rid,
        title=typed(row, "title", str, here),
        level=typed(row, "level", int, here),
        automation=typed(row, "automation", str, here, default="") or "",
        verdict=verdict,
        source=typed(row, "verdict_source", str, here, default=PENDING.lower()) or "",
        stale=bool(typed(row, "stale", bool, here, default=False)),
        reasons=texts(row, "reasons", here),
        mappings={str(k): texts(maps, k, here) for k in sorted(maps)},
        error=typed(row, "error", str, here, default=None),
        page=page if page and view.has(page) else "",
        seconds=typed(row, "seconds", float, here, default=0.0) or 0.0,
        inspector=typed(row, "inspector", dict, here, default=None),
        findings=findings,
        stale_reasons=stale_reasons,
        evidence_used=used,
    )


def _declaration_sha256(view: BundleView) -> str:
    rel = f"{CASE_DIR}/declaration.yaml"
    return hashlib.sha256(view.read_bytes(rel, 16 << 20)).hexdigest() if view.has(rel) else ""


def _levels(overall: dict[str, Any], where: str) -> dict[int, str]:
    levels = {}
    for key, value in overall.items():
        if not key.isdigit():
            raise BundleError(f"overall has a level {key[:20]!r} that is not a number", path=where)
        levels[int(key)] = str(typed(mapping(value, where), "result", str, f"{where} (level {key})"))
    return dict(sorted(levels.items()))
