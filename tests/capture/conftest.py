"""Fixtures of the capture tests: the demo captures, analysed once per session."""

from __future__ import annotations

import pytest
from capture_support import SAMPLES, analysed

from workbench.capture import CaptureAnalysis


@pytest.fixture(scope="session")
def defective() -> CaptureAnalysis:
    return analysed(SAMPLES / "demo_defective.pcap", device_ips=["192.168.1.50"])


@pytest.fixture(scope="session")
def clean() -> CaptureAnalysis:
    return analysed(SAMPLES / "demo_clean.pcap", device_ips=["192.168.1.50"])
