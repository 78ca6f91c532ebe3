"""What the workbench adds to unblob: a uImage handler, an unsquashfs fallback, and
recording of each archive's original metadata (owners, modes, link targets) before unblob
normalises the extracted tree.

Imported only inside the extraction worker process.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from unblob.extractor import carve_chunk_to_file
from unblob.file_utils import File, InvalidInputFormat
from unblob.handlers import BUILTIN_HANDLERS
from unblob.models import (
    Chunk,
    ExtractError,
    Extractor,
    ExtractResult,
    Handler,
    HexString,
    ValidChunk,
)
from unblob.report import ExtractCommandFailedReport, ExtractionProblem, Report

from workbench.firmware import metadata, safe_archive, uimage, unsquashfs
from workbench.firmware.sidecar import sidecar_path, write_sidecar


class LayerNote(Report):
    """A description of a layer (a uImage header, the extractor used) for the layers table."""

    note: str


# --- uImage ---------------------------------------------------------------------------------
class UImageExtractor(Extractor):
    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        with File.from_path(inpath) as file:
            header = uimage.parse_header(file.read(uimage.HEADER_SIZE))
            if header is None:
                raise ExtractError(ExtractionProblem(problem="uImage magic missing", resolution="Skipped."))
            crc, present = uimage.data_crc(file, header.data_size)
            reports: list[Report] = [LayerNote(note=header.describe())]
            if not header.header_crc_ok:
                reports.append(
                    ExtractionProblem(
                        problem=f"uImage header CRC mismatch: stored 0x{header.header_crc:08x}, "
                        f"computed 0x{header.computed_header_crc:08x}",
                        resolution="Payload carved anyway; the header may be forged or corrupt.",
                    )
                )
            if present < header.data_size:
                reports.append(
                    ExtractionProblem(
                        problem=f"uImage payload truncated: header says {header.data_size} bytes, "
                        f"{present} present",
                        resolution="Carved what is present.",
                    )
                )
            elif crc != header.data_crc:
                reports.append(
                    ExtractionProblem(
                        problem=(
                            f"uImage data CRC mismatch: stored 0x{header.data_crc:08x}, computed 0x{crc:08x}"
                        ),
                        resolution="Payload carved anyway; it was modified after the header was made.",
                    )
                )
            else:
                reports.append(LayerNote(note="header and data CRC-32 verified"))
            base = header.image_type if not header.image_type.startswith("unknown") else "payload"
            suffix = uimage.COMPRESSION_SUFFIX.get(header.compression, ".bin")
            start = uimage.HEADER_SIZE
            if header.image_type == "multi":
                file.seek(start)
                sizes = uimage.multi_image_sizes(file.read(min(present, 4 * 64)))
                offset = start + 4 * (len(sizes) + 1)
                for index, size in enumerate(sizes):
                    end = min(offset + size, uimage.HEADER_SIZE + present)
                    if end > offset:
                        carve_chunk_to_file(
                            outdir / f"part{index}{suffix}", file, Chunk(start_offset=offset, end_offset=end)
                        )
                    offset += (size + 3) // 4 * 4
                if sizes:
                    return ExtractResult(reports=reports)
            if present:
                carve_chunk_to_file(
                    outdir / f"{base}{suffix}", file, Chunk(start_offset=start, end_offset=start + present)
                )
        return ExtractResult(reports=reports)


class UImageHandler(Handler):
    NAME = "uimage"
    PATTERNS = [HexString("27 05 19 56")]
    EXTRACTOR = UImageExtractor()
    DOC = None

    def calculate_chunk(self, file: File, start_offset: int) -> ValidChunk | None:
        file.seek(start_offset)
        header = uimage.parse_header(file.read(uimage.HEADER_SIZE))
        if header is None:
            raise InvalidInputFormat("not a uImage header")
        # A bad header CRC is kept (and reported) only if every field is a known value.
        if not header.header_crc_ok and not header.plausible:
            raise InvalidInputFormat("uImage magic without a valid header")
        end = min(start_offset + uimage.HEADER_SIZE + header.data_size, file.size())
        return ValidChunk(start_offset=start_offset, end_offset=end)


# --- squashfs through stock unsquashfs -------------------------------------------------------
class UnsquashfsExtractor(Extractor):
    def get_dependencies(self) -> list[str]:
        return ["unsquashfs"]

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        outcome = unsquashfs.extract(inpath, outdir, sidecar_path(outdir).with_suffix(".exclude"))
        write_sidecar(outdir, outcome.entries)
        reports: list[Report] = [LayerNote(note=n) for n in outcome.notes]
        if outcome.ok:
            return ExtractResult(reports=reports)
        failure = ExtractCommandFailedReport(
            command=outcome.command, stdout=b"", stderr=outcome.stderr, exit_code=outcome.exit_code
        )
        raise ExtractError(*reports, failure)


# --- metadata recording around any extractor ------------------------------------------------
class RecordingExtractor(Extractor):
    """Lists the archive's own metadata, then lets the original extractor work."""

    def __init__(self, inner: Extractor, lister) -> None:
        self.inner = inner
        self.lister = lister

    def get_dependencies(self) -> list[str]:
        return self.inner.get_dependencies()

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        write_sidecar(outdir, self.lister(inpath))
        return self.inner.extract(inpath, outdir)


