"""AUTH-04 hands-on (test-access.yaml `password_change`): change the device password the documented way,
try the new one and the old one on every service that uses it, then set the original back.

The unit must be left as found, and never with a password nobody knows. Before the change is sent, the new
password is written to `test-access.recovery` beside test-access.yaml (0600; removed once the original is
shown to work again). The restore runs whatever happens after that: a hostile answer, a client failing, the
budget spent, Ctrl-C (KeyboardInterrupt/SystemExit: set back, then re-raised). A run killed outright leaves
the file, and the next run first sets the original back with its password. Neither the rows nor the run's
detail ever hold a password (any echo shows "(set)"; the new one is in `plan.scrub` for the runner): a unit
left with the new one is named "UNIT NOT RESTORED" with the file's path.

A 2xx to GET / with the password tells only when GET / without one is refused (401): many units serve `/` to
anyone. Where it is not, no login on that port tells, the recovery file is kept and the restore is reported
as not confirmed.

Devices lock out after a few wrong passwords: a service gets at most two (the new one where the change did
not take, then the old one, tried only once the new one answered clearly). The web port can get one more
while the original is set back (a restore refusing the new password, an earlier run's recovery file, or a
restore tried after an unclear change where GET / is served to anyone).
"""

from __future__ import annotations

import http.client
import os
import secrets
import string
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.probe import clients, clients_auth, clients_http
from workbench.probe.clients_base import DETAIL_CHARS, MAX_READ, Outcome, failed, insecure_tls, printable
from workbench.probe.clients_run import Running, begin
from workbench.probe.plan import ProbePlan, TestPlan
from workbench.probe.results import TestRun, TestStatus
from workbench.probe.services import Service
from workbench.probe.vendor_access import SET, PasswordChange

Rows = list[dict[str, Any]]
MATCHES = {"mqtt": ("mqtt", "mqtts")}  # applies_to names no mqtts: a broker under TLS uses the password too
SCRUBBED_FROM = 4  # shorter secrets are not scrubbed from the device's words (a "1" would maul "401")
WRONG_CURRENT = {401, 403, 407}  # the form turned down the password it was authenticated with
RECOVERY_FILE = "test-access.recovery"  # beside test-access.yaml (VendorAccess.base)
PASSWORD_LINE = "password: "
RECOVERY_READ = 4096
NEW_LENGTH = 16


def fresh_password(old: str) -> str:
    """A random password of 16 characters: upper and lower case letters, digits and one "_" inside, what
    most units' rules accept (a length limit of 16, a special character), unlike `old`."""
    alphabet = string.ascii_letters + string.digits
    while True:
        chars = [secrets.choice(alphabet) for _ in range(NEW_LENGTH - 1)]
        if all(any(kind(c) for c in chars) for kind in (str.islower, str.isupper, str.isdigit)):
            chars.insert(1 + secrets.randbelow(NEW_LENGTH - 2), "_")
            new = "".join(chars)
            if new != old:
                return new


def path_problem(path: str) -> str | None:
    """Why the form's path cannot go on a request line, or None."""
    if not path.startswith("/") or not path.isascii() or any(c <= " " or c == "\x7f" for c in path):
        return f"password_change.path {path[:60]!r} is not a URL path (/..., printable ASCII)"
    return None


