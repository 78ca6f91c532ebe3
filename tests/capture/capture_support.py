"""Helpers of the capture tests: the real corpus (read in place), tshark as an oracle, cached analyses."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from corpus_captures import CORPUS

from workbench.capture import CaptureAnalysis, analyse_capture

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_captures"
CORPUS_FILES = sorted(CORPUS.glob("*")) if CORPUS.is_dir() else []
TSHARK = shutil.which("tshark")

_cache: dict[tuple, CaptureAnalysis] = {}


def analysed(path: Path, **kwargs) -> CaptureAnalysis:
    key = (str(path), tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items())))
    if key not in _cache:
        _cache[key] = analyse_capture(path, **kwargs)
    return _cache[key]


def tshark_fields(path: Path, display_filter: str, *fields: str) -> list[list[str]]:
    """Rows of `tshark -T fields` (all occurrences, comma-aggregated)."""
    cmd = [
        TSHARK,
        "-n",
        "-r",
        str(path),
        "-Y",
        display_filter,
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]
    for field in fields:
        cmd += ["-e", field]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def tshark_tcp_conversations(path: Path) -> int:
    out = subprocess.run(
        [TSHARK, "-n", "-r", str(path), "-q", "-z", "conv,tcp"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    return sum(1 for line in out.splitlines() if "<->" in line)


needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")
