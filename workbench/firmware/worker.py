"""The extraction worker: a separate, confined process that unpacks one image.

Started by `workbench.firmware.extract` as `python -m workbench.firmware.worker JOB.json`.
It writes everything under the job's folder, and reports what it did, line by line, to a
journal (JSON lines) so that a worker stopped by a limit still leaves an account of its work.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import traceback
from functools import cmp_to_key
from pathlib import Path
from typing import Any

from workbench.firmware import direct, magic, members
from workbench.firmware.direct import quiet_unblob
from workbench.firmware.journal import Journal, new_layer
from workbench.firmware.limits import ExtractionLimits
from workbench.fsutil import remove_tree

ARCHIVE_AND_FS = (
    "squashfs",
    "extfs",
    "jffs2",
    "ubi",
    "cramfs",
    "romfs",
    "yaffs",
    "fat",
    "iso9660",
    "erofs",
    "tar",
    "zip",
    "cpio",
    "sevenzip",
    "rar",
    "ar",
    "minix",
    "ntfs",
    "ufs",
    "btrfs",
)
HIGH_ENTROPY = 7.5
MAX_NESTED = 5000
TOO_LARGE = "File too large"
LIMIT_MESSAGE = "extraction stopped: a file reached the size limit (decompression bomb?)"


def require_unblob() -> None:
    """ImportError when unblob or structlog is not installed (the fallback extractor then runs),
    without importing them."""
    for name in ("unblob", "structlog"):
        if importlib.util.find_spec(name) is None:
            raise ImportError(f"No module named {name!r}", name=name)


def read_head(path: Path | str, size: int = magic.HEAD_SIZE) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return os.read(fd, size)
    finally:
        os.close(fd)


class Worker:
    def __init__(self, root: Path, limits: ExtractionLimits, journal: Journal) -> None:
        self.root = root
        self.limits = limits
        self.journal = journal
        self.next_id = 0
        self.nested = 0
        self._handlers: tuple | None = None
        # layer id -> (its folder, its containers), found as the tree was fixed
        self.found: dict[int, tuple[str, list[str]]] = {}

    @property
    def handlers(self) -> tuple:
        """Built once: unblob caches its pattern database per handler tuple (0.3 s a build)."""
        if self._handlers is None:
            quiet_unblob()
            from workbench.firmware.unblob_plugins import build_handlers

            self._handlers = build_handlers(self.limits)
        return self._handlers

    # --- one unblob run over one file ---------------------------------------------------
    def unpack(
        self, path: Path, parent: int | None, container: str | None, depth: int, quiet_if_unknown: bool
    ) -> list[dict]:
        """The layers unblob finds in one file (its chunks, or the whole file as one unknown
        layer), journalled; the extracted ones are unpacked further by `run`."""
        quiet_unblob()
        from unblob.processing import ExtractionConfig, process_file
        from unblob.report import ChunkReport, MaliciousSymlinkRemoved, UnknownChunkReport

        config = ExtractionConfig(
            extract_root=self.root / "x" / str(self.next_id),
            randomness_depth=0,
            max_depth=1,
            process_num=1,
            handlers=self.handlers,
            keep_extracted_chunks=False,
        )
        result = process_file(config, path)
        size = path.stat().st_size
        reports = [rep for r in result.results if r.task.depth == 0 for rep in r.reports]
        chunks = [r for r in reports if isinstance(r, ChunkReport | UnknownChunkReport)]
        chunks.sort(key=lambda r: r.start_offset)
        whole = len(chunks) == 1 and isinstance(chunks[0], ChunkReport) and chunks[0].size == size
        layers = []
        for chunk in chunks:
            layer = new_layer(
                self.next_id, parent, container, depth, chunk.start_offset, chunk.end_offset, whole
            )
            self.next_id += 1
            if isinstance(chunk, UnknownChunkReport) or chunk.handler_name == "padding":
                padding = not isinstance(chunk, UnknownChunkReport)
                layer.update(
                    self._unknown(path, chunk.start_offset, chunk.end_offset, padding=padding, quiet=False)
                )
            else:
                self._chunk_layer(layer, chunk, path, config, whole)
            layers.append(layer)
        if not chunks:
            layer = new_layer(self.next_id, parent, container, depth, 0, size, True)
            layer.update(self._unknown(path, 0, size, padding=False, quiet=quiet_if_unknown))
            if not quiet_if_unknown or layer["format"] != "unknown":
                self.next_id += 1
                layers.append(layer)
        for rep in reports:
            if isinstance(rep, MaliciousSymlinkRemoved):
                self.warn_disk(
                    "symlink_escape",
                    rep.link,
                    "symbolic link pointing outside the extraction folder: recorded, not followed",
                )
        for layer in layers:
            self.journal.write("layer", **layer)
        return layers

    def _chunk_layer(self, layer: dict[str, Any], chunk: Any, path: Path, config: Any, whole: bool) -> None:
        """Fills in a recognised chunk's layer: its format, where unblob extracted it, and why
        it was (partly) not."""
        from unblob.models import ErrorReport

        from workbench.firmware.unblob_plugins import sidecar_path

        layer["format"] = chunk.handler_name
        carved = (
            path
            if whole
            else config.get_carve_dir_for(path)
            / (f"{chunk.start_offset}-{chunk.end_offset}.{chunk.handler_name}")
        )
        extract_dir = config.get_extract_dir_for(carved)
        notes = self._extraction_notes(layer["id"], chunk)
        if chunk.is_encrypted:
            notes.append("encrypted: not extracted")
        if extract_dir.exists():
            layer["extracted"] = True
            layer["dir"] = extract_dir.relative_to(self.root).as_posix()
            meta = sidecar_path(extract_dir)
            if meta.exists():
                layer["meta"] = meta.relative_to(self.root).as_posix()
        failed = any(
            isinstance(r, ErrorReport) and r.severity.value == "ERROR" for r in chunk.extraction_reports
        )
        if layer["extracted"] and failed:
            notes.append("partially extracted")
        layer["reason"] = "; ".join(notes)

    def _extraction_notes(self, layer_id: int, chunk: Any) -> list[str]:
        """What unblob's extractor reported for a chunk, in words; limits and members it
        refused become warnings."""
        from unblob.report import (
            ExtractCommandFailedReport,
            ExtractionProblem,
            ExtractorDependencyNotFoundReport,
            ExtractorTimedOut,
            UnknownError,
        )

        from workbench.firmware.unblob_plugins import LayerNote

        notes: list[str] = []
        for rep in chunk.extraction_reports:
            if isinstance(rep, LayerNote):
                notes.append(rep.note)
            elif isinstance(rep, ExtractorDependencyNotFoundReport):
                needs = ", ".join(rep.dependencies)
                notes.append(f"not extracted: needs {needs}, not installed")
                where = f"{chunk.handler_name} at offset {chunk.start_offset}"
                self.warn("missing_tool", layer_id, None, f"{where} needs {needs}, which is not installed")
            elif isinstance(rep, ExtractCommandFailedReport):
                err = rep.stderr.decode("utf-8", "replace").strip().splitlines()
                if any(TOO_LARGE in line for line in err) or rep.exit_code == -25:
                    self.warn("limit", layer_id, None, LIMIT_MESSAGE)
                notes.append(
                    f"{rep.command.split(' ')[0]} failed (exit {rep.exit_code})"
                    + (f": {err[-1]}" if err else "")
                )
            elif isinstance(rep, ExtractorTimedOut):
                notes.append(f"extractor timed out after {rep.timeout} s")
            elif isinstance(rep, UnknownError):
                if TOO_LARGE in str(rep.exception):
                    self.warn("limit", layer_id, None, LIMIT_MESSAGE)
                notes.append("extractor error: " + str(rep.exception).strip().splitlines()[-1])
            elif isinstance(rep, ExtractionProblem):
                self._member_warning(layer_id, rep)
                if rep.problem.startswith("uImage"):
                    notes.append(rep.problem)
        return [self.scrub(note) for note in notes]

    def _member_warning(self, layer_id: int, rep: Any) -> None:
        """A member an extractor skipped, redirected or stopped, in a sentence of its own."""
        from workbench.firmware.unblob_plugins import LimitProblem

        text = members.sentence(rep.path, rep.problem, rep.resolution)
        if text is not None:
            kind = "limit" if isinstance(rep, LimitProblem) else "archive_member"
            self.warn(kind, layer_id, rep.path, text)

    def scrub(self, text: str) -> str:
        """Paths of the extraction folder in an extractor's message, made relative to it (the scan
        turns the folders of layers into image paths)."""
        for root in {str(self.root), str(self.root.resolve())}:
            text = text.replace(root + "/", "").replace(root, ".")
        return text

    def _unknown(self, path: Path, start: int, end: int, *, padding: bool, quiet: bool) -> dict[str, Any]:
        if padding:
            return {"format": "padding", "reason": "padding"}
        from workbench.firmware.entropy import region_entropy  # numpy: not for a whole squashfs

        with open(path, "rb") as handle:
            handle.seek(start)
            head = handle.read(magic.HEAD_SIZE)
            entropy = region_entropy(handle, start, end - start)
        explained = magic.explain_unknown(head, end - start)
        fmt, reason = explained if explained else ("unknown", "no known format")
        reason += f" (entropy {entropy:.2f})"
        if quiet and not explained:
            return {"format": fmt, "reason": reason}
        if explained and fmt == "squashfs_v4_le":
            self.warn("truncated", None, None, f"{reason} at offset {start} of {path.name}")
        if fmt == "unknown" and entropy >= HIGH_ENTROPY and end - start >= 1024:
            self.warn(
                "encrypted_or_compressed",
                None,
                None,
                f"encrypted or compressed region, entropy {entropy:.2f} (bytes {start}-{end})",
            )
        return {"format": fmt, "reason": reason}

    def warn(self, kind: str, layer: int | None, member: str | None, message: str) -> None:
        self.journal.write("warning", kind=kind, layer=layer, member=member, message=self.scrub(message))

    def warn_disk(self, kind: str, disk_path: str, message: str) -> None:
        try:
            rel = Path(disk_path).relative_to(self.root).as_posix()
        except ValueError:
            rel = disk_path
        self.journal.write("warning", kind=kind, layer=None, disk=rel, message=message)

    # --- recursion ----------------------------------------------------------------------
    def unpack_directly(self, path: Path) -> list[dict] | None:
        """The layer of a whole-file squashfs image, unpacked and journalled as `unpack` (unblob)
        would, without unblob (`workbench.firmware.direct`); None when the file is not such an
        image or unsquashfs failed: then it is unblob's to unpack, from a clean folder."""
        if not direct.whole_squashfs(path) or shutil.which("unsquashfs") is None:
            return None
        from workbench.firmware import unsquashfs
        from workbench.firmware.sidecar import sidecar_path, write_sidecar

        top = self.root / "x" / str(self.next_id)
        outdir = (top / f"{path.name}_extract").expanduser().resolve()
        if top.exists():
            return None
        outdir.mkdir(parents=True)
        meta = sidecar_path(outdir)
        # its sidecar written while unsquashfs extracts (a third of a second for 65,000 entries)
        outcome = unsquashfs.extract(
            path, outdir, meta.with_suffix(".exclude"), lambda entries: write_sidecar(outdir, entries)
        )
        if not outcome.ok:
            remove_tree(top)
            meta.with_suffix(".exclude").unlink(missing_ok=True)
            meta.unlink(missing_ok=True)
            return None
        containers: list[str] = []  # found as the tree is fixed: its files' heads read in that walk

        def look(file: str) -> None:
            if _is_container(file):
                containers.append(file)

        removed = direct.fix_tree(outdir, look, outcome.entries)  # modes the listing shows set: no lstat
        if outdir.exists() and not any(outdir.iterdir()):  # unblob's delete_empty_extract_dir
            outdir.rmdir()
        layer = new_layer(self.next_id, None, None, 1, 0, path.stat().st_size, True)
        self.next_id += 1
        layer["format"] = direct.NAME
        if outdir.exists():
            layer["extracted"] = True
            layer["dir"] = outdir.relative_to(self.root).as_posix()
            if meta.exists():
                layer["meta"] = meta.relative_to(self.root).as_posix()
        layer["reason"] = "; ".join(outcome.notes)
        self.found[layer["id"]] = (str(outdir), containers)
        for rep in removed:
            self.warn_disk(
                "symlink_escape",
                rep.link,
                "symbolic link pointing outside the extraction folder: recorded, not followed",
            )
        self.journal.write("layer", **layer)
        return [layer]

    def run(self, image: Path) -> None:
        top = self.unpack_directly(image) or self.unpack(image, None, None, 1, quiet_if_unknown=False)
        pending = [(layer, image) for layer in top]
        while pending:
            layer, _ = pending.pop(0)
            if not layer["extracted"]:
                continue
            fs_like = layer["format"].startswith(ARCHIVE_AND_FS)
            base = self.root / layer["dir"]
            found = self.found.pop(layer["id"], None)
            listed = self.candidates(base, fs_like) if found is None else walk_order(*found, base)
            for file, rel in listed:
                if layer["depth"] + 1 > self.limits.max_depth:
                    self.warn(
                        "depth_limit",
                        layer["id"],
                        rel,
                        f"not unpacked: nesting depth limit {self.limits.max_depth} reached",
                    )
                    continue
                if self.nested >= MAX_NESTED:
                    self.warn(
                        "limit", layer["id"], rel, f"more than {MAX_NESTED} nested archives: rest skipped"
                    )
                    return
                self.nested += 1
                children = self.unpack(file, layer["id"], rel, layer["depth"] + 1, quiet_if_unknown=True)
                pending.extend((child, file) for child in children)

    def candidates(self, base: Path, fs_like: bool):
        """Files inside an extracted layer worth unpacking: containers by their magic bytes,
        and, in layers that are not filesystems (a uImage payload, a decompressed stream),
        every file of some size. Paths as strings until a file is one (a Path per entry cost
        more than reading its head)."""
        top = str(base)
        stack = [top]
        while stack:
            directory = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                # the kinds from the listing (no stat call where the file system says them); the
                # size only where it counts beyond the head: a file under 64 bytes is read whole
                size = 0
                try:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    if not fs_like:
                        size = entry.stat(follow_symlinks=False).st_size
                        if size < 64:
                            continue
                    head = read_head(entry.path)
                except OSError:
                    continue
                if _worth_unpacking(head, fs_like, size):
                    path = Path(entry.path)
                    yield path, path.relative_to(base).as_posix()


