"""manifest.json: what went in (inputs, versions, command) and the hash of every file that came out.

The manifest's own SHA-256 is written beside it (`manifest.sha256`, in `sha256sum` format) and
into the zip's comment, so a changed manifest is detected too. This proves integrity since
sealing, not authorship: anyone able to rewrite the manifest can rewrite its hash as well; a
signature (`signature.json`, workbench.signing) says who sealed it.
"""

from __future__ import annotations

import hashlib
import platform
import re
from importlib import metadata
from pathlib import Path
from typing import Any

from workbench.fsutil import sha256_file
from workbench.sealed.names import FORMAT as FORMAT
from workbench.sealed.names import MANIFEST as MANIFEST
from workbench.sealed.names import MANIFEST_HASH as MANIFEST_HASH
from workbench.sealed.names import SEALS as SEALS
from workbench.sealed.source import bundle_files

# Distributions whose versions shape the evidence: the engines, the notebook stack, crypto.
KEY_DISTRIBUTIONS = (
    "inspector-workbench", "pandas", "numpy", "scapy", "cryptography", "papermill", "nbconvert",
    "nbclient", "nbformat", "ipykernel", "jupyter_client", "ipywidgets", "matplotlib", "lief",
    "pyelftools", "unblob", "libpass", "pydantic", "PyYAML", "Jinja2", "pyzmq", "tqdm",
)


def library_versions() -> dict[str, str | None]:
    from workbench import __version__

    versions: dict[str, str | None] = {"python": platform.python_version(), "workbench": __version__}
    for name in KEY_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    versions["platform"] = platform.platform()
    return versions


def catalog_entry(catalog: Any, case: Any, given: str | None) -> tuple[dict[str, Any], str | None]:
    """The manifest's `catalog`: what was loaded (edition, source, file digest `sha256`, content hash
    `content_sha256`), what the case records, whether they match; and a warning when they do not."""
    from workbench.case.catalogref import provenance

    check = provenance(case.info, catalog)
    entry = {
        "edition": str(catalog.edition),
        "source": str(getattr(catalog, "source", "") or given or catalog.edition),
        "sha256": getattr(catalog, "sha256", None),
        "content_sha256": check["loaded"]["sha256"],
        "hash_scheme": check["hash_scheme"],
        "case_records": check["recorded"],
        "matches_case": check["matches"],
    }
    return entry, check["warning"]


def file_entry(path: Path, rel: str, **extra: Any) -> dict[str, Any]:
    return {"path": rel, "sha256": sha256_file(path), "size": path.stat().st_size, **extra}


def output_entries(bundle_dir: Path) -> list[dict[str, Any]]:
    """Every regular file of the bundle except the seals, with POSIX paths, in sorted order."""
    entries = []
    for rel in sorted(bundle_files(bundle_dir)):
        if rel not in SEALS:
            entries.append(file_entry(bundle_dir / rel, rel))
    return entries




def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal_line(digest: str) -> str:
    """The sidecar's content: `sha256sum -c manifest.sha256` checks it."""
    return f"{digest}  {MANIFEST}\n"


def parse_seal(text: str) -> str | None:
    """The digest in a sidecar written by seal_line; None unless it is exactly that form."""
    match = re.fullmatch(r"([0-9a-f]{64})  " + re.escape(MANIFEST) + r"\n", text)
    return match.group(1) if match else None


def zip_comment(digest: str) -> bytes:
    return f"{FORMAT} {MANIFEST} sha256={digest}".encode("ascii")


def parse_zip_comment(comment: bytes) -> str | None:
    """The digest in a comment written by zip_comment; None unless it is exactly that form."""
    match = re.fullmatch(
        re.escape(FORMAT) + " " + re.escape(MANIFEST) + r" sha256=([0-9a-f]{64})",
        comment.decode("ascii", "replace"),
    )
    return match.group(1) if match else None
