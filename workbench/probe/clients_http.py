"""HTTP(S) with http.client: one GET with a bounded body, and one login attempt (Basic or Digest,
as the server's 401 challenge asks). 2xx/3xx = accepted, 401/403 = rejected, 429 or Retry-After =
locked out."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field

from workbench.probe import clients_auth
from workbench.probe.clients_base import MAX_READ, Outcome, failed, insecure_tls

USER_AGENT = "inspector-workbench-probe"


@dataclass
class HttpAnswer:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)  # names lower-cased, in order
    body: bytes = b""  # at most MAX_READ bytes
    truncated: bool = False

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]


def get(host: str, port: int, tls: bool, timeout: float, path: str = "/",
        headers: dict[str, str] | None = None, limit: int = MAX_READ) -> HttpAnswer:
    """GET `path`; reads at most `limit` bytes of the body. Raises OSError/HTTPException on failure."""
    conn: http.client.HTTPConnection
    if tls:
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=insecure_tls())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        sent = {"User-Agent": USER_AGENT, "Connection": "close", **(headers or {})}
        conn.request("GET", path, headers=sent)
        response = conn.getresponse()
        body = response.read(limit)
        truncated = len(body) >= limit and not response.isclosed()
        return HttpAnswer(
            status=response.status,
            reason=response.reason or "",
            headers=[(k.lower(), v) for k, v in response.getheaders()],
            body=body,
            truncated=truncated,
        )
    finally:
        conn.close()


def auth_scheme(answer: HttpAnswer) -> str | None:
    """`digest` or `basic` when the answer is a 401 challenge, else None."""
    return clients_auth.scheme_of(answer.all("www-authenticate")) if answer.status == 401 else None


def judged(status: int, retry_after: str | None, started: float, detail: str) -> Outcome:
    """A login answer: 2xx/3xx accepted, 401/403 rejected, 429 or Retry-After locked out."""
    locked = status == 429 or retry_after is not None
    if locked:
        accepted: bool | None = False
    elif 200 <= status < 400:
        accepted = True
    elif status in (401, 403):
        accepted = False
    else:
        accepted = None
    return Outcome(accepted, str(status), detail, locked=locked, started=started).done()


def login(host: str, port: int, tls: bool, scheme: str, user: str, password: str, timeout: float) -> Outcome:
    """One login attempt on GET /: Basic sends the pair at once; Digest first fetches a fresh challenge."""
    started = time.time()
    try:
        if scheme == "basic":
            authorization: str | None = clients_auth.basic(user, password)
        else:
            first = get(host, port, tls, timeout)
            params = clients_auth.challenge(first.all("www-authenticate"), "digest")
            if first.status != 401 or not params:
                return judged(first.status, first.header("retry-after"), started,
                              f"no Digest challenge: {first.status} {first.reason}")
            authorization = clients_auth.digest("GET", "/", user, password, params)
            if authorization is None:
                detail = f"unsupported Digest challenge (algorithm {params.get('algorithm', 'MD5')})"
                return Outcome(None, "401", detail, started=started).done()
        answer = get(host, port, tls, timeout, headers={"Authorization": authorization})
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return failed(started, exc)
    return judged(answer.status, answer.header("retry-after"), started,
                  f"{answer.status} {answer.reason}")
