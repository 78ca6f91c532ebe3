"""Extraction without unblob: formats recognised at offset 0 only (squashfs via unsquashfs,
tar, zip, gzip/xz/bzip2 via Python), each member checked. Used when unblob cannot be
imported; records that it was used.
"""

from __future__ import annotations

import json
import lzma
import os
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

from workbench.firmware import magic, members, metadata, safe_archive, streams, unsquashfs
from workbench.firmware.entropy import region_entropy
from workbench.firmware.journal import new_layer
from workbench.firmware.limits import ExtractionLimits

PYTHON_KINDS = {"gzip", "xz", "bzip2", "lzma"}
ARCHIVES = {  # kind: (Python's reader, its member listing, its checked extraction)
    "tar": ("tarfile", metadata.list_tar, safe_archive.extract_tar),
    "zip": ("zipfile", metadata.list_zip, safe_archive.extract_zip),
}
# what a corrupt or hostile archive makes Python's readers raise (an encrypted zip member is a
# RuntimeError, an unknown compression method NotImplementedError), and launching unsquashfs an
# OSError; anything else is a bug, which the worker reports as a crash
ARCHIVE_ERRORS = (
    OSError,
    EOFError,
    ValueError,
    RuntimeError,
    NotImplementedError,
    tarfile.TarError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    lzma.LZMAError,
    zlib.error,
)


def _extract(
    path: Path, kind: str, outdir: Path, budget: safe_archive.SizeBudget, bounds: streams.StreamBounds
) -> tuple[bool, str, dict[str, metadata.Entry], list[safe_archive.Problem]]:
    if kind == "squashfs_v4_le":
        outcome = unsquashfs.extract(path, outdir, outdir.with_suffix(".exclude"))
        return outcome.ok, "; ".join(outcome.notes), outcome.entries, []
    if kind in ARCHIVES:
        reader, list_members, extract = ARCHIVES[kind]
        entries = list_members(path)
        return True, f"extracted with Python {reader} (fallback)", entries, extract(path, outdir, budget)
    if kind in PYTHON_KINDS:
        problems = safe_archive.decompress(path, outdir, kind, bounds)
        return True, f"decompressed with Python {kind} (fallback)", {}, problems
    return False, f"{kind}: no fallback extractor without unblob", {}, []


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(magic.HEAD_SIZE)


def run_fallback(image: Path, root: Path, limits: ExtractionLimits, journal: Any) -> None:
    budget = safe_archive.SizeBudget(limits.max_total_size)
    bounds = streams.StreamBounds(limits.max_total_size, limits.max_ratio, limits.ratio_from)
    queue: list[tuple[Path, int | None, str | None, int]] = [(image, None, None, 1)]
    next_id = 0
    while queue:
        path, parent, container, depth = queue.pop(0)
        size = path.stat().st_size
        with open(path, "rb") as handle:
            head = handle.read(magic.HEAD_SIZE)
            entropy = region_entropy(handle, 0, size)
        kind = magic.sniff(head)
        layer = new_layer(next_id, parent, container, depth, 0, size, True)
        layer["format"] = kind or "unknown"
        next_id += 1
        if kind is None:
            if parent is not None:
                continue
            layer["reason"] = f"no known format (entropy {entropy:.2f})"
            if entropy >= 7.5 and size >= 1024:
                journal.write(
                    "warning",
                    kind="encrypted_or_compressed",
                    layer=None,
                    member=None,
                    message=f"encrypted or compressed region, entropy {entropy:.2f} (bytes 0-{size})",
                )
            journal.write("layer", **layer)
            continue
        outdir = root / "x" / str(layer["id"]) / f"{path.name}_extract"
        try:
            ok, note, entries, problems = _extract(path, kind, outdir, budget, bounds)
        except OverflowError as exc:
            journal.write("warning", kind="limit", layer=layer["id"], member=None, message=str(exc))
            ok, note, entries, problems = outdir.exists(), "stopped: size limit", {}, []
        except ARCHIVE_ERRORS as exc:  # corrupt archive: record and go on
            ok, note, entries, problems = False, f"{kind} extraction failed: {exc}", {}, []
        for problem in problems:
            journal.write(
                "warning",
                kind="archive_member",
                layer=layer["id"],
                member=problem.path,
                message=members.sentence(problem.path, problem.problem, problem.resolution) or "",
            )
        layer["reason"] = note
        if ok and outdir.exists():
            layer["extracted"] = True
            layer["dir"] = outdir.relative_to(root).as_posix()
            if entries:
                meta = root / "meta" / f"fallback-{layer['id']}.json"
                meta.parent.mkdir(parents=True, exist_ok=True)
                meta.write_text(json.dumps({k: v.to_dict() for k, v in entries.items()}))
                layer["meta"] = meta.relative_to(root).as_posix()
            if depth < limits.max_depth:
                for dirpath, _dirs, files in os.walk(outdir):
                    for name in sorted(files):
                        child = Path(dirpath) / name
                        st = child.lstat()
                        if stat.S_ISREG(st.st_mode) and magic.sniff(_head(child)):
                            queue.append(
                                (child, layer["id"], child.relative_to(outdir).as_posix(), depth + 1)
                            )
        journal.write("layer", **layer)
