"""The engine over every real capture of the corpus, and against tshark where it is installed."""

from __future__ import annotations

import base64
from collections import Counter

import pytest
from capture_support import (
    CORPUS,
    CORPUS_FILES,
    analysed,
    needs_tshark,
    tshark_fields,
    tshark_tcp_conversations,
)

from workbench.capture import TABLES, TlsVersion
from workbench.capture.tls import cipher_name

pytestmark = pytest.mark.skipif(not CORPUS_FILES, reason="corpus not present")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_every_corpus_capture_is_analysed_without_exception(path):
    analysis = analysed(path)
    assert set(analysis.tables) == set(TABLES)
    for name, schema in TABLES.items():
        assert tuple(analysis.tables[name].columns) == schema.names
    assert analysis.summary["file_format"].startswith(("pcap", "pcapng"))
    assert analysis.summary["packets"] >= 0


def _warnings(name: str) -> dict[str, int]:
    table = analysed(CORPUS / name).warnings
    return dict(zip(table["kind"], table["count"], strict=True))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("zeek__tcp_truncated-header.pcap", "malformed-packet"),
        ("zeek__udp-contents-truncated-oob.pcap", "snaplen-cut"),
        ("suricata-verify__ipv4-truncated_truncated.pcap", "malformed-packet"),
        ("tcpdump__truncated-aack.pcap", "malformed-packet"),
        ("zeek__snap-tcp.pcap", None),
    ],
)
def test_malformed_captures_give_specific_warnings(name, kind):
    warnings = _warnings(name)
    if kind is None:
        assert not warnings  # 802.3 + LLC/SNAP frames are well-formed
        assert analysed(CORPUS / name).flows.iloc[0]["app_proto"] == "http"
    else:
        assert warnings.get(kind, 0) >= 1, warnings


def test_truncated_header_capture_still_yields_its_flow():
    analysis = analysed(CORPUS / "zeek__tcp_truncated-header.pcap")
    assert len(analysis.flows) == 1
    assert analysis.summary["packets"] == 24


@pytest.mark.parametrize("name", ["zeek__empty.pcap", "tcpdump__empty.pcapng"])
def test_empty_captures_give_empty_tables(name):
    analysis = analysed(CORPUS / name)
    assert analysis.summary["packets"] == 0
    assert analysis.flows.empty and analysis.warnings.empty
    assert analysis.device["inferred"] is True and analysis.device["ips"] == []


def test_gzip_pcapng_and_pcap_are_read():
    assert analysed(CORPUS / "scapy__macos.pcapng.gz").summary["file_format"] == "pcapng.gz"
    frag = analysed(CORPUS / "scapy__tls_tcp_frag.pcap.gz")
    assert frag.summary["file_format"] == "pcap.gz"
    assert len(frag.tls) == 1 and frag.tls.iloc[0]["certificates"], "certificate split over segments"


def test_multi_interface_pcapng_has_each_link_type_and_increasing_times():
    analysis = analysed(CORPUS / "zeek__pcapng-multi-interface.pcapng")
    assert analysis.summary["packets"] > 0
    assert analysis.summary["first_ts"] <= analysis.summary["last_ts"]
    assert analysis.summary["first_ts"] > 1e9  # seconds since the epoch, if_tsresol applied


def test_ja4_matches_suricata_verify_reference():
    tls = analysed(CORPUS / "suricata-verify__ja4-tls_input.pcap").tls
    assert tls.iloc[0]["ja4"] == "t12i1810s1_27d4652c4487_06a4338d0495"  # tests/ja4-tls/test.yaml


def test_tls13_on_non_standard_port_and_grease_removed():
    wolf = analysed(CORPUS / "zeek__tls_tls13_wolfssl.pcap").tls.iloc[0]
    assert wolf["server_port"] == 9090 and wolf["chosen_version"] == TlsVersion.TLS_1_3
    ech = analysed(CORPUS / "zeek__tls_tls13-ech.pcap").tls.iloc[0]
    assert not any("GREASE" in c for c in ech["offered_ciphers"])
    assert TlsVersion.TLS_1_3 in ech["offered_versions"]
    assert all(v in set(TlsVersion) for v in ech["offered_versions"]), "GREASE versions removed"


def test_expired_certificate_is_a_fact():
    rows = analysed(CORPUS / "zeek__tls_tls-expired-cert.pcap").tls
    assert any(cert.get("expired") for chain in rows["certificates"] for cert in chain)
    valid = analysed(CORPUS / "zeek__tls_ecdhe.pcap").tls
    chains = [chain for chain in valid["certificates"] if chain]
    assert chains and not any(cert.get("expired") for chain in chains for cert in chain)


def test_tls_1_0_and_1_1_are_recorded_as_codes():
    tls10 = analysed(CORPUS / "zeek__tls_signed_certificate_timestamp_tls1_0.pcap").tls.iloc[0]
    assert tls10["chosen_version"] == TlsVersion.TLS_1_0 == 0x0301
    tls11 = analysed(CORPUS / "zeek__tls_tls1_1.pcap").tls.iloc[0]
    assert tls11["chosen_version"] == TlsVersion.TLS_1_1
    assert tls11["chosen_cipher"] == "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"


