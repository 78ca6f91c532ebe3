"""The access test: one request without any credentials to every service, and what it gave —
`open` (served without credentials), `auth_required`, `refused` or `error`."""

from __future__ import annotations

import http.client
import re
import time
from collections.abc import Callable
from typing import Any

from workbench.probe import clients_ftp, clients_http, clients_mqtt, clients_rtsp, clients_ssh, clients_telnet
from workbench.probe.clients_base import Outcome, failed, printable
from workbench.probe.clients_run import begin
from workbench.probe.plan import TestPlan
from workbench.probe.results import TestRun
from workbench.probe.services import Service

SSH_USER = "root"  # `auth none` names a user; the methods offered rarely depend on it


def _http(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    started = time.time()
    try:
        answer = clients_http.get(host, service.port, service.tls, timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return "GET /", failed(started, exc)
    detail = f"{answer.status} {answer.reason}"
    if answer.header("location"):
        detail += f" -> {answer.header('location')}"
    return "GET /", Outcome(
        http_access(answer), str(answer.status), detail + _how(answer), started=started
    ).done()


LOGIN_WORDS = re.compile(rb"login|log-in|signin|sign-in|auth", re.I)
PASSWORD_FIELD = re.compile(rb"<input[^>]{0,300}type\s*=\s*[\"']?password", re.I)


def http_access(answer: clients_http.HttpAnswer) -> bool | None:
    """True: `GET /` served a page with no login; False: it asks for one (a 401/403/407, a redirect to a
    login page, a login form); None: it cannot be told from this answer (another redirect, a 4xx, a 5xx)."""
    if answer.status in (401, 403, 407):
        return False
    if 300 <= answer.status < 400:
        return False if LOGIN_WORDS.search((answer.header("location") or "").encode()) else None
    if 200 <= answer.status < 300:
        return not PASSWORD_FIELD.search(answer.body)
    return None


def _how(answer: clients_http.HttpAnswer) -> str:
    challenge = clients_http.auth_scheme(answer)
    if challenge:
        return f" ({challenge})"
    if 200 <= answer.status < 300 and PASSWORD_FIELD.search(answer.body):
        return " (a login form)"
    return ""


def _rtsp(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    started = time.time()
    request = f"DESCRIBE {clients_rtsp.url(host, service.port)}"
    try:
        options, describe = clients_rtsp.options_and_describe(host, service.port, timeout)
    except (OSError, ValueError) as exc:
        return request, failed(started, exc)
    detail = f"OPTIONS {options.status_line or 'no answer'}; DESCRIBE {describe.status_line or 'no answer'}"
    status = str(describe.status or "")
    if describe.status in (401, 403):
        return request, Outcome(False, status, detail, started=started).done()
    if describe.status is not None and 200 <= describe.status < 300:
        return request, Outcome(True, status, detail, started=started).done()
    return request, Outcome(None, status, detail, started=started).done()


def _telnet(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    started = time.time()
    request = "connect and read"
    try:
        session = clients_telnet.Session(host, service.port, timeout)
    except (OSError, EOFError) as exc:
        return request, failed(started, exc)
    try:
        prompt, text = clients_telnet.first_prompt(session)
    except (OSError, EOFError) as exc:
        return request, failed(started, exc)
    finally:
        session.close()
    accepted = {"shell": True, "login": False, "password": False}.get(prompt)
    status = {"shell": "shell prompt", "login": "login prompt", "password": "password prompt"}.get(
        prompt, "closed" if session.closed else "no prompt"
    )
    return request, Outcome(accepted, status, printable(text), started=started).done()


def _ftp(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    return "USER anonymous", clients_ftp.login(host, service.port, "anonymous", "probe@", timeout)


def _mqtt(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    return "CONNECT without credentials", clients_mqtt.connect(
        host, service.port, service.tls, None, None, timeout
    )


def _ssh(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    return "auth none", clients_ssh.auth_none(host, service.port, SSH_USER, timeout)


PROBES: dict[str, Callable[[str, Service, float], tuple[str, Outcome]]] = {
    "http": _http,
    "https": _http,
    "rtsp": _rtsp,
    "telnet": _telnet,
    "ftp": _ftp,
    "mqtt": _mqtt,
    "mqtts": _mqtt,
    "ssh": _ssh,
}


def without_credentials(host: str, service: Service, timeout: float) -> tuple[str, Outcome]:
    """The request sent and its outcome (accepted = served without credentials)."""
    return PROBES[service.protocol](host, service, timeout)


def outcome_word(outcome: Outcome) -> str:
    if outcome.accepted is True:
        return "open"
    if outcome.accepted is False and not outcome.locked:
        return "auth_required"
    return "refused" if outcome.failure == "refused" else "error"


def access_test(target: str, services: list[Service], test: TestPlan) -> tuple[TestRun, list[dict[str, Any]]]:
    running = begin(test)
    rows: list[dict[str, Any]] = []
    for service in services:
        if service.protocol not in PROBES:
            running.notes.append(f"port {service.port} ({service.protocol}): no request without credentials")
            continue
        if not running.turn():
            break
        request, outcome = without_credentials(target, service, running.timeout)
        word = outcome_word(outcome)
        if word == "error":
            running.problems.append(f"port {service.port} ({service.protocol}): {outcome.status or 'error'}")
        rows.append(
            {
                "test": test.name,
                "transport": service.transport,
                "port": service.port,
                "protocol": service.protocol,
                "request": request,
                "outcome": word,
                "status": outcome.status,
                "detail": outcome.detail,
                "started": outcome.started,
                "finished": outcome.finished,
            }
        )
    return running.finish("" if rows or running.timed_out else "no service to try"), rows