@dataclass
class Recovery:
    """The recovery file: the password the unit may have while (or after) a run changes it."""

    path: Path

    def create(self, about: str, password: str) -> None:
        """Write it, 0600, only if there is none (FileExistsError then: an earlier run's is never lost)."""
        fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(f"# {printable(about, 1000)}\n{PASSWORD_LINE}{password}\n")
            out.flush()
            os.fsync(out.fileno())

    def read(self) -> str | None:
        """The password an earlier run left in it, None when it holds none."""
        try:
            with self.path.open("rb") as found:
                text = found.read(RECOVERY_READ).decode("utf-8", "replace")
        except OSError:
            return None
        lines = [line.rstrip("\r") for line in text.split("\n")]
        return next((line[len(PASSWORD_LINE) :] for line in lines if line.startswith(PASSWORD_LINE)), None)

    def remove(self) -> str | None:
        """Delete it (the original works again); why it could not be, or None."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            return f"could not remove {self.path}: {exc.strerror or exc}"
        return None


@dataclass
class Steps:
    """The rows of one run; whatever the device said is made printable and stripped of every password."""

    test: str
    user: str
    secrets: list[str]
    registered: set[str]  # the plan's `scrub`: secrets the runner keeps out of the results
    rows: Rows = field(default_factory=list)

    def secret(self, secret: str) -> None:
        """A password met during the run: never in the rows, the detail or the results."""
        self.secrets.append(secret)
        self.registered.add(secret)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if len(secret) >= SCRUBBED_FROM:
                for form in {secret, urllib.parse.quote_plus(secret)}:
                    text = text.replace(form, SET)
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
        with conn.getresponse() as response:  # closed here: Ctrl-C in a finalizer's close() would be lost
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


def status_of(outcome: Outcome) -> int | None:
    return int(outcome.status) if outcome.status.isdigit() and len(outcome.status) == 3 else None


def refused_outright(outcome: Outcome) -> bool:
    """The device answered a 4xx: the form was turned down, nothing was changed (a 401/403/407: the password
    it was authenticated with is not the current one; any other: the request or the new password)."""
    status = status_of(outcome)
    return outcome.accepted is False and status is not None and 400 <= status < 500


def served_to_anyone(host: str, port: int, tls: bool, timeout: float) -> str | None:
    """Why a 2xx to GET / with a password does not tell: GET / without one is not refused (401); None when
    it is."""
    try:
        answer = clients_http.get(host, port, tls, timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        said = failed(time.time(), exc).detail
        return f"GET / without a password: {said}: whether it needs one is not known, no login there tells"
    if answer.status == 401:
        return None
    said = f"{answer.status} {printable(answer.reason, 60)}".rstrip()
    return f"GET / without a password: {said}, not 401: it is served to anyone, a login there does not tell"


def basic_login(
    host: str, port: int, tls: bool, user: str, password: str, timeout: float, pace: Callable[[], object]
) -> tuple[Outcome, bool]:
    """GET / with HTTP Basic: accepted on a 2xx (once GET / without a password, sent after `pace`, is
    refused), refused on a 401/403; anything else does not tell. Also: whether `/` is served to anyone."""
    started = time.time()
    try:
        answer = clients_http.get(
            host, port, tls, timeout, headers={"Authorization": clients_auth.basic(user, password)}
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return failed(started, exc), False
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
    elif outcome.accepted:
        pace()
        public = served_to_anyone(host, port, tls, timeout)
        if public:
            outcome.accepted, outcome.detail = None, f"{outcome.detail}; {public}"
            return outcome.done(), True
    return outcome, False


def login(
    host: str, service: Service, user: str, password: str, timeout: float, pace: Callable[[], object]
) -> Outcome:
    """One login on `service` with the existing clients (RTSP: DESCRIBE with Digest; HTTP(S): Basic); a
    lock-out does not tell whether the password is right. Never raises: the restore must still run."""
    started = time.time()
    try:
        if service.protocol in ("http", "https"):
            outcome, _ = basic_login(host, service.port, service.tls, user, password, timeout, pace)
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
    """One run's facts: where the form is, the two passwords, the recovery file, what was seen."""

    target: str
    pc: PasswordChange
    original: str
    new: str
    running: Running
    steps: Steps
    recovery: Recovery
    left_as_found: bool = True
    unconfirmed: bool = False  # GET / on the web port is served to anyone: no login there tells

    @property
    def web(self) -> str:
        return "https" if self.pc.tls else "http"

    @property
    def form(self) -> str:
        return f"{self.web} tcp/{self.pc.port} {self.pc.path}"

    def post(self, current: str, new: str, timeout: float) -> tuple[Outcome, bool]:
        return post_form(self.target, self.pc, current, new, timeout)

    def web_login(self, password: str, why: str) -> Outcome:
        """The `restore` step's check: `password` on the web port's GET /."""
        self.running.pacer.wait()  # the restore is never cut by the budget: the unit must be left as found
        pc = self.pc
        pace, timeout = self.running.pacer.wait, self.running.per_exchange
        outcome, public = basic_login(self.target, pc.port, pc.tls, pc.user, password, timeout, pace)
        self.unconfirmed = self.unconfirmed or public
        outcome.detail = f"{why}: {outcome.detail}"
        return self.steps.add("restore", self.web, pc.port, outcome)

    def forget_recovery(self) -> None:
        problem = self.recovery.remove()
        if problem:
            self.running.problems.append(problem)


