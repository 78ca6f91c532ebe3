"""What the client sends the cluster before any task: each distinct artefact's bytes once (keyed
by SHA-256), each case package, the notebooks and templates folders (and any lab catalogue) by
digest, and a case's analysis cache it already holds (so that a worker re-analyses nothing).

Each is the value of a task that holds it (not `Client.scatter`): scattered data lives only on the
workers, and a worker that dies takes it with it; a task's value is computed again elsewhere.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any

from workbench.batch.distributed.plan import AnalysisKey, CasePlan
from workbench.batch.distributed.store import sha256_of
from workbench.batch.distributed.tarball import pack, pack_files
from workbench.batch.distributed.tasks import TEMPLATES_FOLDER, arrived, held


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
                blobs[sha] = _send(client, arrived, sha, path.read_bytes(), key=f"artefact-{sha}")
            folder = plan.case.cache_dir / sha
            if sha not in cached and any(k[0] == sha for k in plan.analyses) and folder.is_dir():
                cached[sha] = _send(client, held, pack(folder, sha), key=f"cache-{sha}")
    # by language: two cases of one run may run AUTH-01 in English and in Japanese
    notebooks = pack_files({t.shipped_name: t.source.read_bytes() for plan in plans for t in plan.tasks})
    templates = pack(plans[0].opts.templates_dir, TEMPLATES_FOLDER)
    folders = {sha256_of(notebooks): notebooks, sha256_of(templates): templates}
    for plan in plans:
        if plan.catalog_tree is not None and plan.package.catalog_digest:
            folders[plan.package.catalog_digest] = plan.catalog_tree
    trees = {d: _send(client, held, data, key=f"tree-{d}") for d, data in folders.items()}
    packages = {plan.key: _send(client, held, plan.package, key=f"package-{plan.name}") for plan in plans}
    return Shipped(blobs, packages, trees, (sha256_of(notebooks), sha256_of(templates)), cached)


def _send(client: Any, fn: Any, *args: Any, key: str) -> Any:
    """A task holding what is sent (its key made unique to this run)."""
    with warnings.catch_warnings():  # evidence is large by nature; the scheduler keeps it to recompute
        warnings.filterwarnings("ignore", message=".*[Ll]arge")
        return client.submit(fn, *args, key=f"{key}-{uuid.uuid4().hex[:12]}", pure=False)
