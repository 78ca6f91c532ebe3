"""Run a probe plan: the evidence capture around every test, the tests in order, packets attached.

A test that fails (the tool is missing, the device hangs, its answer is malformed) ends as its own
ERROR or TIMED_OUT with a detail; the run goes on with the next test. The capture is stopped
whatever happens, and the results always name what could not be tested.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import ProbeResults, TestRun, TestStatus

Progress = Callable[[str, str], None]  # (test name, what happens: "start" or its status)
TLS_PROTOCOLS = {"https", "mqtts", "tls"}


@dataclass(frozen=True)
class ProbeRun:
    results: ProbeResults
    capture_path: Path
    results_path: Path


def run_probe(plan: ProbePlan, workdir: Path, progress: Progress | None = None) -> ProbeRun:
    from workbench.probe.capture import EvidenceCapture
    from workbench.probe.packets import attach_packets

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    capture_path = workdir / f"probe-{stamp}.pcap"
    results = ProbeResults(
        target=plan.target,
        profile=plan.profile,
        started=_now(),
        interface=plan.interface,
        plan=plan.to_json(),
        warnings=list(plan.notes),
    )
    with EvidenceCapture(plan.interface, plan.target, capture_path) as capture:
        _run_tests(plan, results, workdir, progress or (lambda name, event: None))
    results.finished = _now()
    attach_packets(results, capture_path, plan.target)
    results.warnings += [f"probe capture: {gap}" for gap in capture.gaps()]
    exchanged = any(rows for rows in results.tables.values())
    if exchanged and results.capture_packets == 0:
        results.warnings.append(
            f"probe capture: no packet captured on {capture.interface} although the device"
            " answered: the findings have no packet evidence (wrong --interface?)"
        )
    results.capture_file = capture_path.name
    results.capture_sha256 = _sha256(capture_path)
    results.tools = tool_versions()
    results_path = workdir / f"probe-{stamp}.json"
    results.write(results_path)
    return ProbeRun(results, capture_path, results_path)


def _run_tests(plan: ProbePlan, results: ProbeResults, workdir: Path, progress: Progress) -> None:
    from workbench.probe.services import services_from_ports

    services: list[Any] = []
    for test in plan.tests:
        progress(test.name, "start")
        run = _guarded(test, lambda t=test: _one_test(t, plan, results, services, workdir))
        if test.name == "port_scan":
            services[:] = services_from_ports(results.tables.get("ports") or [])
        results.tests.append(run)
        progress(test.name, str(run.status))


def _one_test(
    test: TestPlan, plan: ProbePlan, results: ProbeResults, services: list[Any], workdir: Path
) -> TestRun:
    target = plan.target
    if test.name == "port_scan":
        from workbench.probe.nmap_scan import port_scan

        run, rows = port_scan(target, plan, test, workdir)
        results.add_rows("ports", rows)
        return run
    if not services:
        return TestRun(
            test.name, test.tool, TestStatus.SKIPPED, "no open service to test (see the port scan)"
        )
    if test.name == "tls_scan":
        from workbench.probe.tls_scan import tls_scan

        ports = sorted({s.port for s in services if s.protocol in TLS_PROTOCOLS})
        if not ports:
            return TestRun(test.name, test.tool, TestStatus.SKIPPED, "no port speaks TLS")
        run, versions, servers = tls_scan(target, ports, test)
        results.add_rows("tls", versions)
        results.add_rows("tls_servers", servers)
        return run
    table, run_test = _client_test(test.name)
    run, rows = run_test(target, services, plan, test)
    results.add_rows(table, rows)
    return run


def _client_test(name: str) -> tuple[str, Callable[..., tuple[TestRun, list[dict[str, Any]]]]]:
    from workbench.probe import access, http_check, logins, robustness

    tests: dict[str, tuple[str, Callable[..., tuple[TestRun, list[dict[str, Any]]]]]] = {
        "access": ("access", lambda target, services, plan, test: access.access_test(target, services, test)),
        "http": ("http", lambda target, services, plan, test: http_check.http_test(target, services, test)),
        "default_credentials": ("logins", logins.default_credentials_test),
        "brute_force": (
            "bruteforce",
            lambda target, services, plan, test: logins.brute_force_test(
                target, services, plan, test, int(test.settings.get("attempts", 20))
            ),
        ),
        "robustness": (
            "robustness",
            lambda target, services, plan, test: robustness.robustness_test(target, services, test),
        ),
    }
    return tests[name]


def _guarded(test: TestPlan, body: Callable[[], TestRun]) -> TestRun:
    """Run one test; an exception ends it as ERROR with its message instead of ending the probe."""
    started = time.time()
    try:
        run = body()
    except Exception as exc:  # noqa: BLE001 - a hostile device must not end the run
        run = TestRun(test.name, test.tool, TestStatus.ERROR, f"{type(exc).__name__}: {exc}"[:500])
    run.started = run.started if run.started is not None else started
    run.finished = run.finished if run.finished is not None else time.time()
    return run


def tool_versions() -> dict[str, str]:
    """Versions of the tools the probe used, for the record."""
    import subprocess
    from importlib import metadata

    versions: dict[str, str] = {}
    for package in ("sslyze", "paramiko", "paho-mqtt", "scapy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    for command in (["nmap", "--version"], ["tcpdump", "--version"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            continue
        first = (done.stdout or done.stderr).strip().splitlines()
        if first:
            versions[command[0]] = first[0][:120]
    return versions


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
