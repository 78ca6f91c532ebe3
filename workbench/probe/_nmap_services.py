"""nmap's service and version detection, one bounded process per open port, a few at a time.

One slow service (a telnet login that waits seconds after each wrong line, an unrecognised web server)
costs nmap's version detection tens of seconds; run per port and in parallel, it costs the scan no
more than `service_timeout_s` and the other ports keep their versions. A port whose detection is cut
short keeps its discovery row (open, no product) and the run says so.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from workbench.probe._nmap_report import read_report
from workbench.probe.plan import TestPlan

PARALLEL = 8
SERVICE_TIMEOUT_S = 15.0  # unless the test's settings say service_timeout_s


def service_command(
    nmap: str, target: str, transport: str, port: int, test: TestPlan, xml: Path, limit: float
) -> list[str]:
    intensity = min(9, max(0, int(test.settings.get("version_intensity", 5))))
    scan = "-sU" if transport == "udp" else ("-sS" if os.geteuid() == 0 else "-sT")
    command = [nmap, scan, "-sV", "--version-intensity", str(intensity)]
    command += ["-Pn", "-n", "--max-rate", f"{max(test.rate_per_s, 1):g}", "--host-timeout", f"{int(limit)}s"]
    command += ["-p", f"{'U' if transport == 'udp' else 'T'}:{port}", "-oX", str(xml)]
    if ":" in target:
        command.append("-6")
    return [*command, target]


def detect_services(
    nmap: str, target: str, ports: list[tuple[str, int]], test: TestPlan, workdir: Path, remaining_s: float
) -> tuple[dict[tuple[str, int], dict[str, Any]], list[str]]:
    """(transport, port) -> what nmap's version detection says of it; and notes on ports cut short.
    Each port's detection stops at service_timeout_s, or sooner when the test's budget ends sooner."""
    limit = max(1.0, min(service_limit(test), remaining_s))
    def one(item: tuple[str, int]) -> tuple[tuple[str, int], dict[str, Any] | None]:
        transport, port = item
        xml = workdir / f"nmap-service-{transport}-{port}.xml"
        command = service_command(nmap, target, transport, port, test, xml, limit)
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=limit + 10,
                           check=False)  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return item, None
        report = read_report(xml)
        if report.host_timed_out or not report.ports:
            return item, None
        found = next((p for p in report.ports if (p["transport"], p["port"]) == item), None)
        return item, found

    detected: dict[tuple[str, int], dict[str, Any]] = {}
    cut: list[str] = []
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for item, found in pool.map(one, ports):
            if found is None:
                cut.append(f"{item[0]}/{item[1]}")
            else:
                detected[item] = found
    notes = [f"version detection cut short at {limit:g} s on {', '.join(cut)}"] if cut else []
    return detected, notes


def service_limit(test: TestPlan) -> float:
    value = test.settings.get("service_timeout_s")
    return float(value) if isinstance(value, int | float) and value > 0 else SERVICE_TIMEOUT_S
