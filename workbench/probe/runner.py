"""Run a probe plan: the evidence capture around every test, the tests in order, packets attached.

A test that fails (the tool is missing, the device hangs, its answer is malformed) ends as its own
ERROR or TIMED_OUT with a detail; the run goes on with the next test. The capture is stopped
whatever happens, and the results always name what could not be tested.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.probe.plan import ACCESS_TESTS, ProbePlan, TestPlan
from workbench.probe.results import ProbeResults, TestRun, TestStatus
from workbench.probe.vendor_access import SET

Progress = Callable[[str, str], None]  # (test name, what happens: "start" or its status)
TLS_PROTOCOLS = {"https", "mqtts", "tls"}
ABANDON_AFTER_S = 30.0  # a test still running this long past its budget is left behind
FINISH_ON_INTERRUPT = ("password_change",)  # on Ctrl-C, wait for these: they set the unit back
FINISH_ON_INTERRUPT_S = 60.0


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
    scrub(results, secrets_of(plan))
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


def secrets_of(plan: ProbePlan) -> set[str]:
    """The access's passwords and those made during the run: what the results must never hold."""
    access = plan.access
    found = set(plan.scrub)
    if access is not None and access.shell is not None and access.shell.password:
        found.add(access.shell.password)
    if access is not None and access.password_change is not None:
        found.add(access.password_change.password)
    return {s for s in found if len(s) >= 4}  # shorter ones would blank ordinary words


def scrub(results: ProbeResults, secrets: set[str]) -> None:
    """Replace every secret in every text the results hold (rows, details, warnings) by `(set)`: a unit
    that logs or echoes a password must not put it into the evidence."""
    if not secrets:
        return

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            for secret in secrets:
                value = value.replace(secret, SET)
            return value
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    for rows in results.tables.values():
        for row in rows:
            for key, value in row.items():
                row[key] = clean(value)
    for run in results.tests:
        run.detail = clean(run.detail)
    results.warnings = clean(results.warnings)


def _run_tests(plan: ProbePlan, results: ProbeResults, workdir: Path, progress: Progress) -> None:
    from workbench.probe.services import services_from_ports

    services: list[Any] = []
    started = time.time()
    for test in plan.tests:
        progress(test.name, "start")
        run, tables = _guarded(test, lambda t=test: _one_test(t, plan, services, workdir, started))
        for table, rows in tables.items():
            results.add_rows(table, rows)
        if test.name == "port_scan":
            services[:] = services_from_ports(results.tables.get("ports") or [])
        results.tests.append(run)
        progress(test.name, str(run.status))


Tables = dict[str, list[dict[str, Any]]]


def _one_test(
    test: TestPlan, plan: ProbePlan, services: list[Any], workdir: Path, probe_started: float
) -> tuple[TestRun, Tables]:
    target = plan.target
    if test.name in ACCESS_TESTS:
        return _access_test(test, plan, services, probe_started)
    if test.name == "port_scan":
        from workbench.probe.nmap_scan import port_scan

        run, rows = port_scan(target, plan, test, workdir)
        return run, {"ports": rows}
    if not services:
        detail = "no open service to test (see the port scan)"
        return TestRun(test.name, test.tool, TestStatus.SKIPPED, detail), {}
    if test.name == "tls_scan":
        from workbench.probe.tls_scan import tls_scan

        ports = sorted({s.port for s in services if s.protocol in TLS_PROTOCOLS})
        if not ports:
            return TestRun(test.name, test.tool, TestStatus.SKIPPED, "no port speaks TLS"), {}
        run, versions, servers = tls_scan(target, ports, test)
        return run, {"tls": versions, "tls_servers": servers}
    table, run_test = _client_test(test.name)
    run, rows = run_test(target, services, plan, test)
    return run, {table: rows}


def _access_test(
    test: TestPlan, plan: ProbePlan, services: list[Any], probe_started: float
) -> tuple[TestRun, Tables]:
    """The tests through the manufacturer's test access; SKIPPED, saying what is missing, without it."""
    access = plan.access
    grant = {"password_change": "password_change", "update": "update", "device_session": "shell"}[test.name]
    missing = access is None or getattr(access, grant) is None
    if test.name == "update" and access is not None and access.shell is None:
        missing, grant = True, "shell"
    if missing:
        from workbench.probe.shell import not_granted

        return TestRun(test.name, test.tool, TestStatus.SKIPPED, not_granted(grant)), {}
    if test.name == "password_change":
        from workbench.probe.password_change import password_change_test

        return password_change_test(plan.target, services, plan, test)
    if test.name == "update":
        from workbench.probe.update import update_test

        return update_test(plan.target, plan, test)
    from workbench.probe.session import device_session_test

    return device_session_test(plan.target, plan, test, probe_started)


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


def _guarded(test: TestPlan, body: Callable[[], tuple[TestRun, Tables]]) -> tuple[TestRun, Tables]:
    """Run one test in a thread of its own; an exception ends it as ERROR, and a test still running well past
    its budget (a device dripping its answers byte by byte) is abandoned as TIMED_OUT with no rows, instead
    of holding the probe. An abandoned thread's rows are never added."""
    started = time.time()
    outcome: list[tuple[TestRun, Tables]] = []
    failure: list[BaseException] = []
    ended = threading.Event()  # not Thread.join: on 3.11, a join cut by Ctrl-C marks the thread ended

    def work() -> None:
        try:
            outcome.append(body())
        except Exception as exc:  # noqa: BLE001 - a hostile device must not end the run
            failure.append(exc)
        finally:
            ended.set()

    worker = threading.Thread(target=work, name=f"probe-{test.name}", daemon=True)
    try:
        worker.start()
        ended.wait(test.budget_s + ABANDON_AFTER_S)
    except KeyboardInterrupt:  # Ctrl-C reaches this thread only: a test that changed the unit sets it back
        if test.name in FINISH_ON_INTERRUPT:
            sys.stderr.write(f"stopping: letting {test.name} leave the unit as it found it ...\n")
            if not ended.wait(FINISH_ON_INTERRUPT_S):
                sys.stderr.write(
                    f"{test.name} did not finish: the unit's password may now be the one in the"
                    " test-access.recovery file beside the test access\n"
                )
        raise
    if not ended.is_set():
        detail = f"still running {ABANDON_AFTER_S:g} s past its budget of {test.budget_s:g} s: abandoned"
        run, tables = TestRun(test.name, test.tool, TestStatus.TIMED_OUT, detail), {}
    elif failure:
        exc = failure[0]
        run, tables = (
            TestRun(test.name, test.tool, TestStatus.ERROR, f"{type(exc).__name__}: {exc}"[:500]),
            {},
        )
    else:
        run, tables = outcome[0]
    run.started = run.started if run.started is not None else started
    run.finished = run.finished if run.finished is not None else time.time()
    return run, tables


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
