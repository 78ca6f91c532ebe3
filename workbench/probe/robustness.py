"""The robustness test: a handful of malformed inputs to every HTTP(S), RTSP and MQTT service, each
followed by one well-formed request to see the service still answers. Each input is sent once, on
its own connection; the answer is `accepted`, `rejected`, `closed`, `no-answer`, or `reflected`
(the input came back unescaped in the page)."""

from __future__ import annotations

import random
import time
from typing import Any

from workbench.probe import clients_rtsp
from workbench.probe.clients_base import connect, failure_of, printable, read_until
from workbench.probe.clients_raw import exchange
from workbench.probe.clients_run import Running, begin
from workbench.probe.plan import TestPlan
from workbench.probe.results import TestRun
from workbench.probe.services import Service

SCRIPT = b"<script>alert(1)</script>"
GARBAGE = random.Random(20261206).randbytes(512)  # the same bytes every run


def http_inputs(host: str) -> dict[str, bytes]:
    tail = f"Host: {host}\r\nConnection: close\r\n\r\n".encode()
    return {
        "overlong-path": b"GET /" + b"A" * 8192 + b" HTTP/1.1\r\n" + tail,
        "bad-method": b"FROBNICATE / HTTP/1.1\r\n" + tail,
        "header-without-colon": b"GET / HTTP/1.1\r\nThisHeaderHasNoColon\r\n" + tail,
        "nul-bytes": b"GET /\x00\x00index HTTP/1.1\r\nX-Nul: a\x00b\r\n" + tail,
        "binary-garbage": GARBAGE,
        "script-in-path": b"GET /" + SCRIPT + b" HTTP/1.1\r\n" + tail,
    }


def rtsp_inputs(host: str, port: int) -> dict[str, bytes]:
    url = clients_rtsp.url(host, port).encode()
    tail = b"CSeq: 1\r\n\r\n"
    return {
        "overlong-path": b"OPTIONS " + url + b"A" * 8192 + b" RTSP/1.0\r\n" + tail,
        "bad-method": b"FROBNICATE " + url + b" RTSP/1.0\r\n" + tail,
        "header-without-colon": b"OPTIONS " + url + b" RTSP/1.0\r\nThisHeaderHasNoColon\r\n" + tail,
        "nul-bytes": b"OPTIONS " + url + b"\x00\x00 RTSP/1.0\r\nCSeq: 1\x00\r\n\r\n",
        "binary-garbage": GARBAGE,
    }


def mqtt_connect(protocol_name: bytes = b"MQTT", level: int = 4) -> bytes:
    """A CONNECT (clean session, keep-alive 60 s, a client id of ours, no credentials)."""
    client_id = b"wb-probe-robustness"
    body = (
        len(protocol_name).to_bytes(2, "big")
        + protocol_name
        + bytes([level, 0x02])
        + (60).to_bytes(2, "big")
        + len(client_id).to_bytes(2, "big")
        + client_id
    )
    return b"\x10" + bytes([len(body)]) + body


def mqtt_inputs() -> dict[str, bytes]:
    return {
        "bogus-remaining-length": b"\x10\xff\xff\xff\xff\x7f" + b"\x00" * 16,
        "bad-protocol-name": mqtt_connect(b"XQTT"),
        "binary-garbage": GARBAGE,
    }


def _http_like(host: str, service: Service, payload: bytes, timeout: float) -> tuple[str, str]:
    """(answer, status) of one request to an HTTP(S) or RTSP service."""
    try:
        answer = exchange(host, service.port, payload, timeout, tls=service.tls)
    except Exception as exc:  # noqa: BLE001 - the device's doing, whatever it is
        return _failure(exc)
    if not answer.data:
        return "closed", ""
    if answer.status is None:
        return "rejected", printable(answer.data[:60], 60)
    if SCRIPT in payload and SCRIPT in answer.body:
        return "reflected", str(answer.status)
    return ("accepted" if answer.status < 400 else "rejected"), str(answer.status)


