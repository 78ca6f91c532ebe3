"""unblob's tar, cpio, zip and 7z extractors held to `workbench.firmware.members`' policy: a
member climbing out is skipped, a device node, FIFO or socket is never created, and each is
reported (unblob's cpio extractor reports nothing, and its zip/7z runs let 7z rename
`../../x` to `x` silently).

Imported only inside the extraction worker process.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tarfile
from pathlib import Path

from unblob.extractors import Command
from unblob.file_utils import File, FileSystem
from unblob.handlers.archive._safe_tarfile import SafeTarFile
from unblob.models import Extractor, ExtractResult
from unblob.report import ExtractionProblem, Report

from workbench.firmware import members, metadata
from workbench.firmware.sidecar import sidecar_path, write_sidecar

LIST_TIMEOUT = 600


def problem(path: str, text: str) -> ExtractionProblem:
    """A member the policy acted on; the worker words unblob's own reports the same way."""
    return ExtractionProblem(path=path, problem=text, resolution="")


# --- tar ---------------------------------------------------------------------------------------
class _PolicyTarFile(SafeTarFile):
    def extract(self, tarinfo: tarfile.TarInfo, extract_root: Path) -> None:
        if tarinfo.isdev():  # character, block device or FIFO
            mode = {tarfile.CHRTYPE: stat.S_IFCHR, tarfile.BLKTYPE: stat.S_IFBLK}.get(
                tarinfo.type, stat.S_IFIFO
            )
            device = (tarinfo.devmajor, tarinfo.devminor)
            self.reports.append(problem(tarinfo.name, members.special(tarinfo.name, mode, device)))
            return
        if members.climbs_out(tarinfo.name):
            self.reports.append(problem(tarinfo.name, members.outside(tarinfo.name)))
            return
        super().extract(tarinfo, extract_root)


class PolicyTarExtractor(Extractor):
    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        write_sidecar(outdir, metadata.list_tar(inpath))
        archive = _PolicyTarFile(inpath)
        try:
            archive.extractall(outdir)
        finally:
            archive.close()
        return ExtractResult(reports=archive.reports)


# --- cpio --------------------------------------------------------------------------------------
class PolicyCpioExtractor(Extractor):
    """unblob's cpio parser (its handler finds chunks through `EXTRACTOR.PARSER`), writing through
    unblob's FileSystem only what the policy allows."""

    def __init__(self, inner: Extractor) -> None:
        self.PARSER = inner.PARSER  # type: ignore[attr-defined]

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        write_sidecar(outdir, metadata.list_cpio(inpath))
        fs = FileSystem(outdir)
        reports: list[Report] = []
        with File.from_path(inpath) as file:
            parser = self.PARSER(file, 0)
            parser.parse()
            for entry in parser.entries:
                name = str(entry.path)
                if entry.path.name in ("", "."):
                    continue
                if members.climbs_out(name):
                    reports.append(problem(name, members.outside(name)))
                elif members.is_special(entry.mode):
                    device = (os.major(entry.rdev), os.minor(entry.rdev))
                    reports.append(problem(name, members.special(name, entry.mode, device)))
                else:
                    if members.is_absolute(name):
                        reports.append(problem(name, members.absolute(name)))
                    _write_entry(fs, file, entry)
        return ExtractResult(reports=reports + fs.problems)


def _write_entry(fs: FileSystem, file: File, entry) -> None:
    if stat.S_ISDIR(entry.mode):
        fs.mkdir(entry.path, mode=entry.mode & 0o777, parents=True, exist_ok=True)
        return
    fs.unlink(entry.path)  # a name given twice: the last one is kept
    if stat.S_ISREG(entry.mode):
        fs.carve(entry.path, file, entry.start_offset, entry.size)
    elif stat.S_ISLNK(entry.mode):
        target = file[entry.start_offset : entry.start_offset + entry.size].split(b"\0", 1)[0]
        fs.create_symlink(src=Path(target.decode("utf-8", "surrogateescape")), dst=entry.path)


# --- zip and 7z through 7z ---------------------------------------------------------------------
def list_7z(inpath: Path) -> list[str]:
    """Member names as 7z reads them (empty when it cannot list the archive)."""
    try:
        proc = subprocess.run(
            ["7z", "l", "-slt", "-ba", "-p", "-sccUTF-8", str(inpath)],
            capture_output=True,
            timeout=LIST_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    text = proc.stdout.decode("utf-8", "surrogateescape")
    return [line[len("Path = ") :] for line in text.splitlines() if line.startswith("Path = ")]


class Policy7zExtractor(Extractor):
    """`7z x` without the members that climb out (an exclusion list, wildcards off), each reported."""

    def __init__(self, lister=None) -> None:
        self.lister = lister

    def get_dependencies(self) -> list[str]:
        return ["7z"]

    def extract(self, inpath: Path, outdir: Path) -> ExtractResult | None:
        if self.lister is not None:
            write_sidecar(outdir, self.lister(inpath))
        names = list_7z(inpath)
        reports: list[Report] = []
        command = ["7z", "x", "-p", "-y", "-spd", "{inpath}", "-o{outdir}"]
        outside = [n for n in names if members.climbs_out(n)]
        if outside:
            excluded = sidecar_path(outdir).with_suffix(".7z-exclude")
            excluded.parent.mkdir(parents=True, exist_ok=True)
            excluded.write_text(
                "".join(f"{n}\n" for n in outside), encoding="utf-8", errors="surrogateescape"
            )
            command.insert(5, f"-x@{excluded}")
            reports += [problem(n, members.outside(n)) for n in outside]
        reports += [
            problem(n, members.absolute(n)) for n in names if members.is_absolute(n) and n not in outside
        ]
        result = Command(*command).extract(inpath, outdir)
        return ExtractResult(reports=reports + (result.reports if result else []))
