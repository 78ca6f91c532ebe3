"""The login tests: the default credentials on every login service (stopping at the first pair let
in), and the brute-force test (wrong passwords one by one, timed, to see whether the device slows
down, locks or refuses). A service that asks for no credentials at all is left to the access test."""

from __future__ import annotations

import http.client
import os
from typing import Any

from workbench.probe import access, clients, clients_http
from workbench.probe.clients_base import Outcome
from workbench.probe.clients_run import Running, begin
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun
from workbench.probe.services import Service

MAX_FAILURES_IN_A_ROW = 3  # refused or silent this many times: the service is given up
PERSISTS = {"locked", "refused", "timeout"}  # after one of these, one more attempt shows it persists


def login_services(services: list[Service]) -> list[Service]:
    return [s for s in services if s.protocol in clients.LOGIN_PROTOCOLS]


def prepare(target: str, service: Service, running: Running) -> str | None:
    """The HTTP scheme (`basic`/`digest`) or "" for other protocols; None when the service is left out
    (it asks for no credentials, or did not answer) — the reason is in the run's notes or problems."""
    where = f"port {service.port} ({service.protocol})"
    if service.protocol in ("http", "https"):
        try:
            answer = clients_http.get(target, service.port, service.tls, running.timeout)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            running.problems.append(f"{where}: GET / failed ({type(exc).__name__})")
            return None
        scheme = clients_http.auth_scheme(answer)
        if scheme is None and (answer.status in (429, 503) or answer.header("retry-after")):
            running.notes.append(f"{where}: already refusing us ({answer.status}, a lock-out still running)")
            return "basic"  # every attempt then shows whether the lock-out persists
        if scheme is None:
            found = access.http_access(answer)
            if found is True:
                running.notes.append(f"{where}: GET / asks for no login ({answer.status})")
            else:  # a login form, a redirect to one, or an answer that does not say: not tried here
                what = (
                    "a form login, which the probe does not fill in"
                    if found is False
                    else "no login it can tell"
                )
                running.problems.append(f"{where}: {what} ({answer.status}); try it by hand")
        return scheme
    if service.protocol == "ftp":  # anonymous FTP does not open named accounts: they are tried
        return ""
    _, outcome = access.without_credentials(target, service, running.timeout)
    word = access.outcome_word(outcome)
    if service.protocol == "rtsp" and word != "open":  # a 401, or a lock-out still running: tried
        return ""
    if word == "open":
        running.notes.append(f"{where}: lets clients in without credentials (see the access test)")
        return None
    if word in ("refused", "error"):
        running.problems.append(f"{where}: {outcome.status or word} before any login")
        return None
    methods = {m.strip() for m in (outcome.status or "").split(",")}
    if service.protocol == "ssh" and not methods & {"password", "keyboard-interactive"}:
        running.notes.append(f"{where}: offers no password login ({outcome.status or 'no method'}): key-only")
        return None
    return ""


def default_credentials_test(
    target: str, services: list[Service], plan: ProbePlan, test: TestPlan
) -> tuple[TestRun, list[dict[str, Any]]]:
    running = begin(test)
    rows: list[dict[str, Any]] = []
    limit = int(test.settings.get("max_attempts_per_service") or 30)
    candidates = login_services(services)
    if not plan.credentials:
        return running.finish("no credentials to try"), rows
    for service in candidates:
        if not running.turn():
            break
        scheme = prepare(target, service, running)
        if scheme is None:
            continue
        failures = 0
        for tried, credential in enumerate(plan.credentials[:limit], start=1):
            if not running.turn():
                break
            outcome = clients.login(
                target, service, credential.user, credential.password, running.timeout, scheme or "basic"
            )
            row = {
                "test": test.name,
                "port": service.port,
                "protocol": clients.label(service, scheme),
                "user": credential.user,
                "password": credential.masked(),
                "source": credential.source,
                "accepted": outcome.accepted,
                "status": outcome.status,
                "detail": outcome.detail,
                "started": outcome.started,
                "finished": outcome.finished,
            }
            rows.append(row)
            where = f"port {service.port} ({row['protocol']})"
            if outcome.accepted:
                break
            if outcome.locked:
                row["detail"] = f"locked out after {tried} attempts; no more tried: {outcome.detail}"[:200]
                running.problems.append(f"{where}: locked us out after {tried} attempts")
                break
            failures = failures + 1 if outcome.failure else 0
            if failures >= MAX_FAILURES_IN_A_ROW:
                running.problems.append(f"{where}: {outcome.word} {failures} times in a row, given up")
                break
        if running.timed_out:
            break
    return running.finish("" if candidates or running.timed_out else "no login service"), rows


def wrong_password(attempt: int, salt: str) -> str:
    return f"wb-wrong-{salt}-{attempt:03d}"


def brute_force_test(
    target: str, services: list[Service], plan: ProbePlan, test: TestPlan, attempts: int
) -> tuple[TestRun, list[dict[str, Any]]]:
    running = begin(test)
    rows: list[dict[str, Any]] = []
    user = plan.credentials[0].user if plan.credentials else "admin"
    salt = os.urandom(3).hex()
    candidates = login_services(services)
    for service in candidates:
        if not running.turn():
            break
        scheme = prepare(target, service, running)
        if scheme is None:
            continue
        _attempt_series(target, service, scheme, user, attempts, salt, running, rows, test.name)
        if running.timed_out:
            break
    running.notes.insert(0, f"user {user!r}, {attempts} wrong passwords per service")
    return running.finish("" if candidates or running.timed_out else "no login service"), rows


def _attempt_series(
    target: str,
    service: Service,
    scheme: str,
    user: str,
    attempts: int,
    salt: str,
    running: Running,
    rows: list[dict[str, Any]],
    test_name: str,
) -> None:
    """`attempts` wrong passwords; after the first locked/refused/silent answer, one more to show it
    persists, then stop."""
    protocol = clients.label(service, scheme)
    where = f"port {service.port} ({protocol})"
    first_stop: Outcome | None = None
    for attempt in range(1, attempts + 1):
        if not running.turn():
            return
        outcome = clients.login(
            target, service, user, wrong_password(attempt, salt), running.timeout, scheme or "basic"
        )
        rows.append(
            {
                "test": test_name,
                "port": service.port,
                "protocol": protocol,
                "user": user,
                "attempt": attempt,
                "outcome": outcome.word,
                "status": outcome.status,
                "started": outcome.started,
                "finished": outcome.finished,
            }
        )
        if outcome.accepted:
            running.problems.append(f"{where}: a wrong password was accepted (attempt {attempt})")
            return
        if first_stop is not None:
            persists = "persists" if outcome.word in PERSISTS else f"did not persist ({outcome.word})"
            running.notes.append(f"{where}: {first_stop.word} from attempt {attempt - 1}, {persists}")
            return
        if outcome.word in PERSISTS:
            first_stop = outcome
        elif outcome.word == "error":
            running.problems.append(f"{where}: attempt {attempt}: {outcome.status or 'error'}")
    if first_stop is not None:
        running.notes.append(f"{where}: {first_stop.word} at the last attempt")
