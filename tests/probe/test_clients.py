"""Each protocol client against a real server in a private network namespace: one login attempt
accepted with the right pair, rejected with a wrong one; the lockout, the silent server."""

from __future__ import annotations

from pathlib import Path

from netns_clients import run_driver

from workbench.probe.services import Service, services_from_ports


def test_services_from_nmap_rows() -> None:
    rows = [
        {"transport": "tcp", "port": 23, "state": "open", "service": "telnet"},
        {"transport": "tcp", "port": 443, "state": "open", "service": "http", "tunnel": "ssl"},
        {"transport": "tcp", "port": 8883, "state": "open", "service": "tcpwrapped"},
        {"transport": "tcp", "port": 9999, "state": "open", "service": "", "product": "Mosquitto"},
        {"transport": "tcp", "port": 7777, "state": "open", "service": "unknown", "tunnel": "ssl"},
        {"transport": "tcp", "port": 2323, "state": "open", "service": None},
        {"transport": "tcp", "port": 53, "state": "open", "service": "domain"},
        {"transport": "udp", "port": 554, "state": "open", "service": "rtsp"},
        {"transport": "tcp", "port": 80, "state": "filtered", "service": "http"},
        {"transport": "tcp", "port": 1883, "state": "open", "service": "mqtt", "tunnel": "ssl"},
        {"transport": "tcp", "port": 99999, "state": "open", "service": "http"},
        "not a row",
    ]
    assert services_from_ports(rows) == [  # type: ignore[arg-type]
        Service("tcp", 23, "telnet"), Service("tcp", 443, "https"), Service("tcp", 1883, "mqtts"),
        Service("tcp", 2323, "telnet"), Service("tcp", 7777, "tls"), Service("tcp", 8883, "mqtts"),
        Service("tcp", 9999, "mqtt"),
    ]


CLIENTS = """
from workbench.probe import clients, clients_http, clients_mqtt, clients_rtsp, clients_ssh
from workbench.probe.services import Service
from dataclasses import asdict
H = "127.0.0.1"
def o(x): return {**asdict(x), "word": x.word}
t = telnetd(WORK)
RESULT["telnet_ok"] = o(clients.login(H, Service("tcp", t, "telnet"), TELNET_USER, TELNET_PASSWORD, 5))
RESULT["telnet_bad"] = o(clients.login(H, Service("tcp", t, "telnet"), TELNET_USER, "nope", 5))
b = httpd_basic(WORK)
RESULT["basic_scheme"] = clients_http.auth_scheme(clients_http.get(H, b, False, 5))
RESULT["basic_ok"] = o(clients.login(H, Service("tcp", b, "http"), "admin", "admin", 5))
RESULT["basic_bad"] = o(clients.login(H, Service("tcp", b, "http"), "admin", "wrong", 5))
d = digest_server()
RESULT["digest_scheme"] = clients_http.auth_scheme(clients_http.get(H, d, False, 5))
D = Service("tcp", d, "http")
RESULT["digest_ok"] = o(clients.login(H, D, DIGEST_USER, DIGEST_PASSWORD, 5, "digest"))
RESULT["digest_bad"] = [o(clients.login(H, Service("tcp", d, "http"), DIGEST_USER, "x", 5, "digest"))
                        for _ in range(4)]
r = digest_server()
RESULT["rtsp_ok"] = o(clients.login(H, Service("tcp", r, "rtsp"), DIGEST_USER, DIGEST_PASSWORD, 5))
RESULT["rtsp_bad"] = o(clients.login(H, Service("tcp", r, "rtsp"), DIGEST_USER, "x", 5))
f = ftpd()
RESULT["ftp_ok"] = o(clients.login(H, Service("tcp", f, "ftp"), FTP_USER, FTP_PASSWORD, 5))
RESULT["ftp_bad"] = o(clients.login(H, Service("tcp", f, "ftp"), FTP_USER, "x", 5))
m = mosquitto(WORK, anonymous=False)
RESULT["mqtt_ok"] = o(clients.login(H, Service("tcp", m, "mqtt"), MQTT_USER, MQTT_PASSWORD, 5))
RESULT["mqtt_bad"] = o(clients.login(H, Service("tcp", m, "mqtt"), MQTT_USER, "x", 5))
RESULT["mqtt_none"] = o(clients_mqtt.connect(H, m, False, None, None, 5))
s = dropbear(WORK, passwords=True)
RESULT["ssh_none"] = o(clients_ssh.auth_none(H, s, "admin", 5))
RESULT["ssh_bad"] = o(clients.login(H, Service("tcp", s, "ssh"), "nosuchuser", "x", 5))
k = dropbear(WORK, passwords=False)
RESULT["ssh_keys_only"] = o(clients_ssh.auth_none(H, k, "admin", 5))
q = silent_server()
for name, proto in (("silent_telnet", "telnet"), ("silent_http", "http"), ("silent_ftp", "ftp"),
                    ("silent_mqtt", "mqtt"), ("silent_ssh", "ssh"), ("silent_rtsp", "rtsp")):
    RESULT[name] = o(clients.login(H, Service("tcp", q, proto), "admin", "x", 1.0))
RESULT["refused"] = o(clients.login(H, Service("tcp", free_port(), "ftp"), "a", "b", 1.0))
"""


def test_every_client_against_a_real_server(tmp_path: Path) -> None:
    got = run_driver(tmp_path, CLIENTS)
    assert got["telnet_ok"]["accepted"] is True and got["telnet_ok"]["status"] == "shell prompt"
    assert got["telnet_bad"]["accepted"] is False and got["telnet_bad"]["word"] == "rejected"
    assert got["basic_scheme"] == "basic" and got["digest_scheme"] == "digest"
    assert got["basic_ok"]["accepted"] is True and got["basic_ok"]["status"] == "200"
    assert got["basic_bad"]["accepted"] is False and got["basic_bad"]["status"] == "401"
    assert got["digest_ok"]["accepted"] is True
    words = [a["word"] for a in got["digest_bad"]]
    assert words == ["rejected", "rejected", "rejected", "locked"], words
    assert got["rtsp_ok"]["accepted"] is True and got["rtsp_bad"]["accepted"] is False
    assert got["ftp_ok"]["status"] == "230" and got["ftp_ok"]["accepted"] is True
    assert got["ftp_bad"]["status"] == "530" and got["ftp_bad"]["accepted"] is False
    assert got["mqtt_ok"]["status"] == "CONNACK 0" and got["mqtt_ok"]["accepted"] is True
    assert got["mqtt_bad"]["accepted"] is False and got["mqtt_bad"]["status"] in ("CONNACK 4", "CONNACK 5")
    assert got["mqtt_none"]["accepted"] is False
    assert got["ssh_none"]["accepted"] is False and "password" in got["ssh_none"]["status"]
    assert got["ssh_bad"]["accepted"] is False and got["ssh_bad"]["word"] == "rejected"
    assert got["ssh_keys_only"]["status"] == "publickey"
    for name in ("silent_telnet", "silent_http", "silent_ftp", "silent_mqtt", "silent_ssh", "silent_rtsp"):
        attempt = got[name]
        assert attempt["accepted"] is None and attempt["word"] == "timeout", (name, attempt)
        assert 0 < attempt["finished"] - attempt["started"] < 4, (name, attempt)
    assert got["refused"]["word"] == "refused"
    for attempt in (got["telnet_ok"], got["ssh_bad"], got["mqtt_ok"]):
        assert attempt["started"] <= attempt["finished"]
