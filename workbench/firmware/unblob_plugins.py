"""What the workbench adds to unblob: a uImage handler, an unsquashfs fallback, recording of each
archive's original metadata (owners, modes, link targets) before unblob normalises the extracted
tree, archive extractors held to the member policy (`workbench.firmware.safe_extractors`) and
compressed streams expanded with a running count (`workbench.firmware.streams`).

Imported only inside the extraction worker process.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from unblob.extractor import carve_chunk_to_file
from unblob.file_utils import File, InvalidInputFormat
from unblob.handlers import BUILTIN_HANDLERS
from unblob.handlers.compression.gzip import get_gzip_embedded_name
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

from workbench.firmware import metadata, safe_archive, safe_extractors, streams, uimage, unsquashfs
from workbench.firmware.limits import ExtractionLimits
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


# --- single compressed streams, expanded with a running count --------------------------------
class LimitProblem(ExtractionProblem):
    """A member stopped by a limit (a decompression bomb): the worker warns of kind `limit`."""


class StreamExtractor(Extractor):
    """gzip, bzip2, xz, lzma, zstd and lz4 through `workbench.firmware.streams`, into the file
    name unblob would have used."""

    def __init__(self, kind: str, bounds: streams.StreamBounds) -> None:
        self.kind = kind
        self.bounds = bounds

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        name = f"{self.kind}.uncompressed"
        if self.kind == "gzip":
            name = get_gzip_embedded_name(inpath) or "gzip.uncompressed"
        outdir.mkdir(parents=True, exist_ok=True)
        try:
            streams.expand(inpath, self.kind, outdir / name, self.bounds)
        except streams.StreamStopped as stop:
            return ExtractResult(reports=[LimitProblem(path=name, problem=str(stop), resolution="")])
        except streams.CORRUPT as exc:
            target = outdir / name
            if target.exists() and target.stat().st_size == 0:
                target.unlink()
            text = f"the {self.kind} stream ends early or is corrupt ({exc}): what came before is kept"
            return ExtractResult(reports=[ExtractionProblem(path=name, problem=text, resolution="")])
        return None


# --- Python fallback for zip when 7z is missing -------------------------------------------------
class PythonZipExtractor(Extractor):
    """zip with the standard library, member names checked."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        write_sidecar(outdir, metadata.list_zip(inpath))
        budget = safe_archive.SizeBudget(int(os.environ.get(SIZE_BUDGET_ENV, str(1 << 40))))
        problems = safe_archive.extract_zip(inpath, outdir, budget)
        reports: list[Report] = [
            LayerNote(
                note=f"extracted with Python's zipfile (fallback: {', '.join(self.missing)} not installed)"
            )
        ]
        reports += [
            ExtractionProblem(path=p.path, problem=p.problem, resolution=p.resolution) for p in problems
        ]
        return ExtractResult(reports=reports)


SIZE_BUDGET_ENV = "WORKBENCH_FW_MAX_SIZE"
STREAM_HANDLERS = {"gzip": "gzip", "bzip2": "bzip2", "xz": "xz", "lzma": "lzma", "zstd": "zstd"}
STREAM_HANDLERS |= {name: "lz4" for name in ("lz4_legacy", "lz4_skippable", "lz4_default")}


def _substitute(handler: type[Handler], bounds: streams.StreamBounds) -> Extractor | None:
    """The workbench's extractor for one of unblob's handlers, or None to keep unblob's."""
    name = handler.NAME
    if name == "squashfs_v4_le":
        return UnsquashfsExtractor()
    if name in STREAM_HANDLERS and STREAM_HANDLERS[name] in streams.kinds():
        return StreamExtractor(STREAM_HANDLERS[name], bounds)
    if name == "tar":
        return safe_extractors.PolicyTarExtractor()
    if name.startswith("cpio") and handler.EXTRACTOR is not None:
        return safe_extractors.PolicyCpioExtractor(handler.EXTRACTOR)
    if name in ("zip", "sevenzip"):
        if not shutil.which("7z"):
            return PythonZipExtractor(["7z"]) if name == "zip" else None
        return safe_extractors.Policy7zExtractor(metadata.list_zip if name == "zip" else None)
    lister = metadata.lister_for(name)
    if lister is not None and handler.EXTRACTOR is not None:
        return RecordingExtractor(handler.EXTRACTOR, lister)
    return None


def build_handlers(limits: ExtractionLimits | None = None) -> tuple[type[Handler], ...]:
    """unblob's handlers, with the workbench's uImage handler and extractor substitutions."""
    limits = limits or ExtractionLimits()
    bounds = streams.StreamBounds(limits.max_total_size, limits.max_ratio, limits.ratio_from)
    handlers: list[type[Handler]] = [UImageHandler]
    for handler in BUILTIN_HANDLERS:
        extractor = _substitute(handler, bounds)
        if extractor is None:
            handlers.append(handler)
        else:
            handlers.append(type(handler.__name__, (handler,), {"EXTRACTOR": extractor}))
    return tuple(handlers)


def missing_tools(handlers: tuple[type[Handler], ...]) -> dict[str, list[str]]:
    """Handler name -> external commands it needs that are not installed."""
    missing: dict[str, list[str]] = {}
    for handler in handlers:
        absent = [cmd for cmd in handler.get_dependencies() if not shutil.which(cmd)]
        if absent:
            missing[handler.NAME] = absent
    return missing
