"""The access, default-credential and brute-force tests against real servers in a private network
namespace: what is open, which pair is let in (and nothing after it), lockouts, timings, budgets."""

from __future__ import annotations

from pathlib import Path

from netns_clients import run_driver

ACCESS = """
from workbench.probe.access import access_test
from workbench.probe.plan import TestPlan
from workbench.probe.services import Service
from dataclasses import asdict
S = lambda port, proto: Service("tcp", port, proto)
services = [S(httpd_basic(WORK), "http"), S(httpd_open(WORK, "<title>open</title>"), "http"),
            S(telnetd(WORK), "telnet"), S(telnetd_open(WORK), "telnet"), S(ftpd(), "ftp"),
            S(mosquitto(WORK, anonymous=True), "mqtt"), S(mosquitto(WORK, anonymous=False), "mqtt"),
            S(dropbear(WORK, passwords=True), "ssh"), S(dropbear(WORK, passwords=False), "ssh"),
            S(digest_server(), "rtsp"), S(free_port(), "ftp"), S(4433, "tls")]
run, rows = access_test("127.0.0.1", services, TestPlan("access", 20, 60))
RESULT["run"] = asdict(run)
RESULT["rows"] = rows
RESULT["ports"] = [s.port for s in services]
"""


def test_access_without_credentials(tmp_path: Path) -> None:
    got = run_driver(tmp_path, ACCESS)
    rows = got["rows"]
    ports = got["ports"][:11]
    basic, open_web, telnet, telnet_open, ftp, mqtt_open, mqtt_auth, ssh, ssh_keys, rtsp, closed = ports
    by_port = {r["port"]: r for r in rows}
    assert len(rows) == 11  # the `tls` service gets no request
    assert (by_port[basic]["outcome"], by_port[basic]["status"], by_port[basic]["request"]) == (
        "auth_required",
        "401",
        "GET /",
    )
    assert (by_port[open_web]["outcome"], by_port[open_web]["status"]) == ("open", "200")
    assert by_port[telnet]["outcome"] == "auth_required" and by_port[telnet]["status"] == "login prompt"
    assert by_port[telnet_open]["outcome"] == "open" and by_port[telnet_open]["status"] == "shell prompt"
    assert (by_port[ftp]["outcome"], by_port[ftp]["status"], by_port[ftp]["request"]) == (
        "open",
        "230",
        "USER anonymous",
    )
    assert (by_port[mqtt_open]["outcome"], by_port[mqtt_open]["status"]) == ("open", "CONNACK 0")
    assert by_port[mqtt_auth]["outcome"] == "auth_required"
    assert by_port[ssh]["outcome"] == "auth_required" and "password" in by_port[ssh]["status"].split(",")
    assert by_port[ssh_keys]["status"] == "publickey"
    assert by_port[rtsp]["outcome"] == "auth_required" and by_port[rtsp]["status"] == "401"
    assert by_port[closed]["outcome"] == "refused"
    starts = [r["started"] for r in rows]
    assert starts == sorted(starts) and all(r["started"] <= r["finished"] for r in rows)
    assert got["run"]["status"] == "completed" and "4433" in got["run"]["detail"]


LOGINS = """
from workbench.probe.logins import default_credentials_test, brute_force_test
from workbench.probe.plan import Credential, ProbePlan, TestPlan
from workbench.probe.services import Service
from dataclasses import asdict
import time
S = lambda port, proto: Service("tcp", port, proto)
pairs = [("root", "root"), ("admin", "1234"), ("admin", "admin"), ("admin", "password"),
         ("admin", TELNET_PASSWORD), ("admin", DIGEST_PASSWORD), (FTP_USER, FTP_PASSWORD),
         ("root", "x1"), ("root", "x2"), ("root", "x3")]
credentials = [Credential(u, p, "catalogue") for u, p in pairs]
plan = ProbePlan("127.0.0.1", "quick", "lo", [], credentials=credentials)
basic, telnet, digest = S(httpd_basic(WORK), "http"), S(telnetd(WORK), "telnet"), S(digest_server(), "http")
ftp, mqtt_open = S(ftpd(), "ftp"), S(mosquitto(WORK, anonymous=True), "mqtt")
ssh = S(dropbear(WORK, True), "ssh")
locking = S(digest_server(), "rtsp")
test = TestPlan("default_credentials", 50, 120, {"max_attempts_per_service": 8})
services = [basic, telnet, digest, ftp, mqtt_open, locking, ssh]
run, rows = default_credentials_test("127.0.0.1", services, plan, test)
RESULT["defaults"] = {"run": asdict(run), "rows": rows}
RESULT["ports"] = {"basic": basic.port, "telnet": telnet.port, "digest": digest.port, "ftp": ftp.port,
                   "mqtt_open": mqtt_open.port, "rtsp": locking.port, "ssh": ssh.port}
# brute force: a fresh Digest server locks after 3 failures; the telnet one never does
bf_digest = S(digest_server(), "http")
test = TestPlan("brute_force", 10, 60)
run, rows = brute_force_test("127.0.0.1", [bf_digest, telnet], plan, test, attempts=6)
RESULT["brute"] = {"run": asdict(run), "rows": rows, "digest": bf_digest.port, "telnet": telnet.port}
# a budget: three silent services, 1 s per exchange, 2.5 s for the whole test
silent = [S(silent_server(), "ftp") for _ in range(3)]
test = TestPlan("brute_force", 10, 2.5, {"exchange_timeout_s": 1.0})
clock = time.time()
run, rows = brute_force_test("127.0.0.1", silent, plan, test, attempts=5)
RESULT["budget"] = {"run": asdict(run), "rows": rows, "seconds": time.time() - clock}
"""


