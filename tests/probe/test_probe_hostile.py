"""Bad input from the device, end to end: a service that hangs, a TLS port that resets every handshake, a
10 MB banner, `<script>` in a banner and a title, and a device with no open service. Each gives a
clear partial result and a warning or a detail; the probe never crashes, and no script reaches a report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from workbench.case import Case, CaseInfo
from workbench.probe.plan import ACCESS_TESTS, TEST_ORDER
from workbench.probe.results import ProbeResults, TestStatus

PORTS = (2600, 2700, 4433, 8081)  # silent, 10 MB banner, resets every TLS handshake, <script> in the title
INFO = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}


def _problem() -> str | None:
    if os.geteuid() != 0:
        return "a private network namespace needs root (CI runs as root)"
    for tool in ("unshare", "ip", "tcpdump", "nmap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (make setup installs it)"
    return None


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Case, ProbeResults]:
    problem = _problem()
    if problem:
        pytest.skip(problem)
    from workbench.simdevice.netns import in_netns

    folder = tmp_path_factory.mktemp("cases")
    case = Case.create(folder / "hostile", CaseInfo.model_validate({**INFO, "device_ips": ["127.0.0.1"]}))
    declared = folder / "declaration.yaml"
    ports = "".join(f"  - {{proto: tcp, port: {p}, service: x, purpose: t}}\n" for p in PORTS)
    declared.write_text("manufacturer: Acme\nmodel: C100\nopen_ports:\n" + ports)
    case.declare(declared)
    with tempfile.TemporaryDirectory(prefix="simdevice-") as workdir:
        variant = ["--variant", "hostile", "--workdir", workdir, "--"]
        device = [sys.executable, "-m", "workbench.simdevice", *variant]
        probe = [sys.executable, "-m", "workbench", "probe", str(case.path), "--yes"]
        done = subprocess.run(in_netns(device + probe), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = next(a for a in case.artefacts() if a.kind == "probe")
    return case, ProbeResults.load(results.path)


def rows(results: ProbeResults, table: str) -> dict[int, dict[str, Any]]:
    return {r["port"]: r for r in results.frame(table).to_dict("records")}


def test_every_hostile_port_is_found_and_the_run_completes(hostile: tuple[Case, ProbeResults]) -> None:
    _, results = hostile
    assert {2600, 2700, 4433, 8081} <= set(rows(results, "ports"))
    assert [t.name for t in results.tests] == list(TEST_ORDER)
    skipped = {t.name for t in results.tests if t.status is TestStatus.SKIPPED}
    assert set(ACCESS_TESTS) <= skipped  # the hostile device grants no test access
    assert all(t.finished is not None and t.started is not None for t in results.tests)


def test_a_tls_port_that_resets_every_handshake_is_partial(hostile: tuple[Case, ProbeResults]) -> None:
    _, results = hostile
    tls = [r for r in results.frame("tls").to_dict("records") if r["port"] == 4433]
    assert tls, "the resetting port got no TLS rows"
    assert all(r["accepted"] is None or r["accepted"] is False for r in tls)
    servers = rows(results, "tls_servers")
    errors = " ".join(str(r.get("error") or "") for r in tls) + str(servers.get(4433, {}).get("error") or "")
    assert errors.strip(), "the reset is not explained"
    tls_run = next(t for t in results.tests if t.name == "tls_scan")
    assert str(tls_run.status) in ("partial", "error", "completed") and tls_run.detail


def test_a_huge_banner_and_markup_stay_bounded_text(hostile: tuple[Case, ProbeResults]) -> None:
    _, results = hostile
    ports = rows(results, "ports")
    assert len(str(ports[2700].get("banner") or "")) <= 1024
    http = rows(results, "http")
    assert "<script>" in str(http[8081]["title"]) or "<script>" in str(http[8081]["server"])
    assert len(json.dumps(results.tables)) < 5_000_000, "a 10 MB banner must not reach the results"


def test_a_service_that_hangs_ends_within_the_budget(hostile: tuple[Case, ProbeResults]) -> None:
    _, results = hostile
    for run in results.tests:
        plan = next(t for t in results.plan["tests"] if t["name"] == run.name)
        assert run.finished - run.started <= plan["budget_s"] + 20, run.name


def test_no_script_reaches_the_bundle(hostile: tuple[Case, ProbeResults], tmp_path: Path) -> None:
    """The evidence pages of the requirements that show the probe's tables: markup stays text."""
    case, _ = hostile
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "run", str(case.path), "--out", str(tmp_path), "--only",
         "AUTH-06,UPD-06", "--no-progress"], capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    pages = list(tmp_path.rglob("*.html"))
    assert pages
    shown = False
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<script\b", html, re.I), page
        shown |= "&lt;script&gt;" in html
    assert shown, "the hostile title should be shown, escaped"


def test_a_device_with_no_open_service_gives_a_clear_empty_result(tmp_path: Path) -> None:
    """A device that is down or serves nothing: the namespace's own 127.0.0.1 with no server at all."""
    problem = _problem()
    if problem:
        pytest.skip(problem)
    from workbench.simdevice.netns import in_netns

    case = Case.create(tmp_path / "silent", CaseInfo.model_validate({**INFO, "device_ips": ["127.0.0.1"]}))
    probe = [sys.executable, "-m", "workbench", "probe", str(case.path), "--yes"]
    done = subprocess.run(in_netns(probe), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "no port answered" in done.stdout
    results = ProbeResults.load(next(a for a in case.artefacts() if a.kind == "probe").path)
    assert not results.tables.get("ports")
    skipped = {t.name: str(t.status) for t in results.tests if t.name != "port_scan"}
    assert set(skipped.values()) == {"skipped"}, skipped
