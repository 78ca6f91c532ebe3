"""The catalogue `workbench reproduce` judges with, and how it differs from the bundle's.

The bundle's edition when this installation ships it, else the lab's (`--catalog`). When the two
differ in content, the bundle's catalogue is this installation's copy of its edition if that copy
has the content hash the manifest records; then which requirements differ, field by field
(workbench.catalog.diff), is said: in a warning, in reproduction.json and per requirement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import BundleError

MAX_LISTED = 12  # requirement ids named in the warning (all are in reproduction.json)


@dataclass
class CatalogChoice:
    catalog: Any
    entry: dict[str, Any]  # reproduction.json's "catalog"
    warnings: list[str] = field(default_factory=list)
    changes: dict[str, list[str]] = field(default_factory=dict)  # requirement id -> what differs


def choose_catalog(manifest: dict[str, Any], info: Any, given: str | None) -> CatalogChoice:
    """The catalogue to reproduce with (the bundle's edition unless `given`), what the manifest
    records of the bundle's, and, when their contents differ, which requirements differ."""
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
             "matches_bundle": None if bundle_hash is None else bundle_hash == ref.sha256,
             "differences": None}
    choice = CatalogChoice(catalog, entry)
    if bundle_hash is None:
        choice.warnings.append("the bundle's manifest records no content hash of its catalogue to compare")
    elif bundle_hash != ref.sha256:
        head = (f"the catalogue differs from the bundle's: reproduced with {ref.edition} from {ref.source} "
                f"(sha256 {ref.sha256[:12]}…), the bundle was judged with {edition} "
                f"(sha256 {bundle_hash[:12]}…)")
        theirs = _shipped(edition, bundle_hash)
        if theirs is None:
            choice.warnings.append(
                f"{head}; this installation has no copy of the bundle's catalogue to compare requirement by "
                "requirement: differences may come from the catalogue")
        else:
            _differences(choice, theirs, head)
    return choice


def _shipped(edition: str, content_sha256: str) -> Any:
    """This installation's copy of `edition` when it has the content hash recorded, else None."""
    from workbench.case.catalogref import CatalogRef
    from workbench.catalog import bundled_editions, load_catalog

    if edition not in bundled_editions():
        return None
    catalog = load_catalog(edition)
    return catalog if CatalogRef.of(catalog).sha256 == content_sha256 else None


def _differences(choice: CatalogChoice, theirs: Any, head: str) -> None:
    from workbench.catalog.diff import diff_catalogs

    diff = diff_catalogs(theirs, choice.catalog)
    choice.entry["differences"] = {
        "added": [r.id for r in diff.added],
        "removed": [r.id for r in diff.removed],
        "changed": [c.to_dict() for c in diff.changed],
    }
    for requirement in diff.added:
        choice.changes[requirement.id] = ["not in the bundle's catalogue"]
    for requirement in diff.removed:
        choice.changes[requirement.id] = ["not in the catalogue reproduced with"]
    for change in diff.changed:
        choice.changes[change.id] = [_change_text(c) for c in change.changes]
    parts = [f"{c.id} ({', '.join(c.fields)})" for c in diff.changed]
    added, removed = [r.id for r in diff.added], [r.id for r in diff.removed]
    said = [f"requirements that differ: {_listed(parts)}" if parts else "",
            f"only in the catalogue reproduced with: {_listed(added)}" if added else "",
            f"only in the bundle's: {_listed(removed)}" if removed else ""]
    detail = "; ".join(s for s in said if s) or "no requirement differs (only the header)"
    choice.warnings.append(f"{head}; {detail}")


def _change_text(change: Any) -> str:
    """"parameters.min_tls_version: "TLS 1.2" -> "TLS 1.0"" for values, "statement changed" for texts."""
    if change.field.startswith(("parameters.", "level", "automation")):
        return f"{change.field}: {_value(change.old)} -> {_value(change.new)}"
    return f"{change.field} {change.kind}"


def _value(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def _listed(items: list[str]) -> str:
    more = f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return ", ".join(items[:MAX_LISTED]) + more