# --- Python fallbacks when 7z is missing ----------------------------------------------------
class PythonArchiveExtractor(Extractor):
    """zip and single-stream compression with the standard library, member names checked."""

    def __init__(self, kind: str, missing: list[str]) -> None:
        self.kind = kind
        self.missing = missing

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        budget = safe_archive.SizeBudget(int(os.environ.get(SIZE_BUDGET_ENV, str(1 << 40))))
        if self.kind == "zip":
            problems = safe_archive.extract_zip(inpath, outdir, budget)
        else:
            problems = safe_archive.decompress(inpath, outdir, self.kind, budget)
        reports: list[Report] = [
            LayerNote(
                note=f"extracted with Python's {self.kind} module (fallback: "
                f"{', '.join(self.missing)} not installed)"
            )
        ]
        reports += [
            ExtractionProblem(path=p.path, problem=p.problem, resolution=p.resolution) for p in problems
        ]
        return ExtractResult(reports=reports)


SIZE_BUDGET_ENV = "WORKBENCH_FW_MAX_SIZE"
PYTHON_FALLBACKS = ("zip", "gzip", "bzip2", "xz", "lzma")


def build_handlers() -> tuple[type[Handler], ...]:
    """unblob's handlers, with the workbench's uImage handler and extractor substitutions."""
    handlers: list[type[Handler]] = [UImageHandler]
    for handler in BUILTIN_HANDLERS:
        if handler.NAME == "squashfs_v4_le":
            handlers.append(type(handler.__name__, (handler,), {"EXTRACTOR": UnsquashfsExtractor()}))
            continue
        absent = [cmd for cmd in handler.get_dependencies() if not shutil.which(cmd)]
        if absent and handler.NAME in PYTHON_FALLBACKS:
            extractor = PythonArchiveExtractor(handler.NAME, absent)
            handlers.append(type(handler.__name__, (handler,), {"EXTRACTOR": extractor}))
            continue
        lister = metadata.lister_for(handler.NAME)
        if lister is not None and handler.EXTRACTOR is not None:
            extractor = RecordingExtractor(handler.EXTRACTOR, lister)
            handlers.append(type(handler.__name__, (handler,), {"EXTRACTOR": extractor}))
            continue
        handlers.append(handler)
    return tuple(handlers)


def missing_tools(handlers: tuple[type[Handler], ...]) -> dict[str, list[str]]:
    """Handler name -> external commands it needs that are not installed."""
    missing: dict[str, list[str]] = {}
    for handler in handlers:
        absent = [cmd for cmd in handler.get_dependencies() if not shutil.which(cmd)]
        if absent:
            missing[handler.NAME] = absent
    return missing