def _worth_unpacking(head: bytes, fs_like: bool, size: int) -> bool:
    """A file with these first bytes is unpacked further: 64 bytes or more, no ELF, and a
    container by its magic, or (in a layer that is no file system) of 512 bytes or more."""
    if len(head) < 64 or head.startswith(b"\x7fELF"):
        return False
    return bool(magic.sniff(head)) or (not fs_like and size >= 512)


def _is_container(file: str) -> bool:
    """`Worker.candidates`' test of a file of a file-system layer, the file read here."""
    try:
        head = read_head(file)
    except OSError:
        return False
    return _worth_unpacking(head, True, 0)


def walk_order(top: str, files: list[str], base: Path) -> list[tuple[Path, str]]:
    """`files` under the folder `top` (`base`) in the order `Worker.candidates` gives them: each
    folder's files by name before what its subfolders hold, the subfolders by name from the last."""

    def before(a: list[str], b: list[str]) -> int:
        i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
        if i is None:  # the same file twice
            return 0
        a_file, b_file = i == len(a) - 1, i == len(b) - 1
        if a_file != b_file:
            return -1 if a_file else 1
        earlier = a[i] < b[i] if a_file else a[i] > b[i]
        return -1 if earlier else 1

    parts = sorted((f[len(top) + 1 :].split("/") for f in files), key=cmp_to_key(before))
    return [(Path(base, *p), "/".join(p)) for p in parts]


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text())
    root = Path(job["root"])
    limits = ExtractionLimits(**job["limits"])
    from workbench.firmware.confine import confine

    journal = Journal(root / "journal.jsonl")
    os.environ["TMPDIR"] = str(root / "tmp")
    (root / "tmp").mkdir(exist_ok=True)
    os.environ["WORKBENCH_FW_META_DIR"] = str(root / "meta")
    os.environ["WORKBENCH_FW_MAX_SIZE"] = str(limits.max_total_size)
    for problem in confine(root, limits.max_total_size):
        journal.write("warning", kind="confinement", layer=None, member=None, message=problem)
    try:
        require_unblob()
        Worker(root, limits, journal).run(Path(job["image"]))
    except ImportError as exc:
        journal.write(
            "warning",
            kind="missing_tool",
            layer=None,
            member=None,
            message=f"unblob unavailable ({exc}); using the built-in fallback extractor",
        )
        from workbench.firmware.fallback import run_fallback

        run_fallback(Path(job["image"]), root, limits, journal)
    # the confined worker's last line: whatever went wrong (a bug, an input unblob did not foresee)
    # must reach the parent through the journal, which keeps what was extracted as a partial result
    except Exception as exc:
        journal.write(
            "crash",
            message="".join(traceback.format_exception_only(exc)).strip(),
            trace=traceback.format_exc()[-4000:],
        )
        return 1
    journal.write("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
