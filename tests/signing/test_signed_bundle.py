"""A bundle signed by the real batch (`workbench run --sign`), checked by `workbench verify --trust`:
integrity and authorship reported apart, each failure named."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from batch.conftest import invoke, make_fixture_case, run_fixture
from signing_helpers import INSPECTOR, LAB, backdate, new_key

from workbench.sealed import MANIFEST, MANIFEST_HASH, SIGNATURE


def verify(bundle: Path, *trust: Path):
    return invoke("verify", str(bundle), *(["--trust", *map(str, trust)] if trust else []))


def lines_starting(text: str, word: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(word)]


def test_the_batch_signs_the_manifest_and_the_zip_carries_the_signature(signed, keys) -> None:
    envelope = json.loads((signed.bundle / SIGNATURE).read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    assert envelope["signatures"][0]["keyid"] == keys["lab"].key_id
    manifest = json.loads((signed.bundle / MANIFEST).read_text())
    assert SIGNATURE not in {entry["path"] for entry in manifest["outputs"]}
    assert "--sign KEY" in manifest["command"] and str(keys["lab"].private) not in manifest["command"]
    with zipfile.ZipFile(signed.zip) as archive:
        assert f"{signed.bundle.name}/{SIGNATURE}" in archive.namelist()
        assert not [n for n in archive.namelist() if n.endswith(".key")]


def test_a_signed_bundle_verifies_with_the_right_key_zip_and_folder(signed, keys) -> None:
    for bundle in (signed.zip, signed.bundle):
        done = verify(bundle, keys["other"].public, keys["lab"].public)
        assert done.code == 0, done.out + done.err
        assert lines_starting(done.out, "INTEGRITY") == [lines_starting(done.out, "INTEGRITY OK:")[0]]
        (line,) = lines_starting(done.out, "SIGNATURE")
        assert line.startswith(f"SIGNATURE OK: sealed by {INSPECTOR}, {LAB} (key {keys['lab'].key_id}) at ")
        assert lines_starting(done.out, "OK  ")  # the integrity line of before is still there


def test_without_trust_the_signer_is_named_as_a_claim_not_checked(signed, keys) -> None:
    done = verify(signed.zip)
    assert done.code == 0
    assert lines_starting(done.out, "SIGNATURE") == [
        f"SIGNATURE NOT CHECKED: signed by key {keys['lab'].key_id} (claims {LAB}, {INSPECTOR}); "
        "give --trust to check who sealed it"]


def test_another_key_fails_the_signature_but_not_the_integrity(signed, keys) -> None:
    done = verify(signed.zip, keys["other"].public)
    assert done.code == 1
    assert lines_starting(done.out, "INTEGRITY OK:")
    assert lines_starting(done.out, "SIGNATURE") == [
        f"SIGNATURE FAILED: signed by key {keys['lab'].key_id} (claims {LAB}, {INSPECTOR}), "
        "which is not among the trusted keys"]


def test_a_one_byte_change_in_a_page_fails_the_integrity_and_names_the_file(bundle_copy, keys) -> None:
    page = bundle_copy / "notebooks" / "FIX-01.html"
    data = bytearray(page.read_bytes())
    data[len(data) // 2] ^= 0x01
    page.write_bytes(bytes(data))
    done = verify(bundle_copy, keys["lab"].public)
    assert done.code == 1
    assert lines_starting(done.out, "INTEGRITY") == ["INTEGRITY FAILED: changed notebooks/FIX-01.html"]
    assert lines_starting(done.out, "SIGNATURE OK:")  # the manifest it signed is intact: who sealed it holds


def test_a_changed_manifest_with_its_seal_rehashed_fails_the_signature(bundle_copy, keys) -> None:
    manifest = bundle_copy / MANIFEST
    raw = manifest.read_bytes().replace(b'"jobs": 2', b'"jobs": 3', 1)
    assert raw != manifest.read_bytes()
    manifest.write_bytes(raw)
    (bundle_copy / MANIFEST_HASH).write_text(f"{hashlib.sha256(raw).hexdigest()}  {MANIFEST}\n")
    done = verify(bundle_copy, keys["lab"].public)
    assert lines_starting(done.out, "INTEGRITY OK:"), done.out  # the seal was forged along: only the
    (line,) = lines_starting(done.out, "SIGNATURE")             # signature can tell
    assert line.startswith("SIGNATURE FAILED: the signature is for another manifest")
    assert done.code == 1


def test_a_removed_signature_fails_with_trust(bundle_copy, keys) -> None:
    (bundle_copy / SIGNATURE).unlink()
    done = verify(bundle_copy, keys["lab"].public)
    assert done.code == 1 and lines_starting(done.out, "INTEGRITY OK:")
    assert lines_starting(done.out, "SIGNATURE") == [
        "SIGNATURE FAILED: the bundle is not signed (it holds no signature.json)"]
    unsigned = verify(bundle_copy)
    assert unsigned.code == 0
    assert lines_starting(unsigned.out, "SIGNATURE") == ["SIGNATURE NOT CHECKED: the bundle is not signed"]


def test_an_expired_key_is_refused_before_any_work(tmp_path: Path) -> None:
    pair = new_key(tmp_path / "old")
    backdate(pair, days_ago=800, valid_days=730)
    case = make_fixture_case(tmp_path)
    for key in (pair.private, pair.public, tmp_path / "missing.key"):
        run = run_fixture(tmp_path, "--only", "FIX-01", "--sign", str(key), case=case)
        assert run.invocation.code == 2
        (line,) = run.invocation.err.strip().splitlines()
        assert line.startswith(f"workbench: error: {key}: ")
        assert not run.out_dir.exists() or not any(run.out_dir.iterdir())
    assert "expired on" in invoke("run", str(case.path), "--out", str(tmp_path / "e"),
                                  "--sign", str(pair.private)).err


def test_the_wrong_passphrase_is_refused_before_any_work(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_KEY_PASSPHRASE", "the right one")
    pair = new_key(tmp_path / "locked")
    monkeypatch.setenv("WORKBENCH_KEY_PASSPHRASE", "a wrong one")
    done = invoke("run", str(make_fixture_case(tmp_path).path), "--out", str(tmp_path / "e"),
                  "--sign", str(pair.private))
    assert done.code == 2 and "wrong passphrase" in done.err and len(done.err.strip().splitlines()) == 1
    assert not (tmp_path / "e").exists()
