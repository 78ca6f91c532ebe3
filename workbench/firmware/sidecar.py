"""Where the extraction worker keeps each archive's own metadata listing (owners, modes, link
targets), beside the folder the archive was extracted into. No unblob here: the worker's direct
squashfs path uses it without importing unblob."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from workbench.firmware import metadata

META_DIR_ENV = "WORKBENCH_FW_META_DIR"


def sidecar_path(outdir: Path) -> Path:
    """Where the metadata listing of the archive extracted into outdir is kept."""
    digest = hashlib.sha1(str(outdir).encode(), usedforsecurity=False).hexdigest()
    return Path(os.environ[META_DIR_ENV]) / f"{digest}.json"


def write_sidecar(outdir: Path, entries: dict[str, metadata.Entry]) -> None:
    if not entries or META_DIR_ENV not in os.environ:
        return
    path = sidecar_path(outdir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({k: v.to_dict() for k, v in entries.items()}))
