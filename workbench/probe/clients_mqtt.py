"""MQTT with paho-mqtt 2.x: one CONNECT (with or without credentials) and its CONNACK. Return code
0 is accepted; 4/5 (MQTT 5: 0x86 bad user name or password, 0x87 not authorised) rejected. Nothing
is subscribed or published; the client disconnects at once."""

from __future__ import annotations

import os
import time
from typing import Any

import paho.mqtt.client as mqtt

from workbench.probe.clients_base import Outcome, failed, insecure_tls

# MQTT 3.1.1 return codes as paho 2.x reports them (MQTT 5 reason codes) -> the 3.1.1 code
_V311 = {0: 0, 0x84: 1, 0x85: 2, 0x88: 3, 0x86: 4, 0x87: 5}
_REJECTED = {0x86, 0x87}
_LOCKED = {0x89, 0x97}  # server busy, quota exceeded


def connect(host: str, port: int, tls: bool, user: str | None, password: str | None,
            timeout: float) -> Outcome:
    started = time.time()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"wb-probe-{os.urandom(4).hex()}",
                         protocol=mqtt.MQTTv311, reconnect_on_failure=False)
    client.enable_logger(None)
    if tls:
        client.tls_set_context(insecure_tls())
        client.tls_insecure_set(True)
    if user is not None:
        client.username_pw_set(user, password)
    answers: list[Any] = []
    client.on_connect = lambda _c, _u, _flags, reason, _props: answers.append(reason)
    deadline = time.monotonic() + timeout
    try:
        client.connect(host, port, keepalive=max(5, int(timeout) + 5))
        while not answers and time.monotonic() < deadline:
            code = client.loop(timeout=min(0.2, max(0.01, deadline - time.monotonic())))
            if code != mqtt.MQTT_ERR_SUCCESS and not answers:
                return Outcome(None, "closed", f"connection lost before CONNACK ({code.name})",
                               failure="refused", started=started).done()
    except (OSError, ValueError) as exc:
        return failed(started, exc)
    finally:
        _close(client)
    if not answers:
        return Outcome(None, "no CONNACK", "no CONNACK before the timeout", failure="timeout",
                       started=started).done()
    value = int(getattr(answers[0], "value", 0))
    status = f"CONNACK {_V311.get(value, value)}"
    detail = f"{status}: {answers[0]}"
    if value == 0:
        return Outcome(True, status, detail, started=started).done()
    if value in _LOCKED:
        return Outcome(False, status, detail, locked=True, started=started).done()
    return Outcome(False if value in _REJECTED else None, status, detail, started=started).done()


def _close(client: mqtt.Client) -> None:
    try:
        if client.is_connected():
            client.disconnect()
    finally:
        sock = client.socket()
        if sock is not None:
            sock.close()
