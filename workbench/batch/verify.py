"""`workbench verify`: recompute every hash of a bundle (a .zip or a folder) against its manifest.

Zip members are hashed as streams, never extracted; names that are absolute, climb with `..`,
use backslashes or appear twice are refused. A member is read at most one byte past the size
the manifest records, so a decompression bomb costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from workbench.batch.manifest import parse_seal, parse_zip_comment
from workbench.errors import BundleError
from workbench.sealed import MANIFEST, MANIFEST_HASH, SEALS, BundleSource, open_bundle

CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 64 << 20


@dataclass
class VerifyReport:
    bundle: str
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # seals, unreadable members, bad names
    checked: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.problems)

    def lines(self) -> list[str]:
        out = [f"PROBLEM  {p}" for p in self.problems]
        out += [f"CHANGED  {p}" for p in self.changed]
        out += [f"MISSING  {p}" for p in self.missing]
        out += [f"ADDED    {p}" for p in self.added]
        return out


def verify_bundle(path: str | Path) -> VerifyReport:
    with open_bundle(path) as source:
        return verify_source(source)


def verify_source(source: BundleSource) -> VerifyReport:
    """Integrity of an opened bundle: every output's hash against the manifest, and the seals."""
    comment = source.zip_comment
    comment_digest = None if comment is None else (parse_zip_comment(comment) or "")
    report = _verify(source, source.label, comment_digest=comment_digest)
    report.problems[:0] = source.bad
    return report


def _verify(source: BundleSource, label: str, *, comment_digest: str | None) -> VerifyReport:
    report = VerifyReport(bundle=label)
    names = set(source.names())
    if MANIFEST not in names:
        raise BundleError(f"no {MANIFEST} in the bundle: not a workbench evidence bundle", path=label)
    try:
        raw = source.read_small(MANIFEST, MAX_MANIFEST_BYTES)
        manifest = json.loads(raw)
        outputs = {e["path"]: (int(e["size"]), str(e["sha256"])) for e in manifest["outputs"]}
    except (ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:  # a hostile manifest, any shape
        report.problems.append(f"{MANIFEST} is unreadable or not a manifest ({exc})")
        report.changed.append(MANIFEST)
        return report
    report.manifest = manifest
    _check_seals(source, names, hashlib.sha256(raw).hexdigest(), comment_digest, report)

    for rel in sorted(outputs):
        size, sha256 = outputs[rel]
        if rel not in names:
            report.missing.append(rel)
            continue
        report.checked += 1
        try:
            if _hash_capped(source, rel, size) != (size, sha256):
                report.changed.append(rel)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            report.problems.append(f"{rel}: unreadable ({exc})")
            report.changed.append(rel)
    report.added = sorted(n for n in names if n not in outputs and n not in SEALS)
    report.added += [f"{link} (symbolic link)" for link in source.links]
    return report


def verify_inputs(report: VerifyReport, case_dir: str | Path) -> list[str]:
    """Compare the inputs the manifest recorded with a case folder as it is now."""
    from workbench.fsutil import sha256_file

    root = Path(case_dir)
    lines = []
    for entry in report.manifest.get("inputs", []):
        if entry.get("role") == "notebook-source" or not entry.get("sha256"):
            continue
        rel = str(entry["path"])
        path = root / rel
        if ".." in PurePosixPath(rel).parts or PurePosixPath(rel).is_absolute():
            lines.append(f"INPUT PROBLEM  {rel} (path outside the case)")
        elif not path.is_file():
            lines.append(f"INPUT MISSING  {rel}")
        elif sha256_file(path) != entry["sha256"]:
            lines.append(f"INPUT CHANGED  {rel}")
    return lines


def _check_seals(
    source: BundleSource, names: set[str], actual: str, comment_digest: str | None, report: VerifyReport
) -> None:
    if MANIFEST_HASH not in names:
        report.missing.append(MANIFEST_HASH)
    else:
        sealed = parse_seal(source.read_small(MANIFEST_HASH, 4096).decode("ascii", "replace"))
        if sealed is None:
            report.changed.append(MANIFEST_HASH)
            report.problems.append(f"{MANIFEST_HASH} is not a sha256sum line for {MANIFEST}")
        elif sealed != actual:
            report.changed.append(MANIFEST)
            report.problems.append(f"{MANIFEST} does not match the hash in {MANIFEST_HASH}")
    if comment_digest is not None and comment_digest != actual:
        if comment_digest:
            report.problems.append(f"the hash in the zip comment does not match {MANIFEST}")
        else:
            report.problems.append(f"the zip comment carries no hash of {MANIFEST}")
        if MANIFEST not in report.changed:
            report.changed.append(MANIFEST)


def _hash_capped(source: BundleSource, rel: str, size: int) -> tuple[int, str]:
    digest = hashlib.sha256()
    seen = 0
    with source.open(rel) as handle:
        while seen <= size:
            chunk = handle.read(min(CHUNK, size + 1 - seen))
            if not chunk:
                break
            digest.update(chunk)
            seen += len(chunk)
    return seen, digest.hexdigest()
