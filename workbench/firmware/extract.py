"""Safe, cached extraction of a firmware image under a work folder.

The image is unpacked by a confined worker process (`workbench.firmware.worker`) into a
temporary folder `<workdir>/.<random>.tmp`, which is renamed to `<workdir>/<sha256>` when the
extraction is over; a later scan of the same image reuses it. While the worker
runs, this process watches the folder and stops the worker (its whole process group) when
the total size, the number of files or the time exceeds the limits.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.firmware.limits import ExtractionLimits
from workbench.fsutil import atomic_write_json, remove_tree

MANIFEST = "manifest.json"
FORMAT_VERSION = 2  # 2: members climbing out skipped, no special files, cpio extracted, bombs stopped
REUSABLE = ("complete", "limit")


@dataclass
class Extraction:
    root: Path
    status: str  # complete | limit | timeout | crash
    layers: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    limits: dict[str, Any]
    reused: bool = False
    mounts: dict[int, str] = field(default_factory=dict)

    def layer_dir(self, layer: dict[str, Any]) -> Path | None:
        return self.root / layer["dir"] if layer.get("dir") else None

    def layer_metadata(self, layer: dict[str, Any]) -> dict[str, dict[str, Any]]:
        if not layer.get("meta"):
            return {}
        try:
            return json.loads((self.root / layer["meta"]).read_text())
        except (OSError, ValueError):
            return {}


class StartedWorker:
    """An extraction worker started ahead of `extract_image` (by the command line, before it
    imports the scan: a tenth of a second sooner), for that image, work folder and limits only.
    `abandon()` stops it and removes its folder unless `extract_image` took it over."""

    def __init__(self, image: Path, workdir: Path, limits: ExtractionLimits) -> None:
        self.image, self.workdir, self.limits = Path(image).resolve(), Path(workdir).absolute(), limits
        self.tmp = _new_tmp(self.workdir)
        try:
            self.proc: subprocess.Popen | None = _start_worker(self.image, self.tmp, limits)
        except BaseException:
            remove_tree(self.tmp)
            raise

    def take(
        self, image: Path, workdir: Path, limits: ExtractionLimits
    ) -> tuple[Path, subprocess.Popen] | None:
        """Its folder and process, for an extraction of the same image, folder and limits; else
        None (and it is abandoned)."""
        same = (Path(image).resolve(), Path(workdir).absolute(), limits) == (
            self.image,
            self.workdir,
            self.limits,
        )
        if not same or self.proc is None:
            self.abandon()
            return None
        proc, self.proc = self.proc, None
        return self.tmp, proc

    def abandon(self) -> None:
        if self.proc is not None:
            _stop(self.proc)
            self.proc = None
            remove_tree(self.tmp)


def _new_tmp(workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    tmp = workdir / f".{uuid.uuid4().hex[:12]}.tmp"
    tmp.mkdir()
    return tmp


def extract_image(
    image: Path,
    sha256: str | Callable[[], str],
    workdir: Path,
    limits: ExtractionLimits,
    started: StartedWorker | None = None,
) -> Extraction:
    """sha256: the image's digest, or a function that gives it (a hash being computed elsewhere):
    then the worker is started first (or `started` is taken over), and stopped if an extraction
    of the image is there."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    taken = started.take(image, workdir, limits) if started is not None else None
    if isinstance(sha256, str) and taken is None:
        cached = _load(workdir / sha256, limits)
        if cached is not None:
            return cached
    tmp = taken[0] if taken is not None else _new_tmp(workdir)
    try:
        proc = taken[1] if taken is not None else _start_worker(image, tmp, limits)
        try:
            if not isinstance(sha256, str) or taken is not None:
                if not isinstance(sha256, str):
                    sha256 = sha256()  # the worker starts meanwhile
                cached = _load(workdir / sha256, limits)
                if cached is not None:
                    _stop(proc)
                    remove_tree(tmp)
                    return cached
        except BaseException:
            _stop(proc)
            raise
        final = workdir / sha256
        status, watch_warnings = _watch_worker(proc, tmp, limits)
        layers, warnings, done = _read_journal(tmp / "journal.jsonl")
        if status == "complete" and not done:
            status = "crash"
            warnings.append(
                _warning(
                    "crash",
                    "the extraction worker ended without finishing; "
                    "the result is partial (see worker.log in the extraction folder)",
                )
            )
        if status == "complete" and any(w["kind"] == "limit" for w in warnings):
            status = "limit"
        manifest = {
            "format": FORMAT_VERSION,
            "status": status,
            "layers": layers,
            "warnings": warnings + watch_warnings,
            "limits": limits.to_dict(),
        }
        atomic_write_json(tmp / MANIFEST, manifest)
        if final.exists():
            remove_tree(final)  # stale: a crash or other limits
        try:
            os.rename(tmp, final)
        except OSError:  # another scan of the same image finished first
            remove_tree(tmp)
            cached = _load(final, limits)
            if cached is not None:
                return cached
            raise
    except BaseException:
        remove_tree(tmp)
        raise
    return Extraction(final, status, layers, manifest["warnings"], limits.to_dict())


