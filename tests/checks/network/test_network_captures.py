"""The generated captures are real: tshark, an independent dissector, reads in them what the
tests claim (the packet numbers the checks must point at)."""

from __future__ import annotations

from pathlib import Path

from netcases import tshark_frames


def test_defective_capture_as_tshark_reads_it(defective_capture: tuple[Path, dict]) -> None:
    path, marks = defective_capture
    assert tshark_frames(path, 'ftp.request.command == "PASS"') == [marks["ftp"][3]]
    assert tshark_frames(path, "mqtt.msgtype == 1 && mqtt.username") == [marks["mqtt_connect"]]
    assert tshark_frames(path, "tls.handshake.type == 1 && tls.handshake.version == 0x0301") == [
        marks["tls10_hello"]
    ]
    assert tshark_frames(path, "tls.handshake.type == 11") == [marks["tls10_hello"] + 1]
    assert tshark_frames(path, 'http.authorization contains "Basic"') == [marks["http_basic"]]
    syn_acks = tshark_frames(path, "ip.src == 192.168.1.50 && tcp.flags.syn == 1 && tcp.flags.ack == 1")
    assert set(marks["syn_ack"].values()) <= set(syn_acks)
    assert tshark_frames(path, 'dns.qry.name == "telemetry.tracker.example" && dns.flags.response == 0') == [
        marks["dns_tracker"]
    ]
    assert tshark_frames(path, "ssdp") == [marks["ssdp"]]


def test_clean_capture_as_tshark_reads_it(clean_capture: tuple[Path, dict]) -> None:
    path, marks = clean_capture
    hellos = tshark_frames(path, "tls.handshake.type == 1")
    assert hellos == [marks["tls13_hello"], marks["tls12_hello"], marks["update_hello"]]
    assert tshark_frames(
        path, "tls.handshake.extensions.supported_version == 0x0304 && tls.handshake.type == 2"
    )
    assert not tshark_frames(path, "ftp || telnet || mqtt || http.authorization")
