"""The demo captures (sample_captures/gen_capture.py): every planted defect found, the clean one clean."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from capture_support import ROOT, SAMPLES, analysed

from workbench.capture import CaptureAnalysis, TlsVersion, analyse_capture

DEVICE = "192.168.1.50"


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(SAMPLES / "gen_capture.py"), str(tmp_path)], check=True, timeout=300)
    for name in ("demo_defective.pcap", "demo_clean.pcap"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name
        assert (SAMPLES / name).stat().st_size < 300_000


def _cred(analysis: CaptureAnalysis, protocol: str) -> pd.Series:
    rows = analysis.credentials[analysis.credentials["protocol"] == protocol]
    assert len(rows) == 1, analysis.credentials
    return rows.iloc[0]


def test_telnet_login_on_non_standard_port(defective):
    row = _cred(defective, "telnet")
    assert (row["server_ip"], row["server_port"], row["username"]) == (DEVICE, 2323, "admin")
    assert row["secret"] == "c*******3 (9 chars)"
    flow = defective.flows[
        (defective.flows["server_port"] == 2323) & (defective.flows["app_proto"] == "telnet")
    ]
    assert len(flow) == 1 and flow.iloc[0]["port_proto"] == "telnet-alt"


def test_cleartext_credentials_masked_then_revealed(defective):
    assert _cred(defective, "ftp")["username"] == "camuser"
    assert _cred(defective, "http")["secret"] == "a******3 (8 chars)"
    mqtt = _cred(defective, "mqtt")
    assert mqtt["username"] == "c100-00012345" and "MQTT 5.0" in mqtt["detail"]
    assert "mqtt-pass-42" not in json.dumps(defective.to_json())
    revealed = analysed(SAMPLES / "demo_defective.pcap", device_ips=[DEVICE], reveal_secrets=True)
    secrets = dict(zip(revealed.credentials["protocol"], revealed.credentials["secret"], strict=True))
    assert secrets == {"telnet": "camera123", "ftp": "ftp-s3cret", "http": "admin123", "mqtt": "mqtt-pass-42"}
    assert all(isinstance(p, list) and p for p in revealed.credentials["packets"])


def test_firmware_download_over_plain_http(defective):
    row = defective.downloads.iloc[0]
    assert (row["protocol"], row["host"], row["path"]) == (
        "http",
        "update.acme-cloud.example",
        "/fw/c100-2.2.bin",
    )
    assert row["magic"] == "uImage" and row["size"] == 6144
    assert row["looks_like_firmware"] and not row["encrypted"]


def test_port_scan_open_ports(defective, clean):
    assert sorted(defective.open_ports["port"]) == [23, 80, 554, 2323, 8080]
    assert set(defective.open_ports["evidence"]) == {"syn-ack"}
    assert sorted(clean.open_ports["port"]) == [443, 554]


def test_weak_tls_handshake(defective):
    row = defective.tls.iloc[0]
    assert (
        row["chosen_version"] == TlsVersion.TLS_1_0
        and row["chosen_cipher"] == "TLS_RSA_WITH_3DES_EDE_CBC_SHA"
    )
    assert row["record_version"] == row["hello_version"] == TlsVersion.TLS_1_0
    assert "TLS_RSA_WITH_RC4_128_SHA" in row["offered_ciphers"]
    (cert,) = row["certificates"]
    assert (cert["key_type"], cert["key_bits"], cert["self_signed"], cert["expired"]) == (
        "RSA",
        1024,
        True,
        True,
    )
    assert "weaknesses" not in defective.tls.columns  # engines describe, the checks judge


def test_clean_tls(clean):
    versions = sorted(clean.tls["chosen_version"])
    assert versions == [TlsVersion.TLS_1_2, TlsVersion.TLS_1_3, TlsVersion.TLS_1_3, TlsVersion.TLS_1_3]
    assert [TlsVersion(v).label for v in versions] == ["TLS 1.2", "TLS 1.3", "TLS 1.3", "TLS 1.3"]
    tls12 = clean.tls[clean.tls["chosen_version"] == TlsVersion.TLS_1_2].iloc[0]
    assert tls12["chosen_cipher"] == "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    assert [c["key_type"] for c in tls12["certificates"]] == ["EC", "EC"]
    assert clean.credentials.empty
    assert (clean.flows[clean.flows["server_port"] == 8883]["app_proto"] == "tls").all()
    assert clean.downloads.iloc[0]["encrypted"]


def test_dns_names_and_flows(defective):
    assert "telemetry.tracker.example" in set(defective.dns["qname"])
    names = dict(zip(defective.flows["server_ip"], defective.flows["server_name"], strict=False))
    assert names["203.0.113.10"] == "mqtt.acme-cloud.example"
    mqtt_flow = defective.flows[defective.flows["server_port"] == 1883].iloc[0]
    assert mqtt_flow["device_role"] == "client" and not mqtt_flow["remote_is_local"]


def test_discovery_discloses_serial_and_version(defective, clean):
    ssdp = defective.discovery[defective.discovery["protocol"] == "ssdp"].iloc[0]
    assert ssdp["serial"] == "C100-00012345" and "2.1.0" in ssdp["version"]
    mdns = defective.discovery[defective.discovery["protocol"] == "mdns"].iloc[0]
    assert set(mdns["disclosed"]) == {"model", "serial", "version"}
    assert all("serial" not in d and "version" not in d for d in clean.discovery["disclosed"])


def test_hostile_strings_survive_as_data(defective):
    text = json.dumps(defective.to_json())
    assert "<script>alert(1)</script>" in text  # kept verbatim: escaping is the renderer's job
    assert (defective.discovery["name"] == "<script>alert(1)</script>").any()


def test_device_inferred_when_not_given():
    analysis = analysed(SAMPLES / "demo_defective.pcap")
    assert analysis.device["inferred"] is True and analysis.device["ips"] == [DEVICE]
    assert "inferred" in analysis.device["reason"]


def test_device_given_by_mac():
    analysis = analyse_capture(SAMPLES / "demo_defective.pcap", device_macs=["02-00-00-C1-00-50"])
    assert analysis.device["ips"] == [DEVICE] and analysis.device["inferred"] is False


def test_json_round_trip(defective):
    data = defective.to_json()
    text = json.dumps(data)
    again = CaptureAnalysis.from_json(json.loads(text))
    assert again.to_json() == data
    assert isinstance(again.tls.iloc[0]["certificates"], list)
    assert isinstance(data["flows"][0]["first_ts"], float)
    assert again.device == defective.device and again.summary == defective.summary


def test_plots_render_without_a_display(defective):
    import matplotlib

    matplotlib.use("Agg")
    from workbench.capture import plots

    figure = plots.traffic_over_time(defective)
    assert figure.axes and figure.axes[0].get_legend() is not None
    figure = plots.bytes_by_destination(defective)
    assert figure.axes and figure.axes[0].patches


def test_cli_json_and_text():
    exe = ROOT / ".venv" / "bin" / "workbench"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench"]
    pcap = str(SAMPLES / "demo_defective.pcap")
    out = subprocess.run(
        [*cmd, "capture", "analyse", pcap, "--device", DEVICE, "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["table"] for line in lines[:2]] == ["summary", "device"]
    keys = {"flows", "tls", "credentials", "open_ports", "dns", "discovery", "downloads"}
    assert keys <= {line["table"] for line in lines}
    credentials = [line for line in lines if line["table"] == "credentials"]
    assert {c["protocol"] for c in credentials} == {"telnet", "ftp", "http", "mqtt"}
    assert "camera123" not in out


def test_cli_in_process(capsys):
    from workbench.cli import main

    pcap = str(SAMPLES / "demo_defective.pcap")
    assert main(["capture", "analyse", pcap, "--json", "--reveal-secrets", "--table", "credentials"]) == 0
    revealed = capsys.readouterr().out
    tables = {json.loads(line)["table"] for line in revealed.splitlines()}
    assert "camera123" in revealed and tables == {"summary", "device", "credentials"}
    assert main(["capture", "analyse", pcap, "--table", "open_ports"]) == 0
    assert "== open_ports (5 rows)" in capsys.readouterr().out
    assert main(["capture", "analyse", pcap, "--table", "tls"]) == 0
    text = capsys.readouterr().out  # version codes by name on the terminal
    assert "TLS 1.0" in text and " 769 " not in text
    assert main(["capture", "analyse", pcap, "--table", "tls", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r for r in rows if r["table"] == "tls"][0]["chosen_version"] == 0x0301  # codes in JSON
    assert main(["capture", "analyse", str(SAMPLES / "gen_capture.py")]) == 2
    assert "not a packet capture" in capsys.readouterr().err
