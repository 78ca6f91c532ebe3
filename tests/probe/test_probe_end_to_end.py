"""The whole live probe, as a lab runs it: `workbench probe` against the simulated device (defective and
clean variants of the demo camera) inside a private network namespace made for it, as `make demo` runs it
(the session's one demo run, shared with the demo's own tests), then the checks.

The defective device's planted defects are each found, with the packets of the probe's capture as
evidence; on the clean device those checks pass and nothing is falsely found.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from scapy.utils import PcapReader
from shared_demo import demo_run

from workbench.case import Case
from workbench.checks.context import EvidenceContext
from workbench.checks.registry import get_check
from workbench.probe.results import ProbeResults

PROBED = ("AUTH-01", "AUTH-05", "AUTH-06", "ATK-01", "COM-02", "UPD-06", "INPUT-01")


def _problem() -> str | None:
    if os.geteuid() != 0:
        return "a private network namespace needs root (CI runs as root)"
    for tool in ("unshare", "ip", "tcpdump", "nmap", "busybox", "mosquitto", "dropbear", "openssl"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            return f"{tool} is not installed (make setup installs it)"
    return None


def probed_case(variant: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo case of `variant` as `make demo` built and probed it at the simulated device (the
    session's one demo run, shared with the demo's own tests: shared_demo)."""
    problem = _problem()
    if problem:
        pytest.skip(problem)
    out, done = demo_run(tmp_path_factory)
    assert done.returncode == 0, done.stderr[-3000:]
    said = f"live probe of the simulated {variant} device: "
    assert any(said in line and line.endswith("capture and results added to the case")
               for line in done.stderr.splitlines()), done.stderr[-3000:]  # fmt: skip
    return Case.open(out / "cases" / variant)


@pytest.fixture(scope="module")
def defective(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return probed_case("defective", tmp_path_factory)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return probed_case("clean", tmp_path_factory)


def results_of(case: Any) -> dict[str, Any]:
    out = {}
    for rid in PROBED:
        out[rid] = get_check(rid).run(EvidenceContext.for_case(case.path, rid))
    return out


def packet_count(path: Path) -> int:
    with PcapReader(str(path)) as reader:
        return sum(1 for _ in reader)


def test_the_probe_adds_its_capture_and_results_to_the_case(
    defective: Any,
) -> None:
    case = defective
    made = [a for a in case.artefacts() if a.origin == "probe"]
    assert sorted(a.kind for a in made) == ["capture", "probe"]
    assert all(a.evidence_kind == "probe" for a in made)
    assert all(a.path.stat().st_mode & 0o222 == 0 for a in made), "probe artefacts are read-only"
    results = ProbeResults.load(next(a for a in made if a.kind == "probe").path)
    capture = next(a for a in made if a.kind == "capture")
    assert results.capture_sha256 == capture.sha256 and results.capture_packets > 0
    assert {t.name for t in results.tests} >= {"port_scan", "tls_scan", "brute_force"}
    ctx = EvidenceContext.for_case(case.path, "ATK-01")
    assert [a.name for a in ctx.artefacts("capture")] == ["demo_defective.pcap"], "the capture checks' own"
    assert ctx.probe_capture() == capture


def test_every_planted_defect_fails_with_packets_of_the_probe_capture(
    defective: Any,
) -> None:
    case = defective
    results = results_of(case)
    capture = next(a for a in case.artefacts() if a.origin == "probe" and a.kind == "capture")
    packets = packet_count(capture.path)
    for rid in PROBED:
        if rid == "UPD-06":
            continue  # the defective camera shows its version: UPD-06 passes there too
        result = results[rid]
        assert str(result.verdict) == "FAIL", (rid, result.reasons)
        refs = [r for f in result.findings for r in f.evidence if r.artefact == capture.name]
        assert refs, f"{rid}: no finding points into the probe's capture"
        assert all(r.packet is None or 1 <= r.packet <= packets for r in refs), rid
        assert any(r.packet is not None for r in refs), rid
    reasons = " ".join(results["AUTH-01"].reasons)
    assert "telnet" in reasons or "23" in reasons
    undeclared = " ".join(results["ATK-01"].reasons + tuple(f.summary for f in results["ATK-01"].findings))
    for port in ("23", "2323", "21", "8080", "1883"):
        assert port in undeclared, port


def test_the_clean_device_passes_what_the_probe_decides(clean: Any) -> None:
    case = clean
    results = results_of(case)
    for rid in PROBED:
        result = results[rid]
        assert str(result.verdict) == "PASS", (rid, result.reasons, [f.summary for f in result.findings])
    for rid in ("AUTH-05", "AUTH-06", "UPD-06", "INPUT-01"):
        assert "probe" in results[rid].decided_by, rid
