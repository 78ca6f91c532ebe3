"""Captures built frame by frame with the benchmark's packet builders: packet numbers known by
construction. DEVICE is the device under test; frames from it carry its MAC as the source."""

from __future__ import annotations

import sys
from pathlib import Path

from capture_support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import bench_capture  # noqa: E402 - the benchmark's packet builders and TLS handshake

DEVICE = bytes([192, 168, 1, 50])


def write_frames(path: Path, frames: list[bytes]) -> Path:
    """A pcap of `frames`, 10 ms apart."""
    writer = bench_capture.Writer(path)
    for i, frame in enumerate(frames):
        writer.frame(1_700_000_000 + i * 0.01, frame)
    writer.close()
    return path


def tcp(src: bytes, dst: bytes, sport: int, dport: int, seq: int, flags: int, data: bytes = b"") -> bytes:
    return bench_capture.tcp_frame(src, dst, sport, dport, seq, 0, flags, data, src != DEVICE)


def udp(src: bytes, dst: bytes, sport: int, dport: int, data: bytes) -> bytes:
    return bench_capture.udp_frame(src, dst, sport, dport, data, src != DEVICE)