def try_services(change: Change, services: list[Service]) -> None:
    """`new_password`, then `old_password`, on each open service of applies_to."""
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
    """The new password on one service, then the old one only once the new one answered: accepted (the old
    must now be refused) or refused (the old one tells whether the change took there). False once the budget
    is spent."""
    running, steps, user = change.running, change.steps, change.pc.user
    where = f"{service.protocol}/{service.port}"
    if not running.turn():
        return False
    new = login(change.target, service, user, change.new, running.timeout, running.pacer.wait)
    steps.add("new_password", service.protocol, service.port, new)
    if new.accepted is None:
        why = "the service locked us out" if new.locked else "trying the new password did not tell"
        steps.add(
            "old_password", service.protocol, service.port, Outcome(None, "", f"not tried: {why}").done()
        )
        running.problems.append(f"{where}: {why}; the old password not tried")
        running.notes.append(f"{where}: new not told, old not tried")
        return True
    if not running.turn():
        return False
    old = login(change.target, service, user, change.original, running.timeout, running.pacer.wait)
    did_not_take = new.accepted is False and old.accepted is True
    if did_not_take:
        old.detail = f"change did not take: the old password works here, the new one not; {old.detail}"
    steps.add("old_password", service.protocol, service.port, old)
    if old.accepted is None:
        running.problems.append(f"{where}: trying the old password did not tell")
    note = f"{where}: new {_word(new)}, old {_word(old)}"
    running.notes.append(f"{note}: the change did not take here" if did_not_take else note)
    return True


def _word(outcome: Outcome) -> str:
    return "not told" if outcome.accepted is None else "accepted" if outcome.accepted else "refused"


def restore(change: Change) -> bool:
    """Set the original back (current = the new one) and check it on the web port: True when it works."""
    change.running.pacer.wait()
    pc = change.pc
    back, _ = change.post(change.new, change.original, change.running.per_exchange)
    back.detail = f"the original set back: {back.detail}"
    change.steps.add("restore", change.web, pc.port, back)
    why = "the original password again"
    if refused_outright(back):
        if status_of(back) not in WRONG_CURRENT:  # the unit has the new one and refused the original
            return False
        why = "the new password refused as the current one: the original"  # did the change not take?
    if change.web_login(change.original, why).accepted is not True:
        return False
    change.running.notes.append("the original set back, and it works on the web port")
    return True


def settle_unclear(change: Change) -> bool:
    """Whether the change took is not known: the original on the web port tells; if it is refused the change
    did take, and the original is set back. Where GET / is served to anyone nothing tells: the original is
    set back all the same (it cannot be confirmed)."""
    check = change.web_login(change.original, "did the change take? the original password")
    if check.accepted is True:
        change.running.notes.append("the unit still has its original password")
        return True
    return (check.accepted is False or change.unconfirmed) and restore(change)


def put_back(change: Change, made: Outcome | None, sent: bool) -> bool:
    """However the run went since the recovery file was written, leave the unit with its original password;
    True when it has it (the recovery file is removed then)."""
    if not sent or (made is not None and refused_outright(made)):
        back = True  # the form never reached the unit, or the unit turned it down
    elif made is not None and made.accepted:
        back = restore(change)
    else:  # an answer that does not tell, or none yet (interrupted while the form was on its way)
        back = settle_unclear(change)
    if back:
        change.forget_recovery()
    return back


def recover_earlier(change: Change) -> bool:
    """An earlier run left its recovery file (killed, or it could not set the original back): its password,
    as the current one, sets the original back first. True once the original works on the web port (the file
    is removed then); the file is never overwritten."""
    running, path = change.running, change.recovery.path
    earlier = change.recovery.read()
    how = "the unit had its original password"
    if earlier and earlier != change.original:
        change.steps.secret(earlier)
        running.pacer.wait()
        back, _ = change.post(earlier, change.original, running.per_exchange)
        back.detail = f"the original set back with an earlier run's recovery file: {back.detail}"
        change.steps.add("restore", change.web, change.pc.port, back)
        how = "its password set the original back" if back.accepted else how
    check = change.web_login(change.original, "the original password, before the change")
    if check.accepted is not True:
        running.problems.append(
            "an earlier run's recovery file was there, and the original password could not be shown to work"
            " again with it"
        )
        return False
    change.forget_recovery()
    running.notes.append(f"an earlier run's recovery file {path} was there: {how}; the file removed")
    return True


