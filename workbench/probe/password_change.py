"""AUTH-04 hands-on (test-access.yaml `password_change`): change the device password the documented way,
try the new one and the old one on every service that uses it, then set the original back.

The unit must be left as found. Once the change may have reached the device, the original is set back and
tried on the web port whatever happens in between (a hostile answer, a client failing, the budget spent);
when that fails, the test's detail gives the password the unit may now have, in full, so the lab can get back
into it. Rows never hold a password. A service gets at most one password the probe expects to be refused (the
old one, or the original while finding out what an unclear answer to the change did): devices lock out after a
few. Only when setting the original back itself answers unclearly can the web port get a second one (the
original tried, to learn whether the unit has it again).
"""

from __future__ import annotations

import http.client
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from workbench.probe import clients, clients_auth, clients_http
from workbench.probe.clients_base import DETAIL_CHARS, MAX_READ, Outcome, failed, insecure_tls, printable
from workbench.probe.clients_run import Running, begin
from workbench.probe.plan import ProbePlan, TestPlan, mask
from workbench.probe.results import TestRun, TestStatus
from workbench.probe.services import Service
from workbench.probe.vendor_access import PasswordChange

Rows = list[dict[str, Any]]
MATCHES = {"mqtt": ("mqtt", "mqtts")}  # applies_to names no mqtts: a broker under TLS uses the password too
SCRUBBED_FROM = 4  # shorter secrets are not scrubbed from the device's words (a "1" would maul "401")


def fresh_password(old: str) -> str:
    """A random password of 24 characters with lower case, upper case and a digit (what password rules
    commonly ask for), unlike `old`."""
    while True:
        new = secrets.token_urlsafe(18)
        if new != old and all(any(kind(c) for c in new) for kind in (str.islower, str.isupper, str.isdigit)):
            return new


def path_problem(path: str) -> str | None:
    """Why the form's path cannot go on a request line, or None."""
    if not path.startswith("/") or not path.isascii() or any(c <= " " or c == "\x7f" for c in path):
        return f"password_change.path {path[:60]!r} is not a URL path (/..., printable ASCII)"
    return None


@dataclass
class Steps:
    """The rows of one run; whatever the device said is made printable and stripped of both passwords."""

    test: str
    user: str
    secrets: tuple[str, ...]
    rows: Rows = field(default_factory=list)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= SCRUBBED_FROM:
                for form in {secret, urllib.parse.quote_plus(secret)}:
                    text = text.replace(form, mask(secret))
        return text

    def scrub(self, text: str) -> str:
        return printable(self.redact(text), DETAIL_CHARS)

    def add(self, step: str, protocol: str, port: int | None, outcome: Outcome) -> Outcome:
        self.rows.append(
            {
                "test": self.test,
                "step": step,
                "protocol": protocol,
                "port": port,
                "user": self.user,
                "accepted": outcome.accepted,
                "status": self.scrub(outcome.status),
                "detail": self.scrub(outcome.detail),
                "started": outcome.started,
                "finished": outcome.finished or time.time(),
            }
        )
        return outcome


# --- the exchanges ------------------------------------------------------------------------------
def post_form(host: str, pc: PasswordChange, current: str, new: str, timeout: float) -> tuple[Outcome, bool]:
    """POST the documented form (HTTP Basic with `current`): (outcome, whether the request left).
    accepted: True on a 2xx, False on any other answer, None when no answer came."""
    started = time.time()
    form = {pc.fields.get("current", "current"): current, pc.fields.get("new", "new"): new}
    headers = {
        "User-Agent": clients_http.USER_AGENT,
        "Connection": "close",
        "Authorization": clients_auth.basic(pc.user, current),
        "Content-Type": "application/x-www-form-urlencoded",
    }
    conn: http.client.HTTPConnection
    if pc.tls:
        conn = http.client.HTTPSConnection(host, pc.port, timeout=timeout, context=insecure_tls())
    else:
        conn = http.client.HTTPConnection(host, pc.port, timeout=timeout)
    sent = False
    try:
        problem = path_problem(pc.path)
        if problem:
            raise ValueError(problem)
        conn.connect()
        sent = True
        conn.request("POST", pc.path, body=urllib.parse.urlencode(form).encode(), headers=headers)
        response = conn.getresponse()
        response.read(MAX_READ)
        detail = f"POST {pc.path}: {response.status} {response.reason or ''}"
        if 300 <= response.status < 400:
            detail += (
                f" -> {response.getheader('location') or '(no Location)'}; only a 2xx counts as accepted"
            )
        accepted = 200 <= response.status < 300
        return Outcome(accepted, str(response.status), detail, started=started).done(), sent
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return failed(started, exc), sent
    finally:
        conn.close()


