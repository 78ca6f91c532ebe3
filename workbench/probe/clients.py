"""One login attempt on any login service, whatever its protocol: the single door the login and
brute-force tests go through. Each protocol's client is its own module (clients_*.py)."""

from __future__ import annotations

from workbench.probe import clients_ftp, clients_http, clients_mqtt, clients_rtsp, clients_ssh, clients_telnet
from workbench.probe.clients_base import Outcome
from workbench.probe.services import Service

LOGIN_PROTOCOLS = ("telnet", "ssh", "ftp", "http", "https", "rtsp", "mqtt", "mqtts")


def login(host: str, service: Service, user: str, password: str, timeout: float,
          http_scheme: str = "basic") -> Outcome:
    """One attempt of `user`/`password` on `service`; `http_scheme` (basic or digest) for HTTP(S)."""
    port, protocol = service.port, service.protocol
    if protocol == "telnet":
        return clients_telnet.login(host, port, user, password, timeout)
    if protocol == "ssh":
        return clients_ssh.login(host, port, user, password, timeout)
    if protocol == "ftp":
        return clients_ftp.login(host, port, user, password, timeout)
    if protocol in ("http", "https"):
        return clients_http.login(host, port, service.tls, http_scheme, user, password, timeout)
    if protocol == "rtsp":
        return clients_rtsp.login(host, port, user, password, timeout)
    if protocol in ("mqtt", "mqtts"):
        return clients_mqtt.connect(host, port, service.tls, user, password, timeout)
    raise ValueError(f"no login client for {protocol!r}")


def label(service: Service, http_scheme: str | None = None) -> str:
    """The protocol as the logins and bruteforce tables name it (`http-basic`, `http-digest`, ...)."""
    if service.protocol in ("http", "https"):
        return f"http-{http_scheme or 'basic'}"
    return service.protocol
