"""What the client sends the cluster before any task: each distinct artefact's bytes once (keyed
by SHA-256), each case package, the notebooks and templates folders (and any lab catalogue) by
digest, and a case's analysis cache it already holds (so that a worker re-analyses nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.batch.distributed.plan import AnalysisKey, CasePlan
from workbench.batch.distributed.store import sha256_of
from workbench.batch.distributed.tarball import pack, pack_files
from workbench.batch.distributed.tasks import TEMPLATES_FOLDER


@dataclass
class Shipped:
    blobs: dict[str, Any]  # SHA-256 -> future of the artefact's bytes
    packages: dict[str, Any]  # plan key -> future of its CasePackage
    trees: dict[str, Any]  # digest -> future of a shipped folder (tar)
    folders: tuple[str, str]  # the notebooks' and the templates' digests
    cached: dict[str, Any]  # SHA-256 -> future of a case's cache folder of that artefact (tar)
    analyses: dict[AnalysisKey, Any] = field(default_factory=dict)  # -> future of its AnalysisOutput


def ship(client: Any, plans: list[CasePlan]) -> Shipped:
    blobs: dict[str, Any] = {}
    cached: dict[str, Any] = {}
    for plan in plans:
        for sha, path in plan.paths.items():
            if sha not in blobs:  # read one file at a time: only one artefact's bytes in memory here
                blobs[sha] = client.scatter({f"artefact-{sha}": path.read_bytes()})[f"artefact-{sha}"]
            folder = plan.case.cache_dir / sha
            if sha not in cached and any(k[0] == sha for k in plan.analyses) and folder.is_dir():
                cached[sha] = client.scatter(pack(folder, sha), hash=False)
    notebooks = pack_files({t.source.name: t.source.read_bytes() for plan in plans for t in plan.tasks})
    templates = pack(plans[0].opts.templates_dir, TEMPLATES_FOLDER)
    folders = {sha256_of(notebooks): notebooks, sha256_of(templates): templates}
    for plan in plans:
        if plan.catalog_tree is not None and plan.package.catalog_digest:
            folders[plan.package.catalog_digest] = plan.catalog_tree
    trees = {d: client.scatter({f"tree-{d}": data})[f"tree-{d}"] for d, data in folders.items()}
    packages = {plan.key: client.scatter(plan.package, hash=False) for plan in plans}
    return Shipped(blobs, packages, trees, (sha256_of(notebooks), sha256_of(templates)), cached)