def _mqtt(host: str, service: Service, payload: bytes, timeout: float) -> tuple[str, str]:
    try:
        with connect(host, service.port, timeout, service.tls) as sock:
            sock.sendall(payload)
            data = read_until(sock, lambda d: len(d) >= 4, time.monotonic() + timeout, 1024)
    except Exception as exc:  # noqa: BLE001 - the device's doing, whatever it is
        return _failure(exc)
    if not data:
        return "closed", ""
    if data[0] == 0x20 and len(data) >= 4:
        return ("accepted" if data[3] == 0 else "rejected"), f"CONNACK {data[3]}"
    return "rejected", printable(data[:40].hex(" "), 60)


def _failure(exc: BaseException) -> tuple[str, str]:
    word, detail = failure_of(exc)
    return ("no-answer" if word == "timeout" else "closed"), detail


def _inputs(host: str, service: Service) -> tuple[dict[str, bytes], bytes]:
    """The malformed inputs for `service` and the well-formed request that follows each."""
    if service.protocol in ("http", "https"):
        good = f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        return http_inputs(host), good
    if service.protocol == "rtsp":
        options = clients_rtsp.request("OPTIONS", clients_rtsp.url(host, service.port), 1)
        return rtsp_inputs(host, service.port), options
    return mqtt_inputs(), mqtt_connect()


ALIVE_TRIES = 3  # a service is down only when it answers none of this many well-formed requests


def _sender(service: Service) -> Any:
    return _mqtt if service.protocol in ("mqtt", "mqtts") else _http_like


def _answers(host: str, service: Service, good: bytes, running: Running, tries: int) -> bool | None:
    """Whether the service answers a well-formed request (tried up to `tries` times, paced); None when
    the budget ran out first."""
    for _ in range(tries):
        if not running.turn():
            return None
        after, _ = _sender(service)(host, service, good, running.timeout)
        if after in ("accepted", "rejected", "reflected"):
            return True
    return False


def _one(
    host: str, service: Service, name: str, payload: bytes, good: bytes, running: Running
) -> dict[str, Any]:
    """The malformed input, then (after the pace) the well-formed request, tried again before the service
    counts as down; alive_after is empty when the budget ran out."""
    started = time.time()
    answer, status = _sender(service)(host, service, payload, running.timeout)
    alive = _answers(host, service, good, running, ALIVE_TRIES)
    return {
        "test": "robustness",
        "port": service.port,
        "protocol": service.protocol,
        "input": name,
        "answer": answer,
        "status": status,
        "alive_after": alive,
        "started": started,
        "finished": time.time(),
    }


def robustness_test(
    target: str, services: list[Service], test: TestPlan
) -> tuple[TestRun, list[dict[str, Any]]]:
    running = begin(test)
    rows: list[dict[str, Any]] = []
    targets = [s for s in services if s.protocol in ("http", "https", "rtsp", "mqtt", "mqtts")]
    for service in targets:
        inputs, good = _inputs(target, service)
        if _answers(target, service, good, running, 1) is not True:  # the baseline: it served before
            running.problems.append(
                f"port {service.port}: no answer to a well-formed request before any input"
            )
            continue
        for n, (name, payload) in enumerate(inputs.items(), start=1):
            if not running.turn():
                break
            row = _one(target, service, name, payload, good, running)
            row["test"] = test.name
            rows.append(row)
            if row["alive_after"] is False:  # down: what follows would be sent to a dead service
                left = len(inputs) - n
                rest = f"; the {left} inputs after it not sent, it no longer answers" if left else ""
                running.notes.append(
                    f"port {service.port}: no answer to a well-formed request after {name}{rest}"
                )
                break
        if running.timed_out:
            break
    return running.finish("" if targets or running.timed_out else "no HTTP, RTSP or MQTT service"), rows
