"""The HTTP and robustness tests against real servers in a private network namespace, hostile ones
included: `<script>` in a title and a Server header, a 10 MB page, a path echoed back unescaped, a
service that dies on the first malformed input."""

from __future__ import annotations

from pathlib import Path

from netns_clients import run_driver

HTTP = """
from workbench.probe.http_check import http_test
from workbench.probe.plan import TestPlan
from workbench.probe.services import Service
from dataclasses import asdict
import time
S = lambda port, proto: Service("tcp", port, proto)
page = ("<html><head><title>Acme IPCam C100</title><style>p {color: red}</style></head><body>"
        "<script>var hidden = 'do not show';</script><h1>Acme IPCam</h1>"
        "<p>Model C100 &mdash; firmware version 2.1.7</p></body></html>")
services = [S(httpd_open(WORK, page), "http"), S(httpd_basic(WORK), "http"), S(hostile_http(), "http"),
            S(free_port(), "http"), S(23, "telnet"), S(https_server(WORK), "https")]
clock = time.time()
run, rows = http_test("127.0.0.1", services, TestPlan("http", 20, 30, {"security_headers":
                      ["strict-transport-security", "content-security-policy", "x-frame-options"]}))
RESULT.update(run=asdict(run), rows=rows, ports=[s.port for s in services], seconds=time.time() - clock)
"""


def test_http_page_and_headers(tmp_path: Path) -> None:
    got = run_driver(tmp_path, HTTP)
    open_web, basic, hostile, closed, _, tls = got["ports"]
    by_port = {r["port"]: r for r in got["rows"]}
    assert set(by_port) == {open_web, basic, hostile, tls}  # the closed port is a problem, not a row
    assert (by_port[tls]["scheme"], by_port[tls]["status"]) == ("https", 200)  # self-signed, not verified
    page = by_port[open_web]
    assert page["status"] == 200 and page["scheme"] == "http" and page["title"] == "Acme IPCam C100"
    assert "Model C100 — firmware version 2.1.7" in page["text"] and "do not show" not in page["text"]
    assert "color" not in page["text"]
    wanted = ["strict-transport-security", "content-security-policy", "x-frame-options"]
    assert page["missing_headers"] == wanted
    assert by_port[basic]["status"] == 401
    evil = by_port[hostile]
    assert evil["title"] == "<script>alert(1)</script>Cam [31mFW 9.9"  # plain text, the ESC made a space
    assert evil["server"] == "EvilCam<script>x</script>"
    assert "x-frame-options" not in evil["missing_headers"] and len(evil["missing_headers"]) == 2
    assert "Model X-9 firmware 9.9.1" in evil["text"] and len(evil["text"]) <= 4096
    assert got["seconds"] < 10  # the 10 MB page was not read
    run = got["run"]
    assert run["status"] == "partial" and str(closed) in run["detail"] and "longer than" in run["detail"]


ROBUSTNESS = """
from workbench.probe.robustness import robustness_test
from workbench.probe.plan import TestPlan
from workbench.probe.services import Service
from dataclasses import asdict
S = lambda port, proto: Service("tcp", port, proto)
services = [S(httpd_open(WORK, "<title>ok</title>"), "http"), S(hostile_http(), "http"),
            S(digest_server(), "rtsp"), S(mosquitto(WORK, anonymous=True), "mqtt"), S(fragile_http(), "http"),
            S(22, "ssh")]
run, rows = robustness_test("127.0.0.1", services, TestPlan("robustness", 50, 60, {"exchange_timeout_s": 2}))
RESULT.update(run=asdict(run), rows=rows, ports=[s.port for s in services])
busy = [S(hostile_http(), "http")]
run, rows = robustness_test("127.0.0.1", busy, TestPlan("robustness", 2, 1.2))
RESULT.update(budget_run=asdict(run), budget_rows=rows)
"""


def test_robustness_inputs(tmp_path: Path) -> None:
    got = run_driver(tmp_path, ROBUSTNESS)
    busybox, hostile, rtsp, mqtt, fragile = got["ports"][:5]

    def on(port: int) -> dict[str, dict]:
        return {r["input"]: r for r in got["rows"] if r["port"] == port}

    web = on(busybox)
    assert set(web) == {
        "overlong-path",
        "bad-method",
        "header-without-colon",
        "nul-bytes",
        "binary-garbage",
        "script-in-path",
    }
    assert all(r["alive_after"] is True for r in web.values())
    assert web["bad-method"]["answer"] == "rejected" and web["bad-method"]["status"].startswith("50")
    assert web["script-in-path"]["answer"] == "rejected"  # busybox answers 404 without echoing the path
    evil = on(hostile)
    assert evil["script-in-path"]["answer"] == "reflected" and evil["script-in-path"]["status"] == "404"
    garbage = evil["binary-garbage"]  # it waits for the end of a request that never comes
    assert (garbage["answer"], garbage["alive_after"]) == ("no-answer", True)
    camera = on(rtsp)
    assert set(camera) == set(web) - {"script-in-path"}
    assert all(r["alive_after"] is True for r in camera.values())
    broker = on(mqtt)
    assert set(broker) == {"bogus-remaining-length", "bad-protocol-name", "binary-garbage"}
    assert broker["bogus-remaining-length"]["answer"] == "closed"
    assert all(r["alive_after"] is True for r in broker.values())
    dead = on(fragile)
    assert dead["overlong-path"]["alive_after"] is False  # it stopped listening at the first bad input
    assert list(dead) == ["overlong-path"]  # nothing more is sent to a service that no longer answers
    assert "the 5 inputs after it not sent, it no longer answers" in got["run"]["detail"]
    assert all(r["started"] <= r["finished"] for r in got["rows"])
    assert got["run"]["status"] == "completed"
    assert "no answer to a well-formed request" in got["run"]["detail"]
    assert got["budget_run"]["status"] == "timed_out" and 0 < len(got["budget_rows"]) < 6
