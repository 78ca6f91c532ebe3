"""Run inside the simulated camera's namespace (as its CMD): the test access it grants, used as a lab would.
Usage: access_checker.py VARIANT READY_FILE CHECK... (CHECK: password). Exit 0 when all holds."""

from __future__ import annotations

import base64
import http.client
import json
import ssl
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from simdevice_checker import HOST, MAX_READ, TIMEOUT_S, challenge_of, digest, http_get, rtsp, tls_client

TLS = tls_client(ssl.TLSVersion.TLSv1_2)


def post_password(auth: tuple[str, str], fields: dict[str, str],
                  content_type: str = "application/x-www-form-urlencoded") -> tuple[int, str]:
    connection = http.client.HTTPSConnection(HOST, 443, timeout=TIMEOUT_S, context=TLS)
    headers = {"Authorization": "Basic " + base64.b64encode(":".join(auth).encode()).decode(),
               "Content-Type": content_type}
    connection.request("POST", "/password", body=urllib.parse.urlencode(fields), headers=headers)
    response = connection.getresponse()
    body = response.read(MAX_READ).decode("utf-8", "replace")
    connection.close()
    return response.status, body


def https_status(password: str) -> int:
    return http_get(443, auth=("admin", password), context=TLS)[0]


def rtsp_status(password: str) -> int:
    uri = f"rtsp://{HOST}:554/live"
    _, text = rtsp(554, "DESCRIBE")
    return rtsp(554, "DESCRIBE", digest(challenge_of(text), "DESCRIBE", uri, password))[0]


def log_lines(state: dict[str, object]) -> list[str]:
    return (Path(str(state["workdir"])) / "rootfs/var/log/messages").read_text().splitlines()


def check_password(variant: str, state: dict[str, object]) -> None:
    """The clean camera's documented password change (AUTH-04) applies to HTTPS and RTSP, and is logged."""
    old = str(state["password"])
    new = "correct horse battery"
    assert post_password(("admin", old), {"current": old, "new": "short"})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": ""})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": old})[0] == 400
    assert post_password(("admin", old), {"current": old, "new": new}, "text/plain")[0] == 400
    assert https_status(old) == 200 and rtsp_status(old) == 200   # nothing changed so far
    assert post_password(("admin", old), {"current": "not it", "new": new})[0] == 403
    assert post_password(("admin", "not it"), {"current": old, "new": new})[0] == 401
    status, body = post_password(("admin", old), {"current": old, "new": new})
    assert status == 200 and "password changed" in body, (status, body)
    assert https_status(new) == 200 and rtsp_status(new) == 200
    assert https_status(old) == 401 and rtsp_status(old) == 401
    assert (Path(str(state["workdir"])) / "admin-password.txt").read_text() == new + "\n"
    changed = [line for line in log_lines(state) if "password changed for admin from 127.0.0.1" in line]
    assert len(changed) == 1 and " c100 uhttpd[" in changed[0] and changed[0].endswith("(https)"), changed
    refused = [line for line in log_lines(state) if "password change refused" in line]
    assert len(refused) == 1, log_lines(state)


CHECKS: dict[str, Callable[[str, dict[str, object]], None]] = {"password": check_password}

if __name__ == "__main__":
    variant, ready_file, *names = sys.argv[1:]
    ready = json.loads(Path(ready_file).read_text())
    for name in names:
        CHECKS[name](variant, ready)
        print(f"checked {variant}: {name}")
