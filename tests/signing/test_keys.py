"""`workbench key new` and the loading of key files: real keys, real files, every refusal one clear line."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from batch.conftest import make_fixture_case
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from signing_helpers import INSPECTOR, LAB, backdate, key_cli, new_key

from workbench.signing import PASSPHRASE_ENV, SigningError, load_public_key, load_signing_key


def test_key_new_writes_a_private_and_a_public_key_file(tmp_path: Path) -> None:
    done = key_cli("key", "new", "--lab", LAB, "--inspector", INSPECTOR, "--valid-days", "30",
                   "--out", str(tmp_path / "keys" / "acme"))
    assert done.code == 0, done.err
    private, public = tmp_path / "keys" / "acme.key", tmp_path / "keys" / "acme.pub.json"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    pub = json.loads(public.read_text())
    raw = base64.b64decode(pub["public_key"])
    assert pub["key_id"] == hashlib.sha256(raw).hexdigest()[:16]
    assert (pub["format"], pub["lab"], pub["inspector"]) == ("workbench-public-key/1", LAB, INSPECTOR)
    assert "private_key" not in pub and "PRIVATE KEY" not in public.read_text()
    assert str(private) in done.out and str(public) in done.out and pub["key_id"] in done.out
    key = load_signing_key(private)
    assert (key.lab, key.inspector, key.key_id) == (LAB, INSPECTOR, pub["key_id"])
    assert (key.expires - key.created).days == 30
    trusted = load_public_key(public)
    assert trusted.key_id == key.key_id and trusted.key.public_bytes_raw() == raw
    signature = key.private_key.sign(b"message")
    trusted.key.verify(signature, b"message")  # the pair belongs together


def test_a_key_is_never_overwritten(tmp_path: Path) -> None:
    pair = new_key(tmp_path / "lab")
    before = pair.private.read_bytes(), pair.public.read_bytes()
    done = key_cli("key", "new", "--lab", "X", "--inspector", "Y", "--out", str(tmp_path / "lab"))
    assert done.code == 2 and "already exists" in done.err and len(done.err.strip().splitlines()) == 1
    assert (pair.private.read_bytes(), pair.public.read_bytes()) == before
    pair.private.unlink()  # only the public half left: still refused, and no private key written alone
    assert key_cli("key", "new", "--lab", "X", "--inspector", "Y", "--out", str(tmp_path / "lab")).code == 2
    assert not pair.private.exists()


def test_a_key_is_never_written_into_a_case_or_a_bundle(tmp_path: Path, signed) -> None:
    case = make_fixture_case(tmp_path)
    for stem in (case.path / "lab", case.path / "deep" / "er" / "lab", signed.bundle / "lab"):
        done = key_cli("key", "new", "--lab", LAB, "--inspector", INSPECTOR, "--out", str(stem))
        assert done.code == 2, done.out
        assert "a key file is never written into a bundle or a case" in done.err
        assert len(done.err.strip().splitlines()) == 1
    assert not list(case.path.rglob("*.key")) and not list(signed.bundle.rglob("*.key"))
    assert not (case.path / "deep").exists()


def test_an_encrypted_key_needs_its_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, "correct horse battery staple")
    pair = new_key(tmp_path / "locked")
    assert "ENCRYPTED" in json.loads(pair.private.read_text())["private_key"]
    assert load_signing_key(pair.private).key_id == pair.key_id
    monkeypatch.setenv(PASSPHRASE_ENV, "wrong")
    with pytest.raises(SigningError, match="wrong passphrase"):
        load_signing_key(pair.private)
    monkeypatch.delenv(PASSPHRASE_ENV)
    with pytest.raises(SigningError, match=f"encrypted: set {PASSPHRASE_ENV}"):
        load_signing_key(pair.private)


def test_an_expired_key_is_refused_saying_when_and_what_to_do(tmp_path: Path) -> None:
    pair = new_key(tmp_path / "old")
    backdate(pair, days_ago=40, valid_days=30)
    with pytest.raises(SigningError) as caught:
        load_signing_key(pair.private)
    message = str(caught.value)
    assert f"the key {pair.key_id} ({LAB}, {INSPECTOR}) expired on" in message
    assert "make a new one with workbench key new" in message and "\n" not in message
    assert load_public_key(pair.public).key_id == pair.key_id  # a verifier still reads it


def _pem_private_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.mark.parametrize("content, reason", [
    (None, "no such key file"),
    (b"", "not a workbench signing key"),
    (os.urandom(300), "not a workbench signing key"),
    (_pem_private_key(), "not a workbench signing key"),
    (b"[" * 100_000, "not a workbench signing key"),
    (b"{" + b" " * (70 << 10) + b"}", "not a workbench signing key"),
    (json.dumps({"format": "workbench-signing-key/1", "lab": 3}).encode(), "a damaged key file"),
])
def test_what_is_not_a_signing_key_is_one_clear_line(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "given.key"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SigningError, match=reason) as caught:
        load_signing_key(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_each_half_of_a_pair_in_the_others_place_is_named(tmp_path: Path) -> None:
    pair = new_key(tmp_path / "lab")
    with pytest.raises(SigningError, match="this is a public key file"):
        load_signing_key(pair.public)
    with pytest.raises(SigningError, match="this is a private key file"):
        load_public_key(pair.private)
    with pytest.raises(SigningError, match="not a key file"):
        load_public_key(tmp_path)


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    pair, other = new_key(tmp_path / "lab"), new_key(tmp_path / "other")
    data = json.loads(pair.public.read_text())
    data["public_key"] = json.loads(other.public.read_text())["public_key"]  # a key under another id
    pair.public.write_text(json.dumps(data))
    with pytest.raises(SigningError, match="key_id does not match its key"):
        load_public_key(pair.public)
    secret = json.loads(pair.private.read_text())
    secret["private_key"] = json.loads(other.private.read_text())["private_key"]
    pair.private.write_text(json.dumps(secret))
    with pytest.raises(SigningError, match="key_id does not match its key"):
        load_signing_key(pair.private)


@pytest.mark.parametrize("argv, reason", [
    (["--lab", "", "--inspector", "I"], "--lab is missing or empty"),
    (["--lab", "L\x1b[31m", "--inspector", "I"], "printable"),
    (["--lab", "L", "--inspector", "I", "--valid-days", "0"], "between 1 and 36500"),
])
def test_key_new_refuses_bad_names_and_validity(tmp_path: Path, argv: list[str], reason: str) -> None:
    done = key_cli("key", "new", *argv, "--out", str(tmp_path / "k"))
    assert done.code == 2 and reason in done.err
    assert not list(tmp_path.iterdir())
