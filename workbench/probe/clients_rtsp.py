"""RTSP (cameras): OPTIONS and DESCRIBE over one connection, with Digest or Basic when challenged."""

from __future__ import annotations

import time

from workbench.probe import clients_auth
from workbench.probe.clients_base import Outcome, connect, failed
from workbench.probe.clients_http import judged
from workbench.probe.clients_raw import RawAnswer, exchange

USER_AGENT = "inspector-workbench-probe"


def url(host: str, port: int) -> str:
    return f"rtsp://{host}:{port}/"


def request(method: str, target: str, cseq: int, authorization: str | None = None) -> bytes:
    lines = [f"{method} {target} RTSP/1.0", f"CSeq: {cseq}", f"User-Agent: {USER_AGENT}"]
    if method == "DESCRIBE":
        lines.append("Accept: application/sdp")
    if authorization:
        lines.append(f"Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def options_and_describe(host: str, port: int, timeout: float) -> tuple[RawAnswer, RawAnswer]:
    """OPTIONS then DESCRIBE without credentials, on one connection."""
    with connect(host, port, timeout) as sock:
        options = exchange(host, port, request("OPTIONS", url(host, port), 1), timeout, sock=sock)
        describe = exchange(host, port, request("DESCRIBE", url(host, port), 2), timeout, sock=sock)
    return options, describe


def login(host: str, port: int, user: str, password: str, timeout: float) -> Outcome:
    """DESCRIBE, then DESCRIBE again answering the 401 challenge (Digest preferred, else Basic)."""
    started = time.time()
    target = url(host, port)
    try:
        with connect(host, port, timeout) as sock:
            first = exchange(host, port, request("DESCRIBE", target, 1), timeout, sock=sock)
            if first.status != 401:
                if first.status is not None and 200 <= first.status < 300:  # asks for no credentials at all:
                    return Outcome(
                        None,
                        str(first.status),
                        f"no challenge: {first.status_line}",  # not a login
                        started=started,
                    ).done()
                word = "no challenge" if first.status is not None else "no RTSP answer"
                return judged(
                    first.status or 0, first.header("retry-after"), started, f"{word}: {first.status_line}"
                )
            challenges = first.all("www-authenticate")
            scheme = clients_auth.scheme_of(challenges)
            if scheme == "digest":
                params = clients_auth.challenge(challenges, "digest")
                authorization = clients_auth.digest("DESCRIBE", target, user, password, params)
            elif scheme == "basic":
                authorization = clients_auth.basic(user, password)
            else:
                authorization = None
            if authorization is None:
                return Outcome(None, "401", "a challenge this client does not answer", started=started).done()
            answer = exchange(host, port, request("DESCRIBE", target, 2, authorization), timeout, sock=sock)
    except (OSError, ValueError) as exc:
        return failed(started, exc)
    if answer.status is None:
        return Outcome(None, "", "no RTSP answer to the authenticated DESCRIBE", started=started).done()
    return judged(answer.status, answer.header("retry-after"), started, f"{scheme}: {answer.status_line}")