def prepare(change: Change) -> str | None:
    """Write the recovery file before anything changes (an earlier run's first used to set the original
    back): why the change must not be made, or None."""
    when = datetime.now(UTC).isoformat(timespec="seconds")
    about = (
        f"test-access.recovery: the password the workbench probe's password_change test set for"
        f" {change.pc.user!r} on the unit at {change.target} ({change.form}) at {when}; the unit may still"
        " have it. The next run sets the original (test-access.yaml) back with it first; or log in with it,"
        " set the original back by hand, and delete this file."
    )
    for first in (True, False):
        try:
            change.recovery.create(about, change.new)
            return None
        except FileExistsError:
            if first and recover_earlier(change):
                continue  # the earlier file is gone, the original works: this run's file can be written
            change.left_as_found = not first  # a file made again meanwhile is another run's
            return f"{change.recovery.path} is there: the password was not changed"
        except OSError as exc:
            return (
                f"cannot write {change.recovery.path} ({exc.strerror or exc}): the password was not changed"
            )
    return None


def stranded(change: Change) -> str:
    """The loud line: the unit may be left with a password only the recovery file knows."""
    why = ""
    if change.unconfirmed:
        why = (
            f"the restore could not be confirmed (GET / on {change.web} tcp/{change.pc.port} is served"
            " without a password, so a login there does not tell); "
        )
    return (
        f"UNIT NOT RESTORED: {why}its password may now be the one in {change.recovery.path} (for"
        f" {change.pc.user!r}; the next run sets the original back with it first)"
    )


def change_and_try(change: Change, services: list[Service]) -> Outcome | None:
    """POST the change, try both passwords, and in any case (Ctrl-C too) set the original back."""
    running, pc = change.running, change.pc
    made: Outcome | None = None
    sent = True  # until post_form returns, the form may be on its way
    try:
        running.pacer.wait()
        made, sent = change.post(change.original, change.new, running.timeout)
        change.steps.add("change", change.web, pc.port, made)
        if made.accepted:
            running.notes.append(f"changed through {change.form}")
            try_services(change, services)
    except BaseException:  # KeyboardInterrupt, SystemExit, a client's bug: set back, then re-raised
        change.left_as_found = put_back(change, made, sent)
        if not change.left_as_found:
            print(f"password_change stopped: {stranded(change)}", file=sys.stderr, flush=True)
        raise
    change.left_as_found = put_back(change, made, sent)
    return made


def made_words(change: Change, made: Outcome) -> None:
    """What the answer to the change means, in the run's problems and notes."""
    running, status = change.running, status_of(made)
    said = change.steps.scrub(made.detail)
    if refused_outright(made) and status in WRONG_CURRENT:
        running.problems.insert(
            0,
            f"the device did not accept the change: it refused the current password test-access.yaml gives"
            f" ({said}); nothing else tried",
        )
    elif refused_outright(made):
        running.problems.insert(0, f"the device did not accept the change ({said}); nothing else tried")
    elif made.accepted is False:
        running.problems.insert(0, f"the answer to the change ({said}) did not tell whether it took")


# --- the test -----------------------------------------------------------------------------------
def password_change_test(
    target: str, services: list[Service], plan: ProbePlan, test: TestPlan
) -> tuple[TestRun, dict[str, Rows]]:
    access = plan.access
    pc = access.password_change if access is not None else None
    if access is None or pc is None:
        detail = "no test access for it: test-access.yaml grants no `password_change`"
        return TestRun(test.name, test.tool, TestStatus.SKIPPED, detail), {}
    running = begin(test)
    new = fresh_password(pc.password)
    plan.scrub.add(new)  # the runner replaces it by "(set)" wherever the results hold it
    steps = Steps(test.name, pc.user, [pc.password, new], plan.scrub)
    change = Change(target, pc, pc.password, new, running, steps, Recovery(access.base / RECOVERY_FILE))
    blocked = prepare(change)
    made = None if blocked else change_and_try(change, services)
    if made is not None:
        made_words(change, made)
    if made is not None and not change.left_as_found:
        running.problems.append(
            "the original password set back could not be confirmed"
            if change.unconfirmed
            else "the original password could not be set back"
        )
    run = running.finish()
    if blocked:
        run.status = TestStatus.ERROR
        run.detail = f"{blocked}; {run.detail}".rstrip("; ")
    elif made is not None and made.accepted is None:
        run.status = TestStatus.ERROR
        run.detail = f"the change could not be made through {change.form}: {made.detail}; {run.detail}"
        run.detail = run.detail.rstrip("; ")
    run.detail = steps.redact(run.detail)
    if not change.left_as_found:
        run.detail = f"{stranded(change)}; {run.detail}"
        run.status = TestStatus.PARTIAL if run.status is TestStatus.COMPLETED else run.status
    return run, {"password_change": steps.rows}