def _load(final: Path, limits: ExtractionLimits) -> Extraction | None:
    try:
        manifest = json.loads((final / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if manifest.get("format") != FORMAT_VERSION or manifest.get("status") not in REUSABLE:
        return None
    if manifest["status"] == "limit" and manifest.get("limits") != limits.to_dict():
        return None
    return Extraction(
        final, manifest["status"], manifest["layers"], manifest["warnings"], manifest["limits"], reused=True
    )


def _start_worker(image: Path, tmp: Path, limits: ExtractionLimits) -> subprocess.Popen:
    job = tmp / "job.json"
    job.write_text(
        json.dumps(
            {"image": str(Path(image).resolve()), "root": str(tmp.resolve()), "limits": limits.to_dict()}
        )
    )
    with open(tmp / "worker.log", "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "workbench.firmware.worker", str(job)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            cwd=tmp,
        )


def _watch_worker(
    proc: subprocess.Popen, tmp: Path, limits: ExtractionLimits
) -> tuple[str, list[dict[str, Any]]]:
    started = time.monotonic()
    interval = 0.1
    try:
        while True:
            if _ended_within(proc, interval):
                break
            walk_started = time.monotonic()
            # a walk the worker's end overtakes is left for the final one (it would be done twice)
            reason = _over_limits(tmp / "x", limits, until=lambda: proc.poll() is not None)
            if reason is None and proc.poll() is not None:
                break  # ended: the final walk counts everything (no timeout for a worker that ended)
            interval = min(2.0, max(0.1, 20 * (time.monotonic() - walk_started)))
            if reason is None and time.monotonic() - started > limits.timeout:
                _stop(proc)
                return "timeout", [_warning("timeout", f"extraction stopped after {limits.timeout:.0f} s")]
            if reason:
                _stop(proc)
                return "limit", [_warning("limit", reason)]
    finally:
        if proc.poll() is None:
            _stop(proc)
    # a worker quicker than the watcher's interval is held to the same limits
    reason = _over_limits(tmp / "x", limits)
    if reason:
        reason = reason.replace("extraction stopped", "extraction over the limits")
        return "limit", [_warning("limit", reason)]
    return "complete", []


def _ended_within(proc: subprocess.Popen, timeout: float) -> bool:
    """Whether the worker ended within `timeout` seconds, seen at its end: a pidfd wakes this
    process when it exits (Popen.wait(timeout) sleeps up to 50 ms at a time between looks)."""
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):  # not Linux 5.3+, or already reaped
        try:
            proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    try:
        waiting = select.poll()  # (not select.select: a descriptor past 1024 is refused there)
        waiting.register(pidfd, select.POLLIN)
        waiting.poll(timeout * 1000)
    finally:
        os.close(pidfd)
    return proc.poll() is not None


def _over_limits(top: Path, limits: ExtractionLimits, until: Callable[[], bool] | None = None) -> str | None:
    """Why the folder is over the limits, if it is; None also when `until()` became true
    during the walk (checked before each folder), which then stopped."""
    files, size = _measure(top, until)
    if size > limits.max_total_size:
        return (
            f"extraction stopped: {size} bytes written, more than the limit of "
            f"{limits.max_total_size} (decompression bomb?)"
        )
    if files > limits.max_files:
        return f"extraction stopped: more than {limits.max_files} files written"
    return None


def _stop(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_OPEN_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _measure(top: Path, until: Callable[[], bool] | None = None) -> tuple[int, int]:
    """Entries and bytes (of all but folders) under `top`, links not followed: one stat call an
    entry that is not a folder (a folder's kind comes from its listing), relative to the
    folder's descriptor (its path is not resolved again for each entry), paths as str. The
    walk stops, with what it counted so far, once `until()` is true (asked before each folder)."""
    files = size = 0
    stack = [str(top)]
    while stack:
        if until is not None and until():
            break
        folder = stack.pop()
        try:  # (the worker may remove a folder, or put a link in its place: what was seen is kept)
            fd = os.open(folder, _OPEN_FOLDER)
        except OSError:
            continue
        try:
            with os.scandir(fd) as entries:
                for entry in entries:
                    files += 1
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(f"{folder}/{entry.name}")
                        else:
                            size += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
        finally:
            os.close(fd)
    return files, size


def _warning(kind: str, message: str) -> dict[str, Any]:
    return {"event": "warning", "kind": kind, "layer": None, "member": None, "message": message}


def _read_journal(path: Path) -> tuple[list[dict], list[dict], bool]:
    """Layers, warnings, and whether the worker reached its end."""
    layers, warnings, done = [], [], False
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return layers, warnings, False
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue  # a line cut short when the worker was stopped
        kind = event.get("event")
        if kind == "layer":
            layers.append(event)
        elif kind == "warning":
            warnings.append(event)
        elif kind == "crash":
            warnings.append(_warning("crash", f"extraction failed: {event.get('message')}"))
        elif kind == "done":
            done = True
    return layers, warnings, done
