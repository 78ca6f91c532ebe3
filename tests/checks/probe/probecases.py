"""Device cases holding a live probe run, as `workbench probe` leaves them: the probe's capture (a
small pcap written with scapy, so every packet number a row names exists) and its results file,
both imported with origin probe. Four runs: a defective device, a clean one, one whose tests
errored or timed out, and hostile results."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from scapy.layers.inet import IP, TCP
from scapy.utils import wrpcap

from workbench.case import Case, CaseInfo
from workbench.checks import CheckResult, get_check
from workbench.checks.context import EvidenceContext
from workbench.probe.results import ProbeResults, TestRun, TestStatus

PACKETS = 80  # packets in the probe's capture
NMAP = ["nmap", "-sS", "-sV", "-p-", "--max-rate", "500", "127.0.0.1"]
DECLARATION: dict[str, Any] = {
    "manufacturer": "Acme",
    "model": "C100",
    "firmware_version": "2.1",
    "open_ports": [
        {"proto": "tcp", "port": 80, "service": "http", "purpose": "local web interface"},
        {"proto": "tcp", "port": 443, "service": "https", "purpose": "local web interface"},
    ],
    "tls": {"min_version": "1.2"},
}
Row = dict[str, Any]
TOOLS = {
    "port_scan": "nmap", "tls_scan": "sslyze", "access": "http.client", "default_credentials": "telnetlib",
    "brute_force": "http.client", "http": "http.client", "robustness": "http.client",
}  # fmt: skip


def capture(path: Path) -> Path:
    """PACKETS TCP packets between the probe (127.0.0.1:40000) and the device (127.0.0.2)."""
    packets = [
        IP(src="127.0.0.1", dst="127.0.0.2") / TCP(sport=40000, dport=80, seq=n, flags="PA") / f"p{n}"
        for n in range(1, PACKETS + 1)
    ]
    wrpcap(str(path), packets)
    return path


def test_run(name: str, status: TestStatus = TestStatus.COMPLETED, detail: str = "") -> TestRun:
    command = NMAP if name == "port_scan" else []
    return TestRun(name, TOOLS[name], status, detail, command, 1000.0, 1010.0)


def row(test: str, packets: list[int], started: float = 1e3, finished: float = 1000.05, **cells: Any) -> Row:
    return {"test": test, "started": started, "finished": finished, "packets": packets,
            "packet_count": len(packets), **cells}  # fmt: skip


def attempts(port: int, protocol: str, timings: list[float], outcomes: list[str], first: int) -> list[dict]:
    """Brute-force rows: one per attempt, taking timings[i] seconds, packets first+i."""
    rows, clock = [], 2000.0
    for n, (took, outcome) in enumerate(zip(timings, outcomes, strict=True), start=1):
        rows.append(row("brute_force", [first + n - 1], clock, clock + took, port=port, protocol=protocol,
                        user="admin", attempt=n, outcome=outcome, status="401"))  # fmt: skip
        clock += took + 0.01
    return rows


def defective() -> dict[str, Any]:
    """Every planted defect and the packets that show it."""
    return {
        "tests": [test_run(n) for n in TOOLS],
        "tables": {
            "ports": [
                row("port_scan", [1, 2], transport="tcp", port=23, state="open", service="telnet",
                    product="BusyBox telnetd"),
                row("port_scan", [3, 4], transport="tcp", port=80, state="open", service="http",
                    product="Acme httpd"),
                row("port_scan", [5, 6], transport="tcp", port=443, state="open", service="https",
                    tunnel="ssl"),
                row("port_scan", [7, 8], transport="tcp", port=9527, state="open", service="unknown"),
                row("port_scan", [9], transport="udp", port=1900, state="open|filtered", service="upnp"),
            ],
            "access": [
                row("access", [10, 11], transport="tcp", port=23, protocol="telnet", request="connect",
                    outcome="open", status="# ", detail="a shell prompt without login"),
                row("access", [12, 13], transport="tcp", port=80, protocol="http", request="GET /",
                    outcome="auth_required", status="401"),
                row("access", [14], transport="tcp", port=443, protocol="https", request="GET /",
                    outcome="auth_required", status="401"),
            ],
            "logins": [
                row("default_credentials", [15, 16, 17], port=23, protocol="telnet", user="root",
                    password="x***** (6)", source="catalogue", accepted=True, status="# "),
                row("default_credentials", [18, 19], port=80, protocol="http-basic", user="admin",
                    password="a**** (5)", source="catalogue", accepted=False, status="401"),
            ],
            "bruteforce": attempts(80, "http-basic", [0.05] * 20, ["rejected"] * 20, first=21),
            "tls": [
                row("tls_scan", [41, 42], port=443, version=0x0301, accepted=True,
                    cipher_suites=["TLS_RSA_WITH_3DES_EDE_CBC_SHA"]),
                row("tls_scan", [43], port=443, version=0x0303, accepted=True,
                    cipher_suites=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]),
                row("tls_scan", [], port=443, version=0x0300, accepted=False, cipher_suites=[]),
            ],
            "http": [
                row("http", [44, 45], port=80, scheme="http", status=401, server="Acme httpd", title="Login",
                    text="Please log in"),
            ],
            "robustness": [
                row("robustness", [46], port=80, protocol="http", input="overlong-path", answer="rejected",
                    status="414", alive_after=True),
                row("robustness", [47], port=80, protocol="http", input="bad-method", answer="reflected",
                    status="200", alive_after=True),
                row("robustness", [48, 49], port=80, protocol="http", input="binary-garbage", answer="closed",
                    status="", alive_after=False),
            ],
        },
    }  # fmt: skip


def clean() -> dict[str, Any]:
    return {
        "tests": [test_run(n) for n in TOOLS],
        "tables": {
            "ports": [
                row("port_scan", [1, 2], transport="tcp", port=80, state="open", service="http",
                    product="Acme C100 web", version="2.1"),
                row("port_scan", [3, 4], transport="tcp", port=443, state="open", service="https",
                    tunnel="ssl"),
            ],
            "access": [
                row("access", [5, 6], transport="tcp", port=80, protocol="http", request="GET /",
                    outcome="auth_required", status="401"),
                row("access", [7, 8], transport="tcp", port=443, protocol="https", request="GET /",
                    outcome="auth_required", status="401"),
            ],
            "logins": [
                row("default_credentials", [9, 10], port=80, protocol="http-basic", user="admin",
                    password="a**** (5)", source="catalogue", accepted=False, status="401"),
                row("default_credentials", [11, 12], port=443, protocol="http-basic", user="root",
                    password="r*** (4)", source="catalogue", accepted=False, status="401"),
            ],
            "bruteforce": [
                *attempts(80, "http-basic", [0.05] * 6, ["rejected"] * 5 + ["locked"], first=21),
                *attempts(443, "http-basic", [0.05, 0.05, 0.05, 0.1, 0.4, 1.6], ["rejected"] * 6, first=31),
            ],
            "tls": [
                row("tls_scan", [41, 42], port=443, version=0x0303, accepted=True,
                    cipher_suites=["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"]),
                row("tls_scan", [43], port=443, version=0x0304, accepted=True,
                    cipher_suites=["TLS_AES_128_GCM_SHA256"]),
                row("tls_scan", [44], port=443, version=0x0301, accepted=False, cipher_suites=[]),
            ],
            "http": [
                row("http", [45, 46], port=80, scheme="http", status=200, server="Acme httpd",
                    title="Acme C100", text="Acme C100 camera. Firmware version 2.1"),
            ],
            "robustness": [
                row("robustness", [47], port=80, protocol="http", input="overlong-path", answer="rejected",
                    status="414", alive_after=True),
                row("robustness", [48], port=80, protocol="http", input="bad-method", answer="rejected",
                    status="405", alive_after=True),
                row("robustness", [49], port=443, protocol="https", input="binary-garbage", answer="closed",
                    status="", alive_after=True),
            ],
        },
    }  # fmt: skip


def errored() -> dict[str, Any]:
    """The port scan timed out after finding port 80; every other test could not run."""
    tests = [test_run("port_scan", TestStatus.TIMED_OUT, "stopped after 180 s")]
    tests += [test_run(n, TestStatus.ERROR, "connection reset by peer") for n in TOOLS if n != "port_scan"]
    ports = [row("port_scan", [1, 2], transport="tcp", port=80, state="open", service="http")]
    return {"tests": tests, "tables": {"ports": ports}}


SCRIPT = "<script>alert(1)</script>"


def hostile() -> dict[str, Any]:
    """Results a hostile device leaves: markup in what it says, junk packet numbers, control characters."""
    return {
        "tests": [test_run(n) for n in TOOLS],
        "tables": {
            "ports": [
                row("port_scan", [-1, 0, 2, 3], transport="tcp", port=8081, state="open", service="http",
                    banner=SCRIPT + "\x1b[2J\x00"),
            ],
            "logins": [
                row("default_credentials", [4, 5], port=8081, protocol="http-basic", user=SCRIPT,
                    password="x (1)", source="catalogue", accepted=True, status="200\r\nX-Injected: 1"),
            ],
            "http": [row("http", [7], port=8081, scheme="http", status=200, title=SCRIPT, text=SCRIPT * 3)],
        },
    }  # fmt: skip


def mistyped() -> dict[str, Any]:
    """A results file with a string where a port belongs."""
    return {
        "tests": [test_run(n) for n in TOOLS],
        "tables": {
            "ports": [
                row("port_scan", [1], transport="tcp", port="twenty-three", state="open", service="telnet"),
                row("port_scan", [2], transport="tcp", port=80, state="open", service="http"),
            ],
        },
    }  # fmt: skip


RUNS = {"defective": defective, "clean": clean, "errored": errored, "hostile": hostile, "mistyped": mistyped}


def probe_case(root: Path, run: str, *, declaration: dict[str, Any] | None = DECLARATION) -> Case:
    """A case holding one probe run (its capture and results, origin probe) and the declaration."""
    case = Case.create(root, CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1",
                                      level=3, inspectors=["test"], device_ips=["127.0.0.2"]))  # fmt: skip
    pcap = capture(root.parent / f"{root.name}-probe.pcap")
    spec = RUNS[run]()
    results = ProbeResults(
        target="127.0.0.2", profile="quick", started="2026-12-06T10:00:00Z", finished="2026-12-06T10:05:00Z",
        interface="lo", capture_file=pcap.name, capture_sha256=hashlib.sha256(pcap.read_bytes()).hexdigest(),
        capture_packets=PACKETS, tools={"nmap": "7.93"}, tests=spec["tests"], tables=spec["tables"],
    )  # fmt: skip
    path = root.parent / f"{root.name}-results.json"
    results.write(path)
    case.import_artefact(pcap, "capture", origin="probe")
    case.import_artefact(path, "probe", origin="probe")
    if declaration is not None:
        source = root.parent / f"{root.name}-declaration.yaml"
        source.write_text(yaml.safe_dump(declaration, sort_keys=False))
        case.declare(source)
    return case


def run_check(case: Case, requirement_id: str) -> CheckResult:
    ctx = EvidenceContext.for_case(case.path, requirement_id)
    return get_check(requirement_id).run(ctx)


def probe_packets(result: CheckResult) -> set[int]:
    """Packet numbers the findings point at in the probe's capture."""
    return {e.packet for f in result.findings for e in f.evidence if e.packet is not None}


def text_of(result: CheckResult) -> str:
    return " ".join(result.reasons)
