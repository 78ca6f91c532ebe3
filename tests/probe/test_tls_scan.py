"""The TLS test against real servers (openssl s_server) in a private network namespace: versions and
suites accepted, the certificate, the weaknesses; a server that resets, one that is not TLS, one that
never answers; the rate limit and the budget, checked on the packets tcpdump saw."""

from __future__ import annotations

from pathlib import Path

from netns_run import run_in_netns, tcp_packets

SSL2, SSL3, TLS10, TLS11, TLS12, TLS13 = 0x0200, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304


def _versions(rows: list[dict], port: int) -> dict[int, dict]:
    return {row["version"]: row for row in rows if row["port"] == port}


def test_weak_and_strong_servers(tmp_path: Path) -> None:
    result = run_in_netns(
        tmp_path,
        """
from workbench.probe.plan import TestPlan
from workbench.probe.tls_scan import tls_scan
tls_server(WORK, 4433, "weak", ["-tls1", "-cipher", "ALL:@SECLEVEL=0"], key="rsa:1024")
tls_server(WORK, 4434, "strong", ["-tls1_2"], key="ec")
started = time.monotonic()
run, versions, servers = tls_scan("127.0.0.1", [4434, 4433], TestPlan("tls_scan", 50, 180))
RESULT["seconds"] = time.monotonic() - started
RESULT["run"], RESULT["versions"], RESULT["servers"] = as_json(run), versions, servers
""",
    )
    run = result["run"]
    assert run["status"] == "completed", run["detail"]
    assert len(result["versions"]) == 12 and len(result["servers"]) == 2
    weak, strong = _versions(result["versions"], 4433), _versions(result["versions"], 4434)
    # Debian's OpenSSL 3 has no 3DES suite at all: the weak server's TLS 1.0 suites are CBC with SHA-1
    # and anonymous Diffie-Hellman ones
    assert weak[TLS10]["accepted"] is True
    assert {"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_DH_anon_WITH_AES_128_CBC_SHA"} <= set(
        weak[TLS10]["cipher_suites"]
    )
    assert all(
        weak[v]["accepted"] is False and weak[v]["cipher_suites"] == [] for v in (SSL2, SSL3, TLS12, TLS13)
    )
    assert strong[TLS12]["accepted"] is True
    assert "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" in strong[TLS12]["cipher_suites"]
    assert all(strong[v]["accepted"] is False for v in (SSL2, SSL3, TLS10, TLS11, TLS13))
    assert all(not row.get("error") for row in result["versions"])
    servers = {row["port"]: row for row in result["servers"]}
    assert (servers[4433]["key_type"], servers[4433]["key_bits"]) == ("RSA", 1024)
    assert (servers[4434]["key_type"], servers[4434]["key_bits"]) == ("EC", 256)
    for port, name in ((4433, "weak"), (4434, "strong")):
        row = servers[port]
        assert row["subject"] == row["issuer"] == f"CN={name}.test"
        assert row["self_signed"] is True and row["expired"] is False
        assert row["signature_algorithm"] == "sha256"
        assert row["not_before"] < row["not_after"]
        assert (row["heartbleed"], row["compression"]) == (False, False)
        assert row["robot"] in (False, None)  # no oracle (RSA) or no RSA key exchange (EC)
        assert row.get("error") is None
    # each version has its own window, one after another
    windows = sorted((row["started"], row["finished"]) for row in result["versions"] + result["servers"])
    assert all(a[1] <= b[0] for a, b in zip(windows, windows[1:], strict=False))
    print(f"two TLS servers: {result['seconds']:.1f} s")


def test_a_port_that_resets_or_is_not_tls_gives_rows_with_the_reason(tmp_path: Path) -> None:
    result = run_in_netns(
        tmp_path,
        """
from workbench.probe.plan import TestPlan
from workbench.probe.tls_scan import tls_scan
reset_server(4435)
http_server(WORK, 8080)
run, versions, servers = tls_scan("127.0.0.1", [4435, 8080], TestPlan("tls_scan", 50, 120))
RESULT["run"], RESULT["versions"], RESULT["servers"] = as_json(run), versions, servers
""",
    )
    run = result["run"]
    assert run["status"] == "error" and run["detail"].startswith("no TLS on any port: no TLS handshake")
    assert len(result["versions"]) == 12 and len(result["servers"]) == 2
    for row in result["versions"] + result["servers"]:
        assert row["error"].startswith("no TLS handshake: ")
        assert row.get("accepted") is None and not row.get("cipher_suites")


def test_the_rate_limit_and_the_budget_hold_on_the_wire(tmp_path: Path) -> None:
    result = run_in_netns(
        tmp_path,
        """
from workbench.probe.capture import EvidenceCapture
from workbench.probe.plan import TestPlan
from workbench.probe.tls_scan import tls_scan
tls_server(WORK, 4433, "weak", ["-tls1", "-cipher", "ALL:@SECLEVEL=0"])
silent_server(4436)
with EvidenceCapture(None, "127.0.0.1", WORK / "tls.pcap") as capture:
    run, versions, servers = tls_scan("127.0.0.1", [4433], TestPlan("tls_scan", 4, 5))
    RESULT["fast"] = {"run": as_json(run), "versions": versions, "returned": time.time()}
    run, versions, servers = tls_scan("127.0.0.1", [4436], TestPlan("tls_scan", 50, 4))
    RESULT["silent"] = {"run": as_json(run), "versions": versions, "servers": servers}
    time.sleep(3)  # the abandoned scans must not connect again
""",
    )
    fast, silent = result["fast"], result["silent"]
    assert fast["run"]["status"] == "timed_out" and "4433: 0x0304, 4433: certificate" in fast["run"]["detail"]
    assert 0 < len(fast["versions"]) < 6
    assert fast["returned"] - fast["run"]["started"] < 5 + 1
    syns = [p for p in tcp_packets(tmp_path / "tls.pcap") if p["dport"] == 4433 and p["flags"] == "S"]
    started, finished = fast["run"]["started"], fast["run"]["finished"]
    during = [p for p in syns if started <= p["time"] <= finished]
    assert 4 <= len(during) <= 4 * 5 + 2  # 4 connections a second for 5 s (and the first at once)
    assert not [p for p in syns if p["time"] > finished + 0.5]  # the gate is closed
    assert silent["run"]["status"] == "timed_out"
    assert silent["run"]["finished"] - silent["run"]["started"] < 4 + 1
    assert [p for p in tcp_packets(tmp_path / "tls.pcap") if p["dport"] == 4436 and p["flags"] == "S"]
