"""Fixtures for the network checks: real device cases from captures written with scapy, the
shared corpus and the demo samples (built once per session; analyses are cached per case)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from netcases import CLEAN_DECLARATION, DEFECTIVE_DECLARATION, SERIAL, demo_case, new_case
from netfirmware import CLEAN_FILES, DEFECTIVE_FILES, squashfs_image
from netpcaps import (
    AES128_SHA,
    CLOUD_IP,
    DES3_SHA,
    DEVICE_IP,
    ECDHE_RSA_AES128_GCM,
    ECDHE_RSA_AES256_GCM,
    PHONE_IP,
    RC4_SHA,
    ROUTER_IP,
    TLS13_AES128,
    TLS_10,
    TLS_12,
    TLS_13,
    TRACKER_IP,
    UPDATE_IP,
    Trace,
    client_hello,
    firmware_blob,
    http_get,
    http_response,
    make_cert,
    mqtt_connack,
    mqtt_connect,
    ssdp_notify,
    tls_session,
)

from workbench.case import Case

# --- certificates (RSA key generation is the slow part: once per session) -----------------


@pytest.fixture(scope="session")
def certs() -> dict[str, Any]:
    ca = make_cert("Acme Test Root CA", bits=2048, ca=True)
    leaf = make_cert("api.acme-cloud.example", bits=2048, issuer=ca)
    weak = make_cert(
        "api.acme-cloud.example",
        bits=1024,
        not_before=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2021, 1, 1, tzinfo=dt.UTC),
    )
    return {"ca": ca, "leaf": leaf, "weak": weak}


# --- the generated device pair -------------------------------------------------------------


@pytest.fixture(scope="session")
def defective_capture(tmp_path_factory: pytest.TempPathFactory, certs: dict[str, Any]) -> tuple[Path, dict]:
    """A camera doing everything wrong; returns the capture and the packet numbers that prove it."""
    t = Trace()
    marks: dict[str, Any] = {}
    marks["dns_tracker"], _ = t.dns(DEVICE_IP, ROUTER_IP, "telemetry.tracker.example", TRACKER_IP)
    marks["tracker_post"] = t.tcp_session(
        DEVICE_IP,
        TRACKER_IP,
        80,
        [
            (
                True,
                b"POST /collect HTTP/1.1\r\nHost: telemetry.tracker.example\r\nContent-Length: 2\r\n\r\n{}",
            ),
            (False, b"HTTP/1.1 204 No Content\r\n\r\n"),
        ],
    )[0]
    marks["dns_mqtt"], _ = t.dns(DEVICE_IP, ROUTER_IP, "mqtt.acme-cloud.example", CLOUD_IP)
    marks["mqtt_connect"] = t.tcp_session(
        DEVICE_IP,
        CLOUD_IP,
        1883,
        [
            (True, mqtt_connect(b"c100-00012345", b"c100", b"s3cr3t-mqtt", level=5)),
            (False, mqtt_connack(5)),
        ],
    )[0]
    t.dns(DEVICE_IP, ROUTER_IP, "update.acme-cloud.example", UPDATE_IP)
    marks["firmware_get"] = t.tcp_session(
        DEVICE_IP,
        UPDATE_IP,
        80,
        [
            (True, http_get("update.acme-cloud.example", "/c100/fw-2.2.bin")),
            (False, http_response(firmware_blob())),
        ],
    )[0]
    t.dns(DEVICE_IP, ROUTER_IP, "api.acme-cloud.example", CLOUD_IP)
    marks["tls10_hello"] = tls_session(
        t,
        DEVICE_IP,
        CLOUD_IP,
        443,
        hello=client_hello(TLS_10, [DES3_SHA, RC4_SHA, AES128_SHA], sni="api.acme-cloud.example"),
        version=TLS_10,
        cipher=RC4_SHA,
        certs=[certs["weak"].der],
    )
    marks["syn_ack"] = t.port_scan(PHONE_IP, DEVICE_IP, [21, 23, 80, 554, 2323, 8080], [22, 443])
    marks["telnet"] = t.tcp_session(
        PHONE_IP,
        DEVICE_IP,
        2323,
        [
            (False, b"\r\nC100 login: "),
            (True, b"root\r\n"),
            (False, b"\r\nPassword: "),
            (True, b"hunter2\r\n"),
            (False, b"\r\n# "),
        ],
    )
    marks["ftp"] = t.tcp_session(
        PHONE_IP,
        DEVICE_IP,
        21,
        [
            (False, b"220 C100 FTP ready\r\n"),
            (True, b"USER anonymous\r\n"),
            (False, b"331 Password required\r\n"),
            (True, b"PASS guest@\r\n"),
            (False, b"230 Login successful\r\n"),
        ],
    )
    marks["http_basic"] = t.tcp_session(
        PHONE_IP,
        DEVICE_IP,
        80,
        [
            (True, http_get(DEVICE_IP, "/", "Authorization: Basic YWRtaW46YWRtaW4=\r\n")),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ],
    )[0]
    marks["ssdp"] = t.udp(
        DEVICE_IP,
        "239.255.255.250",
        1900,
        1900,
        ssdp_notify("Linux/3.10 UPnP/1.0 Acme-C100/2.1", f"X-Serial-Number: {SERIAL}\r\n"),
    )
    for attempt in range(6):
        t.tcp_session(
            PHONE_IP,
            DEVICE_IP,
            23,
            [
                (False, b"\r\nC100 login: "),
                (True, b"admin\r\n"),
                (False, b"\r\nPassword: "),
                (True, f"guess{attempt}\r\n".encode()),
                (False, b"\r\nLogin incorrect\r\n"),
            ],
        )
    path = t.write(tmp_path_factory.mktemp("pcap") / "defective.pcap")
    return path, marks


@pytest.fixture(scope="session")
def clean_capture(tmp_path_factory: pytest.TempPathFactory, certs: dict[str, Any]) -> tuple[Path, dict]:
    t = Trace()
    marks: dict[str, Any] = {}
    t.dns(DEVICE_IP, ROUTER_IP, "mqtt.acme-cloud.example", CLOUD_IP)
    marks["tls13_hello"] = tls_session(
        t,
        DEVICE_IP,
        CLOUD_IP,
        8883,
        hello=client_hello(
            TLS_12,
            [TLS13_AES128, ECDHE_RSA_AES128_GCM],
            sni="mqtt.acme-cloud.example",
            supported=[TLS_13, TLS_12],
        ),
        version=TLS_12,
        cipher=TLS13_AES128,
        selected=TLS_13,
    )
    t.dns(DEVICE_IP, ROUTER_IP, "api.acme-cloud.example", CLOUD_IP)
    marks["tls12_hello"] = tls_session(
        t,
        DEVICE_IP,
        CLOUD_IP,
        443,
        hello=client_hello(
            TLS_12, [ECDHE_RSA_AES128_GCM, ECDHE_RSA_AES256_GCM], sni="api.acme-cloud.example"
        ),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
        certs=[certs["leaf"].der, certs["ca"].der],
    )
    t.dns(DEVICE_IP, ROUTER_IP, "update.acme-cloud.example", UPDATE_IP)
    marks["update_hello"] = tls_session(
        t,
        DEVICE_IP,
        UPDATE_IP,
        443,
        hello=client_hello(TLS_12, [ECDHE_RSA_AES128_GCM], sni="update.acme-cloud.example"),
        version=TLS_12,
        cipher=ECDHE_RSA_AES128_GCM,
        certs=[certs["leaf"].der, certs["ca"].der],
    )
    t.pause(11 * 60)  # normal use: COM-05 wants at least min_capture_minutes of it
    marks["syn_ack"] = t.port_scan(PHONE_IP, DEVICE_IP, [443, 554], [21, 22, 23, 80, 2323, 8080])
    marks["ssdp"] = t.udp(DEVICE_IP, "239.255.255.250", 1900, 1900, ssdp_notify("Linux UPnP/1.0 Acme-C100"))
    marks["local_http"] = t.tcp_session(
        DEVICE_IP,
        ROUTER_IP,
        80,
        [
            (True, http_get(ROUTER_IP, "/status")),
            (False, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ],
    )[0]
    path = t.write(tmp_path_factory.mktemp("pcap") / "clean.pcap")
    return path, marks


@pytest.fixture(scope="session")
def defective_case(tmp_path_factory: pytest.TempPathFactory, defective_capture: tuple[Path, dict]) -> Case:
    return new_case(
        tmp_path_factory.mktemp("cases") / "defective", [defective_capture[0]], DEFECTIVE_DECLARATION
    )


@pytest.fixture(scope="session")
def clean_case(tmp_path_factory: pytest.TempPathFactory, clean_capture: tuple[Path, dict]) -> Case:
    return new_case(tmp_path_factory.mktemp("cases") / "clean", [clean_capture[0]], CLEAN_DECLARATION)


@pytest.fixture(scope="session")
def demo_defective(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return demo_case(tmp_path_factory.mktemp("demo"), "defective")


@pytest.fixture(scope="session")
def demo_clean(tmp_path_factory: pytest.TempPathFactory) -> Case:
    return demo_case(tmp_path_factory.mktemp("demo"), "clean")


# --- captures with firmware (one scan per image per session) -------------------------------


@pytest.fixture(scope="session")
def firmware_defective_case(
    tmp_path_factory: pytest.TempPathFactory, clean_capture: tuple[Path, dict]
) -> Case:
    """The clean capture, the defective image, the clean declaration: every finding comes from the image."""
    image = squashfs_image(tmp_path_factory.mktemp("fw-defective"), DEFECTIVE_FILES)
    root = tmp_path_factory.mktemp("cases") / "fw-defective"
    return new_case(root, [clean_capture[0]], CLEAN_DECLARATION, firmware=[image])


@pytest.fixture(scope="session")
def firmware_clean_case(tmp_path_factory: pytest.TempPathFactory, clean_capture: tuple[Path, dict]) -> Case:
    image = squashfs_image(tmp_path_factory.mktemp("fw-clean"), CLEAN_FILES)
    root = tmp_path_factory.mktemp("cases") / "fw-clean"
    return new_case(root, [clean_capture[0]], CLEAN_DECLARATION, firmware=[image])