def test_credentials_found_in_the_corpus():
    ftp = analysed(CORPUS / "zeek__ftp_ftp-password-pass-command.pcap", reveal_secrets=True).credentials
    assert ftp.iloc[0]["protocol"] == "ftp" and ftp.iloc[0]["packets"]
    anon = analysed(CORPUS / "zeek__ftp_ipv4.pcap").credentials
    assert "anonymous" in anon.iloc[0]["detail"]
    mqtt31 = analysed(CORPUS / "suricata-verify__mqtt31-sub-userpass_input.pcap").credentials
    assert mqtt31.iloc[0]["detail"].startswith("MQTT 3.1 CONNECT")
    assert analysed(CORPUS / "zeek__mqtt.pcap").credentials.empty  # CONNECT without credentials


def test_discovery_in_the_corpus():
    ssdp = analysed(CORPUS / "suricata-verify__sip-ssdp-pm_ssdp.pcap").discovery
    assert ssdp.iloc[0]["protocol"] == "ssdp"
    mdns = analysed(CORPUS / "zeek__dns_mdns.pcap").discovery
    assert (mdns["protocol"] == "mdns").any()


# --- tshark as the oracle ---------------------------------------------------------------------------
TLS_FILES = [p for p in CORPUS_FILES if "tls" in p.name or "ja4" in p.name]


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize("path", TLS_FILES, ids=lambda p: p.name)
def test_client_hellos_match_tshark(path):
    expected = tshark_fields(
        path,
        "tls.handshake.type == 1",
        "frame.number",
        "tls.handshake.version",
        "tls.handshake.ciphersuite",
        "tls.handshake.extensions_server_name",
        "tls.handshake.ja3",
    )
    ours = analysed(path).tls
    ours = ours[ours["hello_version"].notna()]
    assert len(ours) == len(expected)
    for row, (_, version, ciphers, sni, ja3) in zip(ours.itertuples(), expected, strict=True):
        assert row.hello_version == TlsVersion(int(version.split(",")[0], 16))
        names = [cipher_name(int(c, 16)) for c in ciphers.split(",") if c]
        assert row.offered_ciphers == [n for n in names if not n.startswith("GREASE")]
        assert (row.sni or "") == sni.split(",")[0]
        if ja3:
            assert row.ja3 == ja3.split(",")[0]


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize("path", TLS_FILES, ids=lambda p: p.name)
def test_server_hellos_match_tshark(path):
    expected = tshark_fields(
        path,
        "tls.handshake.type == 2",
        "tls.handshake.version",
        "tls.handshake.ciphersuite",
        "tls.handshake.extensions.supported_version",
    )
    ours = analysed(path).tls
    ours = ours[ours["chosen_cipher"].notna()]
    assert len(ours) == len(expected)
    for row, (version, cipher, selected) in zip(ours.itertuples(), expected, strict=True):
        code = int(selected, 16) if selected else int(version, 16)
        assert row.chosen_version == TlsVersion(code)
        assert row.chosen_cipher == cipher_name(int(cipher, 16))


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize("path", [p for p in CORPUS_FILES if "mqtt" in p.name], ids=lambda p: p.name)
def test_mqtt_user_names_match_tshark(path):
    expected = sorted(row[0] for row in tshark_fields(path, "mqtt.username", "mqtt.username"))
    ours = analysed(path).credentials
    assert sorted(ours[ours["protocol"] == "mqtt"]["username"]) == expected


@needs_tshark
@pytest.mark.needs_tshark
def test_http_basic_credentials_match_tshark():
    path = CORPUS / "zeek__http_basic-auth-with-colon.pcap"
    expected = tshark_fields(path, "http.authbasic", "http.authbasic")
    ours = analysed(path, reveal_secrets=True).credentials
    assert [f"{r.username}:{r.secret}" for r in ours.itertuples()] == [row[0] for row in expected]
    assert ours.iloc[0]["secret"] == "1:34"  # the password holds a colon
    assert base64.b64encode(b"test:1:34")


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_tcp_flow_counts_match_tshark(path):
    ours = analysed(path).flows
    assert int((ours["transport"] == "tcp").sum()) == tshark_tcp_conversations(path)


@needs_tshark
@pytest.mark.needs_tshark
@pytest.mark.parametrize(
    "path", [CORPUS / "ndpi__coap_mqtt.pcap", CORPUS / "zeek__ssh_single-conn.pcap"], ids=lambda p: p.name
)
def test_tcp_packet_counts_per_flow_match_tshark(path):
    expected = Counter()
    for src, sport, dst, dport in tshark_fields(
        path, "tcp", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport"
    ):
        expected[frozenset({(src, int(sport)), (dst, int(dport))})] += 1
    ours = analysed(path).flows
    ours = ours[ours["transport"] == "tcp"]
    got = {
        frozenset({(r.client_ip, r.client_port), (r.server_ip, r.server_port)}): r.packets_c2s + r.packets_s2c
        for r in ours.itertuples()
    }
    assert got == dict(expected)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_in_place_walk_agrees_with_the_record_iterator(path):
    """The engine walks the reader's buffer in place; the plain iterator must see the same packets."""
    from workbench.capture.reader import iter_records
    from workbench.capture.warnings import WarningLog
    from workbench.errors import EvidenceError

    try:
        records = list(iter_records(path, WarningLog(), {}))
    except EvidenceError:
        return  # not a capture: the engine raises the same (test_every_corpus_capture...)
    summary = analysed(path).summary
    assert len(records) == summary["packets"]
    assert sum(r[4] for r in records) == summary["bytes"]
    if records:
        assert [r[0] for r in records] == list(range(1, len(records) + 1))
        assert records[0][1] == pytest.approx(summary["first_ts"])
        assert records[-1][1] == pytest.approx(summary["last_ts"])
