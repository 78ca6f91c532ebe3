"""A crafted signature.json (huge, not JSON, wrong types, a forged key id, out of the key's validity) is a
clear SIGNATURE FAILED and exit 1, never a traceback; the signer's name never comes from the envelope."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from batch.conftest import invoke
from signing_helpers import backdate, new_key

from workbench.sealed import SIGNATURE
from workbench.signing import load_public_key, load_signing_key
from workbench.signing.dsse import envelope, pae
from workbench.signing.statement import PAYLOAD_TYPE, statement


def failed_line(bundle: Path, *trust: Path) -> str:
    args = ["--trust", *map(str, trust)] if trust else []
    done = invoke("verify", str(bundle), *args)
    assert done.code == 1, done.out + done.err
    assert [line for line in done.out.splitlines() if line.startswith("INTEGRITY OK")]
    (line,) = [line for line in done.out.splitlines() if line.startswith("SIGNATURE")]
    assert line.startswith("SIGNATURE FAILED: ") and "Traceback" not in done.err
    return line


def signed_statement(bundle: Path) -> dict:
    data = json.loads((bundle / SIGNATURE).read_text())
    return json.loads(base64.b64decode(data["payload"]))


def reseal(bundle: Path, key_path: Path, change) -> None:
    """Sign again, with the key at key_path, the bundle's statement as `change` alters it."""
    key = load_signing_key(key_path)
    body = signed_statement(bundle)
    change(body)
    raw = statement(body["subject"][0]["digest"]["sha256"], body["predicate"])
    signature = key.private_key.sign(pae(PAYLOAD_TYPE, raw))
    data = envelope(PAYLOAD_TYPE, raw, [(body["predicate"]["key_id"], signature)])
    (bundle / SIGNATURE).write_text(json.dumps(data))


def _payload(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CRAFTED = {
    "huge": (b"{" + b" " * (2 << 20) + b"}", "signature.json is unreadable or too large"),
    "not JSON": (b"\x89PNG\r\n", "signature.json is not JSON"),
    "nested": (b"[" * 200_000, "signature.json is not JSON"),
    "a list": (b"[]", "not a DSSE envelope: expected a JSON object"),
    "payload a number": (json.dumps({"payloadType": PAYLOAD_TYPE, "payload": 1, "signatures": [{"sig": ""}]}),
                         "not a DSSE envelope: payload is missing"),
    "signatures text": (json.dumps({"payloadType": PAYLOAD_TYPE, "payload": "", "signatures": "x"}),
                        "not a DSSE envelope: signatures"),
    "other type": (json.dumps({"payloadType": "text/x\x1b[2J", "payload": "", "signatures": [{"sig": ""}]}),
                   "signs a payload of type text/x?[2J, not an in-toto statement"),
    "payload not JSON": (json.dumps({"payloadType": PAYLOAD_TYPE, "payload": _payload("<xml/>"),
                                     "signatures": [{"sig": ""}]}), "the signed payload is not JSON"),
    "no subject": (json.dumps({"payloadType": PAYLOAD_TYPE, "signatures": [{"sig": ""}], "payload": _payload(
        json.dumps({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "manifest.json"}],
                    "predicateType": "urn:inspector-workbench:bundle-seal:v1"}))}),
        "has no SHA-256 of manifest.json as its subject"),
}


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_a_crafted_signature_is_a_clear_failure(bundle_copy: Path, keys, name: str) -> None:
    content, reason = CRAFTED[name]
    (bundle_copy / SIGNATURE).write_bytes(content if isinstance(content, bytes) else content.encode())
    assert reason in failed_line(bundle_copy, keys["lab"].public)
    assert reason in failed_line(bundle_copy)  # a broken seal fails even when no key is trusted


def test_a_forged_signature_under_the_labs_key_id_does_not_match(bundle_copy: Path, keys) -> None:
    # another key signs a statement that claims the lab's key id, lab and inspector
    reseal(bundle_copy, keys["other"].private, lambda body: None)
    line = failed_line(bundle_copy, keys["lab"].public, keys["other"].public)
    assert line.startswith("SIGNATURE FAILED: the signature does not match")
    assert keys["lab"].key_id in line


def test_a_flipped_bit_in_the_signature_does_not_match(bundle_copy: Path, keys) -> None:
    data = json.loads((bundle_copy / SIGNATURE).read_text())
    sig = bytearray(base64.b64decode(data["signatures"][0]["sig"]))
    sig[0] ^= 0x80
    data["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    (bundle_copy / SIGNATURE).write_text(json.dumps(data))
    line = failed_line(bundle_copy, keys["lab"].public)
    assert line.startswith("SIGNATURE FAILED: the signature does not match")


def test_the_signers_name_comes_from_the_trusted_key_not_the_claims(bundle_copy: Path, keys) -> None:
    def claim_another_name(body: dict) -> None:
        body["predicate"].update(lab="Famous Lab\x1b[0m", inspector="Someone Else")

    reseal(bundle_copy, keys["lab"].private, claim_another_name)
    done = invoke("verify", str(bundle_copy), "--trust", str(keys["lab"].public))
    assert done.code == 0
    assert "sealed by Ines Inspector, Acme Test Lab" in done.out and "Famous" not in done.out
    unchecked = invoke("verify", str(bundle_copy)).out
    assert "(claims Famous Lab?[0m, Someone Else)" in unchecked and "\x1b" not in unchecked


def test_a_signature_outside_the_keys_validity_fails(bundle_copy: Path, keys) -> None:
    def signed_at(delta: timedelta):
        def change(body: dict) -> None:
            trusted = load_public_key(keys["lab"].public)
            body["predicate"]["signed_at"] = (trusted.created + delta).isoformat()
        return change

    reseal(bundle_copy, keys["lab"].private, signed_at(timedelta(days=-1)))
    assert "SIGNATURE FAILED: signed before the key was made" in failed_line(bundle_copy, keys["lab"].public)
    reseal(bundle_copy, keys["lab"].private, signed_at(timedelta(days=731)))
    assert "SIGNATURE FAILED: signed after the key expired" in failed_line(bundle_copy, keys["lab"].public)


def test_a_signature_made_while_the_key_was_valid_still_verifies_after_it_expired(
    bundle_copy: Path, tmp_path: Path
) -> None:
    pair = new_key(tmp_path / "lab")
    reseal(bundle_copy, pair.private, lambda body: body["predicate"].update(key_id=pair.key_id))
    backdate(pair, days_ago=20, valid_days=30)  # signed now, within days 20..30 of its validity
    done = invoke("verify", str(bundle_copy), "--trust", str(pair.public))
    assert done.code == 0 and "SIGNATURE OK" in done.out
    backdate(pair, days_ago=40, valid_days=30)  # the verifier's key says it had expired by then
    assert "signed after the key expired" in failed_line(bundle_copy, pair.public)