def refused_outright(outcome: Outcome) -> bool:
    """The device answered a 4xx: the form was turned down, nothing was changed."""
    return outcome.accepted is False and outcome.status.isdigit() and 400 <= int(outcome.status) < 500


def basic_login(host: str, port: int, tls: bool, user: str, password: str, timeout: float) -> Outcome:
    """GET / with HTTP Basic: accepted on a 2xx, refused on a 401/403; anything else does not tell."""
    started = time.time()
    try:
        answer = clients_http.get(
            host, port, tls, timeout, headers={"Authorization": clients_auth.basic(user, password)}
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return failed(started, exc)
    outcome = clients_http.judged(
        answer.status,
        answer.header("retry-after"),
        started,
        f"GET / (Basic): {answer.status} {answer.reason}",
    )
    if outcome.accepted and not 200 <= answer.status < 300:
        outcome.accepted, outcome.detail = None, f"{outcome.detail}: a redirect does not tell"
    elif answer.status == 401 and clients_http.auth_scheme(answer) == "digest":
        outcome.accepted, outcome.detail = None, f"{outcome.detail}: the service asks for Digest, not Basic"
    return outcome


def login(host: str, service: Service, user: str, password: str, timeout: float) -> Outcome:
    """One login on `service` with the existing clients (RTSP: DESCRIBE with Digest; HTTP(S): Basic); a
    lock-out does not tell whether the password is right. Never raises: the restore must still run."""
    started = time.time()
    try:
        if service.protocol in ("http", "https"):
            outcome = basic_login(host, service.port, service.tls, user, password, timeout)
        else:
            outcome = clients.login(host, service, user, password, timeout)
    except Exception as exc:  # noqa: BLE001 - a client failing on a hostile answer must not skip the restore
        return failed(started, exc)
    if outcome.locked:
        outcome.accepted, outcome.detail = None, f"locked out, which does not tell: {outcome.detail}"
    return outcome


# --- the steps ----------------------------------------------------------------------------------
@dataclass
class Change:
    """One run's facts: where the form is, the two passwords, what was seen."""

    target: str
    pc: PasswordChange
    original: str
    new: str
    running: Running
    steps: Steps

    @property
    def web(self) -> str:
        return "https" if self.pc.tls else "http"

    def web_login(self, password: str, why: str) -> Outcome:
        """The `restore` step's check: `password` on the web port's GET /."""
        self.running.pacer.wait()  # the restore is never cut by the budget: the unit must be left as found
        pc = self.pc
        outcome = basic_login(self.target, pc.port, pc.tls, pc.user, password, self.running.per_exchange)
        outcome.detail = f"{why}: {outcome.detail}"
        return self.steps.add("restore", self.web, pc.port, outcome)


def try_services(change: Change, services: list[Service]) -> None:
    """`new_password` then `old_password` on each open service of applies_to (at most one wrong a service)."""
    for declared in dict.fromkeys(change.pc.applies_to):
        found = [s for s in services if s.protocol in MATCHES.get(declared, (declared,))]
        if not found:
            detail = f"{declared} is in applies_to but the port scan found no open {declared} port: not tried"
            change.steps.add("new_password", declared, None, Outcome(None, "", detail).done())
            change.running.problems.append(f"{declared}: not found open, not tried")
        for service in found:
            if not try_both(change, service):
                return


def try_both(change: Change, service: Service) -> bool:
    """The new password, then the old one, on one service; False once the budget is spent."""
    running, steps = change.running, change.steps
    where = f"{service.protocol}/{service.port}"
    outcomes = []
    for step, password in (("new_password", change.new), ("old_password", change.original)):
        if outcomes and outcomes[0].locked:  # a lock-out answers every password alike: the old one is spared
            detail = "not tried: the service locked us out already"
            steps.add(step, service.protocol, service.port, Outcome(None, "", detail).done())
            running.problems.append(f"{where}: locked us out; the old password not tried")
            return True
        if not running.turn():
            return False
        outcome = login(change.target, service, change.pc.user, password, running.timeout)
        outcomes.append(steps.add(step, service.protocol, service.port, outcome))
        if outcome.accepted is None:
            running.problems.append(f"{where}: trying the {step.split('_')[0]} password did not tell")
    running.notes.append(f"{where}: new {_word(outcomes[0])}, old {_word(outcomes[1])}")
    return True


def _word(outcome: Outcome) -> str:
    return "not told" if outcome.accepted is None else "accepted" if outcome.accepted else "refused"


def restore(change: Change) -> bool:
    """Set the original back (current = the new one) and check it on the web port: True when it works."""
    change.running.pacer.wait()
    pc = change.pc
    back, _ = post_form(change.target, pc, change.new, change.original, change.running.per_exchange)
    back.detail = f"the original set back: {back.detail}"
    change.steps.add("restore", change.web, pc.port, back)
    if refused_outright(back):
        return False
    if change.web_login(change.original, "the original password again").accepted is not True:
        return False
    change.running.notes.append("the original set back, and it works on the web port")
    return True


def settle_unclear(change: Change) -> bool:
    """The change's answer did not say whether it took: the original on the web port tells; if it is
    refused the change did take, and the original is set back."""
    check = change.web_login(change.original, "did the unclear change take? the original password")
    if check.accepted is True:
        change.running.notes.append("the unit still has its original password")
        return True
    return check.accepted is False and restore(change)


def stranded(change: Change) -> str:
    """The loud line: the unit may be left with the new password, given in full for the lab to get in."""
    return (
        f"UNIT NOT RESTORED: the password of {change.pc.user!r} on this unit may now be {change.new!r}"
        " (given in full only because setting the original back failed, so the lab can get back into its"
        " unit): log in with it and set the original back by hand"
    )


# --- the test -----------------------------------------------------------------------------------
def password_change_test(
    target: str, services: list[Service], plan: ProbePlan, test: TestPlan
) -> tuple[TestRun, dict[str, Rows]]:
    pc = plan.access.password_change if plan.access is not None else None
    if pc is None:
        detail = "no test access for it: test-access.yaml grants no `password_change`"
        return TestRun(test.name, test.tool, TestStatus.SKIPPED, detail), {}
    running = begin(test)
    new = fresh_password(pc.password)
    change = Change(target, pc, pc.password, new, running, Steps(test.name, pc.user, (pc.password, new)))
    running.pacer.wait()
    made, sent = post_form(target, pc, pc.password, new, running.timeout)
    change.steps.add("change", change.web, pc.port, made)
    where = f"{change.web} tcp/{pc.port} {pc.path}"
    left_as_found = True
    if made.accepted:
        running.notes.insert(0, f"changed through {where}")
        try_services(change, services)
        left_as_found = restore(change)
    elif sent and not refused_outright(made):
        running.problems.append("the answer to the change did not tell whether it took: the original tried")
        left_as_found = settle_unclear(change)
    if made.accepted is False:
        refusal = (
            f"the device did not accept the change ({change.steps.scrub(made.detail)}); new and old not tried"
        )
        running.problems.insert(0, refusal)
    if not left_as_found:
        running.problems.append("the original password could not be set back")
    run = running.finish()
    if made.accepted is None:
        run.status = TestStatus.ERROR
        run.detail = f"the change could not be made through {where}: {made.detail}; {run.detail}".rstrip("; ")
    run.detail = change.steps.redact(run.detail)
    if not left_as_found:
        run.detail = f"{stranded(change)}; {run.detail}"
        run.status = TestStatus.PARTIAL if run.status is TestStatus.COMPLETED else run.status
    return run, {"password_change": change.steps.rows}