def test_default_credentials_and_brute_force(tmp_path: Path) -> None:
    got = run_driver(tmp_path, LOGINS)
    ports = got["ports"]
    rows = got["defaults"]["rows"]

    def tried(name: str) -> list[dict]:
        return [r for r in rows if r["port"] == ports[name]]

    basic = tried("basic")
    assert [(r["user"], r["accepted"]) for r in basic] == [("root", False), ("admin", False), ("admin", True)]
    assert basic[-1]["protocol"] == "http-basic" and basic[-1]["password"] == "a**** (5)"
    assert all("admin" not in r["password"] for r in rows)  # masked
    telnet = tried("telnet")
    assert telnet[-1]["accepted"] is True and telnet[-1]["user"] == "admin" and len(telnet) == 5
    assert all(r["accepted"] is False for r in telnet[:-1])
    digest = tried("digest")  # locks after 3 failures, before the right pair (6th) is reached
    assert digest[0]["protocol"] == "http-digest"
    assert [r["accepted"] for r in digest] == [False, False, False, False] and digest[-1]["status"] == "429"
    assert "locked out" in digest[-1]["detail"]
    ftp = tried("ftp")
    assert ftp[-1]["accepted"] is True and ftp[-1]["user"] == "ftpuser" and len(ftp) == 7
    assert tried("mqtt_open") == []  # open without credentials: left to the access test
    rtsp = tried("rtsp")
    assert [r["status"] for r in rtsp] == ["401", "401", "401", "403"] and rtsp[-1]["accepted"] is False
    ssh = tried("ssh")
    assert len(ssh) == 8 and all(r["accepted"] is False for r in ssh)  # max_attempts_per_service
    run = got["defaults"]["run"]
    assert run["status"] == "partial" and "locked us out" in run["detail"]
    assert "without credentials" in run["detail"]
    starts = [r["started"] for r in rows]
    assert starts == sorted(starts) and all(r["started"] <= r["finished"] for r in rows)

    brute = got["brute"]
    on_digest = [r for r in brute["rows"] if r["port"] == brute["digest"]]
    assert [r["outcome"] for r in on_digest] == ["rejected", "rejected", "rejected", "locked", "locked"]
    assert [r["attempt"] for r in on_digest] == [1, 2, 3, 4, 5]
    on_telnet = [r for r in brute["rows"] if r["port"] == brute["telnet"]]
    assert [r["outcome"] for r in on_telnet] == ["rejected"] * 6 and on_telnet[0]["user"] == "root"
    times = [(r["started"], r["finished"]) for r in brute["rows"]]
    assert all(a <= b for a, b in times) and [a for a, _ in times] == sorted(a for a, _ in times)
    assert min(b2 - b1 for (b1, _), (b2, _) in zip(times, times[1:], strict=False)) >= 0.09  # paced at 10/s
    assert brute["run"]["status"] == "completed"
    assert "locked from attempt 4, persists" in brute["run"]["detail"]

    budget = got["budget"]
    assert budget["run"]["status"] == "timed_out"
    assert budget["rows"] and all(r["outcome"] == "timeout" for r in budget["rows"])
    assert budget["seconds"] < 2.5 + 1.0 + 0.5
