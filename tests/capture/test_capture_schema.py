"""The capture tables against their declared schema: fresh, after the cache round trip, and in the docs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from capture_support import CORPUS, CORPUS_FILES, ROOT, SAMPLES, analysed

from workbench.capture import TABLES, CaptureAnalysis, TlsVersion
from workbench.capture.schema import TLS_VERSION_COLUMNS, contract_markdown
from workbench.capture.versions import label

CAPTURES = [
    SAMPLES / "demo_defective.pcap",
    SAMPLES / "demo_clean.pcap",
    *[
        CORPUS / name
        for name in (
            "zeek__tls_tls-expired-cert.pcap",
            "zeek__tls_tls13-ech.pcap",
            "zeek__dns_mdns.pcap",
            "ndpi__upnp.pcap",
            "zeek__ftp_ipv4.pcap",
            "suricata-verify__ipv4-truncated_truncated.pcap",
            "tcpdump__empty.pcapng",
        )
        if CORPUS_FILES
    ],
]


def _round_trip(analysis: CaptureAnalysis) -> CaptureAnalysis:
    return CaptureAnalysis.from_json(json.loads(json.dumps(analysis.to_json())))


def _assert_conforms(analysis: CaptureAnalysis) -> None:
    assert set(analysis.tables) == set(TABLES)
    for name, schema in TABLES.items():
        frame = analysis.tables[name]
        assert tuple(frame.columns) == schema.names, name
        table = schema.to_arrow(frame)  # a value of the wrong type raises TypeError
        assert table.schema == schema.arrow, name
        assert table.num_rows == len(frame)


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_fresh_tables_conform_to_their_schema(path: Path) -> None:
    _assert_conforms(analysed(path))


@pytest.mark.parametrize("path", CAPTURES, ids=lambda p: p.name)
def test_cached_tables_are_the_fresh_ones(path: Path) -> None:
    fresh = analysed(path)
    cached = _round_trip(fresh)
    _assert_conforms(cached)
    for name in TABLES:  # same values and the same pandas dtypes: checks see no difference
        pd.testing.assert_frame_equal(cached.tables[name], fresh.tables[name], obj=name)


def test_rows_are_typed_python_values() -> None:
    analysis = analysed(SAMPLES / "demo_clean.pcap", device_ips=["192.168.1.50"])
    rows = list(TABLES["tls"].rows(analysis.tls))
    assert len(rows) == len(analysis.tls) == 4
    for row in rows:
        assert type(row["chosen_version"]) is int and row["chosen_version"] in set(TlsVersion)
        assert all(type(v) is int for v in row["offered_versions"])
        assert type(row["server_port"]) is int and type(row["packet"]) is int
        for cert in row["certificates"]:
            assert isinstance(cert["expired"], bool) and isinstance(cert["key_bits"], int)
    (flow,) = TABLES["flows"].rows(analysis.flows.head(1))
    assert isinstance(flow["first_ts"], float) and isinstance(flow["encrypted"], bool)


def test_a_value_of_the_wrong_type_is_refused() -> None:
    tls = analysed(SAMPLES / "demo_clean.pcap").tls.copy()
    tls["chosen_version"] = "TLS 1.2"  # the old formatted names are no longer the contract
    with pytest.raises(TypeError, match="'tls', column 'chosen_version'"):
        TABLES["tls"].to_arrow(tls)


def test_missing_values_stay_missing_through_the_cache() -> None:
    analysis = analysed(SAMPLES / "demo_defective.pcap")
    dns = analysis.dns
    assert dns["rcode"].isna().any() and dns["rcode"].notna().any()  # queries and responses
    cached = _round_trip(analysis).dns
    assert [v is None for v in cached["rcode"]] == [v is None for v in dns["rcode"]]
    assert {r["rcode"] for r in TABLES["dns"].rows(cached) if r["rcode"] is None} == {None}


def test_tls_version_names() -> None:
    assert TlsVersion.TLS_1_2 == 0x0303 and TlsVersion.TLS_1_2.label == "TLS 1.2"
    assert [v.label for v in sorted(TlsVersion)][:3] == ["SSL 2.0", "SSL 3.0", "TLS 1.0"]
    for text, version in [
        ("TLS 1.2", TlsVersion.TLS_1_2),
        ("TLSv1.3", TlsVersion.TLS_1_3),
        ("tls1.0", TlsVersion.TLS_1_0),
        ("SSLv3", TlsVersion.SSL_3_0),
        ("DTLS 1.2", TlsVersion.DTLS_1_2),
        ("0x0302", TlsVersion.TLS_1_1),
    ]:
        assert TlsVersion.parse(text) is version
    for bad in ("TLS 1.4", "1.2x", "", "QUIC"):
        with pytest.raises(ValueError, match="not a TLS version"):
            TlsVersion.parse(bad)
    assert label(0x7F1C) == "TLS 1.3 (draft 28)" and label(0x1A1A) == "0x1a1a" and label(None) is None
    assert {"record_version", "hello_version", "offered_versions", "chosen_version"} == TLS_VERSION_COLUMNS


def test_contracts_lists_the_schema() -> None:
    text = (ROOT / "docs" / "CONTRACTS.md").read_text(encoding="utf-8")
    found = re.search(
        r"<!-- capture tables: generated from workbench\.capture\.schema\.contract_markdown\(\) -->\n"
        r"(.*?)\n<!-- end of capture tables -->",
        text,
        re.S,
    )
    assert found, "docs/CONTRACTS.md lost its capture-tables markers"
    assert found.group(1) == contract_markdown(), (
        "docs/CONTRACTS.md's capture tables differ from workbench/capture/schema.py: "
        "run `python scripts/contracts_tables.py`"
    )
    for schema in TABLES.values():  # and every column is documented
        assert all(c.doc for c in schema.columns), schema.name
        assert all(isinstance(c.type, pa.DataType) for c in schema.columns)
