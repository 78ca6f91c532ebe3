"""SSH with a paramiko Transport: `auth none` (which methods the server offers) and one password
attempt. Authentication only: no channel is ever opened, no command run."""

from __future__ import annotations

import logging
import socket
import time

import paramiko

from workbench.probe.clients_base import Outcome, failed, printable

logging.getLogger("paramiko").setLevel(logging.CRITICAL)  # its tracebacks are the device's doing


def _transport(host: str, port: int, timeout: float) -> paramiko.Transport:
    sock = socket.create_connection((host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.auth_timeout = timeout
    transport.handshake_timeout = timeout
    try:
        transport.start_client(timeout=timeout)  # returns at the timeout even when the handshake did not end
        if transport.session_id is None:
            raise TimeoutError("no SSH handshake before the timeout")
    except BaseException:
        transport.close()
        raise
    return transport


def auth_none(host: str, port: int, user: str, timeout: float) -> Outcome:
    """accepted=True when `none` lets us in; else False with the allowed methods as the status."""
    started = time.time()
    try:
        transport = _transport(host, port, timeout)
    except (OSError, paramiko.SSHException, EOFError) as exc:
        return failed(started, exc)
    try:
        banner = printable(transport.remote_version or "")
        try:
            transport.auth_none(user)
            return Outcome(True, "none", f"{banner}: auth none accepted", started=started).done()
        except paramiko.BadAuthenticationType as exc:
            methods = ",".join(exc.allowed_types)
            return Outcome(False, methods, f"{banner}: offers {methods}", started=started).done()
    except (OSError, paramiko.SSHException, EOFError) as exc:
        return failed(started, exc)
    finally:
        transport.close()


def login(host: str, port: int, user: str, password: str, timeout: float) -> Outcome:
    started = time.time()
    try:
        transport = _transport(host, port, timeout)
    except (OSError, paramiko.SSHException, EOFError) as exc:
        return failed(started, exc)
    try:
        remaining = transport.auth_password(user, password, fallback=False)
        if remaining:  # partial success: another factor is asked for
            return Outcome(False, "partial", f"password accepted, then {','.join(remaining)} asked",
                           started=started).done()
        return Outcome(True, "password", "password accepted", started=started).done()
    except paramiko.BadAuthenticationType as exc:
        methods = ",".join(exc.allowed_types)
        return Outcome(False, methods, f"password not offered (only {methods})", started=started).done()
    except paramiko.AuthenticationException as exc:
        return Outcome(False, "password rejected", printable(str(exc)), started=started).done()
    except (OSError, paramiko.SSHException, EOFError) as exc:
        return failed(started, exc)
    finally:
        transport.close()
