"""Scans kept for `firmware diff`: one result folder per image and scan options under a work
folder, `<workdir>/scans/<image sha256>-opt-<options>`, reused while complete (FirmwareScan.open
checks every file against its meta.json), else scanned again into the same place."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from workbench.errors import EvidenceError
from workbench.firmware.result import RESULT_VERSION, FirmwareScan
from workbench.fsutil import sha256_file

MAX_FEED_FILES = 200_000  # a feed folder's files looked at for the cache key


def _feed_marks(feed: Path) -> list[list[object]]:
    """What identifies a feed's content for the cache key: each file's path, size and change
    time (a changed feed is a new key; a feed is not hashed byte by byte)."""
    try:
        if feed.is_dir():
            found = []
            for folder, dirs, names in os.walk(feed):
                dirs.sort()
                for name in sorted(names):
                    facts = os.stat(os.path.join(folder, name), follow_symlinks=False)
                    found.append(
                        [os.path.relpath(os.path.join(folder, name), feed), facts.st_size, facts.st_mtime_ns]
                    )
                    if len(found) >= MAX_FEED_FILES:
                        return found
            return found
        facts = feed.stat()
        return [[".", facts.st_size, facts.st_mtime_ns]]
    except OSError:
        return [["missing"]]


def options_key(vuln_feed: Iterable[str | os.PathLike[str]] = (), reveal_secrets: bool = False) -> str:
    """The scan options as part of a cache folder's name (12 hex digits)."""
    feeds = [[str(Path(f).resolve()), _feed_marks(Path(f))] for f in vuln_feed]
    text = json.dumps({"version": RESULT_VERSION, "feeds": feeds, "reveal": bool(reveal_secrets)})
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def image_digest(image: str | os.PathLike[str]) -> str:
    path = Path(image)
    if not path.is_file():
        raise EvidenceError("no such file" if not path.exists() else "not a regular file", path=str(path))
    try:
        return sha256_file(path)
    except OSError as exc:
        raise EvidenceError(f"cannot be read: {exc.strerror}", path=str(path)) from exc


def cached_scan(
    image: str | os.PathLike[str],
    *,
    workdir: str | os.PathLike[str],
    vuln_feed: Iterable[str | os.PathLike[str]] = (),
    reveal_secrets: bool = False,
) -> tuple[FirmwareScan, bool]:
    """The scan of `image` with these options: the one kept under `workdir` (True: reused), else
    a new one written there (False)."""
    from workbench.firmware.scan import scan_firmware

    feeds = list(vuln_feed)
    workdir = Path(workdir)
    folder = workdir / "scans" / f"{image_digest(image)}-opt-{options_key(feeds, reveal_secrets)}"
    found = FirmwareScan.open(folder, workdir=workdir)
    if found is not None:
        found.image["name"] = Path(image).name  # the same bytes may have come under another name
        return found, True
    scan = scan_firmware(
        image, workdir=workdir, vuln_feed=feeds or None, reveal_secrets=reveal_secrets, out=folder, cache=True
    )
    return scan, False
