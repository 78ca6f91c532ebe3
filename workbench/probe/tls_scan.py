"""The TLS test: sslyze, as a library, on every port that speaks TLS.

Per port, one sslyze scan per protocol version (SSL 2.0 .. TLS 1.3: accepted or not, and the suites
accepted), then one for the server itself (the leaf certificate, Heartbleed, ROBOT, renegotiation,
compression). Each scan is its own row with its own time window, so the capture's packets of each
handshake series land on their row. A port where no TLS handshake succeeds (it resets, stays
silent, speaks something else) gets its rows with the reason in `error`, and the next port is tested.

Rate and budget: one sslyze scan at a time with at most two connections at once, every new
connection paced to `rate_per_s` (_tls_gate). The scans run in a worker thread; at the budget the
test returns what finished (TIMED_OUT) and closes the gate, so the abandoned scan stops connecting.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from sslyze import (
    ScanCommand,
    Scanner,
    ServerNetworkConfiguration,
    ServerNetworkLocation,
    ServerScanRequest,
    ServerScanResult,
)

from workbench.probe import _tls_gate
from workbench.probe._tls_rows import SERVER_COMMANDS, VERSIONS, connectivity_error, server_row, version_row
from workbench.probe.clients_base import printable
from workbench.probe.plan import TestPlan
from workbench.probe.results import TestRun, TestStatus

NETWORK_TIMEOUT_S = 5
MAX_CONNECTIONS = 2  # at once, per port


@dataclass(frozen=True)
class _Step:
    port: int
    version: int | None  # None: the server step (certificate and weaknesses)
    commands: frozenset[ScanCommand]

    @property
    def label(self) -> str:
        return f"{self.port}: " + (f"0x{self.version:04x}" if self.version is not None else "certificate")


def tls_scan(target: str, ports: list[int], test: TestPlan) -> tuple[TestRun, list[dict], list[dict]]:
    """Test each TLS port of `target`; the run, the `tls` rows and the `tls_servers` rows."""
    run = TestRun("tls_scan", "sslyze", started=time.time())
    steps = [
        _Step(port, version, frozenset({command}))
        for port in sorted(set(ports))
        for version, command in VERSIONS.items()
    ]
    steps += [_Step(port, None, frozenset(SERVER_COMMANDS)) for port in sorted(set(ports))]
    steps.sort(key=lambda s: s.port)
    finished: queue.Queue[tuple[_Step, dict[str, Any]] | None] = queue.Queue()
    gates: list[_tls_gate.Gate] = []
    stopped = threading.Event()
    worker = threading.Thread(
        target=_scan_all, args=(target, steps, test, finished, (gates, stopped)), name="tls_scan", daemon=True
    )
    worker.start()
    versions, servers, done = [], [], set()
    deadline = time.monotonic() + test.budget_s
    timed_out = False
    while True:
        try:
            item = finished.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            timed_out = True
            break
        if item is None:
            break
        step, row = item
        done.add(step)
        (servers if step.version is None else versions).append(row)
    stopped.set()
    for gate in list(gates):
        gate.close()
    run.finished = time.time()
    rows = versions + servers
    failed = [r for r in rows if r.get("error")]
    tested = any(r.get("accepted") is not None for r in versions) or any(not r.get("error") for r in servers)
    if timed_out:
        untested = ", ".join(s.label for s in steps if s not in done)
        run.status = TestStatus.TIMED_OUT
        run.detail = printable(
            f"stopped at its time budget ({test.budget_s:g} s); not tested: {untested}", 500
        )
    elif failed and not tested:
        run.status = TestStatus.ERROR
        run.detail = printable(f"no TLS on any port: {failed[0]['error']}", 500)
    elif failed:
        run.status = TestStatus.PARTIAL
        by_port = {r["port"]: r["error"] for r in failed}
        run.detail = printable("; ".join(f"{port}: {error}" for port, error in by_port.items()), 500)
    else:
        run.status = TestStatus.COMPLETED
        run.detail = f"{len(set(ports))} TLS ports tested"
    return run, versions, servers


def _scan_all(
    target: str,
    steps: list[_Step],
    test: TestPlan,
    finished: queue.Queue[tuple[_Step, dict[str, Any]] | None],
    control: tuple[list[_tls_gate.Gate], threading.Event],
) -> None:
    """The worker: every step in order until stopped; a port without TLS is not asked again."""
    no_tls: dict[int, str] = {}
    try:
        for step in steps:
            if control[1].is_set():
                return
            started = time.time()
            result, error = None, no_tls.get(step.port)
            if error is None:
                result, error = _scan_step(target, step, test, control)
                if error is not None and result is not None and result.scan_result is None:
                    no_tls[step.port] = error
            if step.version is None:
                row = server_row(step.port, result, error)
            else:
                row = version_row(step.port, step.version, result, error)
            row.update(started=started, finished=time.time())
            finished.put((step, row))
    finally:
        finished.put(None)


def _scan_step(
    target: str, step: _Step, test: TestPlan, control: tuple[list[_tls_gate.Gate], threading.Event]
) -> tuple[ServerScanResult | None, str | None]:
    location = ServerNetworkLocation(hostname=target, port=step.port, ip_address=target)
    config = ServerNetworkConfiguration(
        tls_server_name_indication=target, network_timeout=NETWORK_TIMEOUT_S, network_max_retries=0
    )
    gates, stopped = control
    gate = _tls_gate.open_gate(location, test.rate_per_s)
    gates.append(gate)
    if stopped.is_set():  # the budget ran out meanwhile: no connection after it
        gate.close()
    try:
        scanner = Scanner(
            per_server_concurrent_connections_limit=MAX_CONNECTIONS, concurrent_server_scans_limit=1
        )
        scanner.queue_scans([ServerScanRequest(location, config, scan_commands=set(step.commands))])
        result = next(iter(scanner.get_results()))
    except Exception as exc:  # noqa: BLE001 - sslyze on a hostile server: the row says what failed
        return None, printable(f"sslyze failed: {type(exc).__name__}: {exc}", 300)
    finally:
        _tls_gate.forget(gate)
        gates.remove(gate)
    return result, connectivity_error(result)
