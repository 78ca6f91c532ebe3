"""Analyse each artefact once per case, cached by its SHA-256 under the case's cache/ folder.

The cache is derived data, never evidence: deleting it only costs time. Each analysis is a
result folder (`workbench.columnar`: Parquet tables and meta.json), opened only when whole and of
this engine version, else rebuilt. Every notebook and every check of a batch reads the same
cached result, each only the tables and columns it needs, instead of re-reading a capture or
re-extracting an image.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.case import Artefact, Case


def _key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def capture_analysis(case: Case, artefact: Artefact) -> Any:
    """The capture's analysis: its result folder in the cache (Parquet tables, read as asked
    for), built when missing, damaged or of another engine version."""
    from workbench.capture import CaptureAnalysis, analyse_capture

    ips = tuple(case.info.device_ips or ())
    macs = tuple(case.info.device_macs or ())
    folder = case.cache_dir / artefact.sha256 / f"capture-{_key(ips, macs)}"
    found = CaptureAnalysis.open(folder)
    if found is not None:
        return found
    for stale in folder.parent.glob("capture-*.json"):  # the cache of versions before result folders
        stale.unlink(missing_ok=True)
    return analyse_capture(artefact.path, device_ips=ips, device_macs=macs, out=folder, cache=True)


def firmware_scan(case: Case, artefact: Artefact) -> Any:
    """The image's scan: its result folder in the cache, built when missing, damaged or of another
    engine version. The case folder may have moved since: the scan finds its files under workdir."""
    from workbench.firmware import FirmwareScan, scan_firmware

    feeds = [a for a in case.artefacts(kind="vuln-feed")]
    folder = case.cache_dir / artefact.sha256 / f"firmware-{_key([a.sha256 for a in feeds])}"
    workdir = case.cache_dir / artefact.sha256 / "extract"
    found = FirmwareScan.open(folder, workdir=workdir)
    if found is not None:
        return found
    for stale in folder.parent.glob("firmware-*.json"):  # the cache of versions before result folders
        stale.unlink(missing_ok=True)
    feed_paths = [Path(a.path) for a in feeds] or None
    return scan_firmware(artefact.path, workdir=workdir, vuln_feed=feed_paths, out=folder, cache=True)


def prepare(case: Case) -> None:
    """Analyse every capture and firmware artefact of the case (the batch does this first); a live
    probe's capture is not analysed (the checks read the probe's own results, which point into it)."""
    for artefact in case.artefacts(kind="capture"):
        if artefact.evidence_kind == "capture":
            capture_analysis(case, artefact)
    for artefact in case.artefacts(kind="firmware"):
        firmware_scan(case, artefact)
