"""DSSE's pre-authentication encoding and envelope, against the spec's own example."""

from __future__ import annotations

import base64

import pytest

from workbench.signing.dsse import EnvelopeError, b64decode, envelope, pae, parse_envelope


def test_pae_is_the_specs_test_vector() -> None:
    # secure-systems-lab/dsse protocol.md, "Test Vectors"
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world")


def test_pae_counts_bytes_not_characters() -> None:
    assert pae("t/é", b"\xff\x00") == b"DSSEv1 4 t/\xc3\xa9 2 \xff\x00"
    assert pae("t", b"") == b"DSSEv1 1 t 0 "


def test_an_envelope_reads_back_and_accepts_url_safe_unpadded_base64() -> None:
    body, sig = b"\xfb\xff payload?", bytes(range(64))
    data = envelope("application/x", body, [("k1", sig)])
    assert parse_envelope(data).body == body and parse_envelope(data).signatures == [("k1", sig)]
    data["payload"] = base64.urlsafe_b64encode(body).decode().rstrip("=")
    assert "_" in data["payload"] or "-" in data["payload"]
    assert parse_envelope(data).body == body


@pytest.mark.parametrize("data, reason", [
    ([], "expected a JSON object"),
    ({"payload": "", "signatures": [{"sig": ""}]}, "payloadType"),
    ({"payloadType": "t", "payload": 5, "signatures": [{"sig": ""}]}, "payload is missing"),
    ({"payloadType": "t", "payload": "", "signatures": []}, "signatures"),
    ({"payloadType": "t", "payload": "", "signatures": ["abc"]}, "signature 1 is not a JSON object"),
    ({"payloadType": "t", "payload": "", "signatures": [{"keyid": 1, "sig": ""}]}, "must be text"),
    ({"payloadType": "t", "payload": "!!", "signatures": [{"sig": ""}]}, "payload is not valid base64"),
    ({"payloadType": "t", "payload": "", "signatures": [{"sig": "é"}]}, "signature 1 is not base64"),
    ({"payloadType": "t", "payload": "", "signatures": [{"sig": ""}] * 17}, "more than 16"),
])
def test_a_malformed_envelope_says_what_is_wrong(data, reason: str) -> None:
    with pytest.raises(EnvelopeError, match=reason):
        parse_envelope(data)


def test_base64_refuses_what_is_not() -> None:
    with pytest.raises(EnvelopeError):
        b64decode("abc$")
    assert b64decode("aGk") == b"hi"
