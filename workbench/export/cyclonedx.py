"""formats/sbom/<image>.cdx.json: the CycloneDX SBOM of each firmware image of a case, with its OSV
matches as a vulnerabilities (VEX) section; and the SBOMs of a sealed bundle read back for
`workbench export --format cyclonedx`. Every SBOM is validated by cyclonedx-python-lib's schema
validator before it is written or handed out.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from workbench.errors import BundleError
from workbench.fsutil import atomic_write_text
from workbench.sealed import BundleView
from workbench.sealed.names import CASE_DIR, FORMATS_DIR

SBOM_DIR = f"{FORMATS_DIR}/sbom"
SUFFIX = ".cdx.json"
_SAFE = re.compile(r"[^A-Za-z0-9._+-]")
_SBOM_NAME = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9._+-]*\.cdx\.json")
MAX_STEM = 120


def write_sboms(bundle_dir: Path, case: Any, warnings: list[str]) -> list[Path]:
    """Write formats/sbom/<artefact>.cdx.json for each firmware artefact of `case`, from its cached
    scan (the batch analysed every artefact before; a missing cache is scanned as the analysis does).
    An image that cannot be scanned is named in `warnings`; an SBOM the validator rejects is a
    BundleError."""
    from workbench.analysis import firmware_scan
    from workbench.firmware.sbom import build_sbom

    images = sorted(case.artefacts(kind="firmware"), key=lambda a: a.name)
    written: list[Path] = []
    taken: set[str] = set()
    for artefact in images:
        try:
            scan = firmware_scan(case, artefact)
        except Exception as exc:  # one image that cannot be scanned must not cost the others' SBOMs
            warnings.append(f"no SBOM of {artefact.name}: its scan failed: {type(exc).__name__}: {exc}")
            continue
        text = build_sbom(
            scan,
            timestamp=_when(artefact.added_at),
            version=case.info.firmware_version if len(images) == 1 else None,
            vendor=case.info.vendor,
        )
        name = sbom_file_name(artefact.name, artefact.sha256, taken)
        validated(text, f"{SBOM_DIR}/{name}")
        target = bundle_dir / SBOM_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, text)
        written.append(target)
    return written


def sboms_from_bundle(view: BundleView) -> dict[str, str]:
    """The bundle's SBOMs by file name (formats/sbom/*.cdx.json), each validated again. BundleError
    when the bundle has none, or one is not a valid CycloneDX document."""
    found: dict[str, str] = {}
    for rel in view.names(SBOM_DIR):
        name = rel[len(SBOM_DIR) + 1:]
        if not _SBOM_NAME.fullmatch(name):  # a sub-folder or another file: not one of ours
            continue
        try:
            text = view.read_bytes(rel).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BundleError(f"not UTF-8 text: {exc}", path=f"{view.label}:{rel}") from None
        found[name] = validated(text, f"{view.label}:{rel}")
    if not found:
        raise BundleError(_why_none(view), path=view.label)
    return found


def validated(text: str, where: str) -> str:
    """`text` when it is a valid CycloneDX document, else a BundleError saying where and why."""
    from workbench.firmware.sbom import SPEC_VERSION, validation_error

    problem = validation_error(text)
    if problem is not None:
        raise BundleError(f"not a valid CycloneDX {SPEC_VERSION} SBOM: {problem}", path=where)
    return text


def sbom_file_name(artefact_name: str, sha256: str, taken: set[str]) -> str:
    """A file name for an image's SBOM: its name with anything but letters, digits and `._+-`
    replaced, never hidden, at most MAX_STEM characters, and unique among `taken` (which it joins)."""
    stem = _SAFE.sub("_", artefact_name).lstrip(".")[:MAX_STEM] or "firmware"
    name = f"{stem}{SUFFIX}"
    if name in taken:
        name = f"{stem}-{_SAFE.sub('_', sha256)[:12]}{SUFFIX}"
    counter = 2
    while name in taken:
        name, counter = f"{stem}-{counter}{SUFFIX}", counter + 1
    taken.add(name)
    return name


def _why_none(view: BundleView) -> str:
    """Why a bundle has no SBOM: no firmware image in its case, or its SBOMs were not written."""
    rel = f"{CASE_DIR}/artefacts.yaml"
    try:
        listed = yaml.safe_load(view.read_bytes(rel, 16 << 20)) if view.has(rel) else None
    except yaml.YAMLError:
        listed = None
    entries = listed.get("artefacts") if isinstance(listed, dict) else None
    kinds = [e.get("kind") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    if "firmware" in kinds:
        return "the bundle's case has a firmware image but the bundle holds no SBOM of it (see its warnings)"
    return "the bundle holds no firmware image: no SBOM"


def _when(added_at: str) -> datetime | None:
    """When the image entered the case (its record, UTC): the SBOM's timestamp, the same every run."""
    try:
        return datetime.fromisoformat(added_at)
    except (TypeError, ValueError):
        return None
