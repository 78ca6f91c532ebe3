"""AUTH-01, AUTH-02, AUTH-03 and SEC-03 on real squashfs images with real crypt hashes."""

from __future__ import annotations

from workbench.checks import Verdict
from workbench.checks.auth_03 import derive_candidates, hash_cost

MAC, SERIAL, MAC_DERIVED_PASSWORD = "02:00:00:c1:00:50", "C100-00012345", "c10050"  # as in conftest


def evidence_paths(result) -> set[str]:
    return {e.path for f in result.findings for e in f.evidence if e.path}


def finding_for(result, word: str):
    hits = [f for f in result.findings if word in f.summary]
    assert hits, f"no finding mentions {word!r}: {[f.summary for f in result.findings]}"
    return hits[0]


def test_auth01_fails_empty_and_default_passwords(defective):
    result = defective.run("AUTH-01")
    assert result.verdict is Verdict.FAIL
    users = {f.data["user"]: f.data["problem"] for f in result.findings}
    assert users == {"root": "default password", "admin": "empty password"}
    assert "/etc/shadow" in evidence_paths(result)
    ref = finding_for(result, "admin").evidence[0]
    assert ref.sha256 and ref.artefact and "line 3" in ref.note
    assert result.indicators["declared"]["default_passwords"] == "unique-per-device"
    assert any("contradicts" in r for r in result.reasons)


def test_auth01_passes_strong_and_locked_accounts(clean):
    result = clean.run("AUTH-01")
    assert result.verdict is Verdict.PASS, result.reasons
    assert not result.findings
    assert result.indicators["observed"]["preset_password_hashes"] == ["root"]


def test_auth02_fails_des_md5_and_hash_in_passwd(defective):
    result = defective.run("AUTH-02")
    assert result.verdict is Verdict.FAIL
    by_user = {f.data["user"]: f for f in result.findings}
    assert set(by_user) == {"root", "svc", "c100"}  # c100: the plaintext password in cloud.conf
    assert by_user["root"].data["hash_scheme"] == "des_crypt"
    assert by_user["root"].evidence[0].path == "/etc/shadow"
    assert by_user["svc"].evidence[0].path == "/etc/passwd"
    assert any("passwd" in p for p in by_user["svc"].data["problems"])
    assert by_user["c100"].data["hash_scheme"] == "plaintext"
    assert by_user["c100"].evidence[0].path == "/etc/config/cloud.conf"
    assert "Acm3Cl0udS3cret!" not in str(result.to_dict())


def test_auth02_passes_sha512_crypt(clean):
    result = clean.run("AUTH-02")
    assert result.verdict is Verdict.PASS, result.reasons
    assert result.indicators["observed"]["schemes"] == {"sha512_crypt": 1}


def test_auth03_candidates_include_the_mac_and_serial_derivations():
    ids = {"mac": [MAC], "serial": [SERIAL], "model": ["C100"], "ssid": ["AcmeCam-Setup"]}
    candidates = derive_candidates(ids, "Acme", limit=500)
    passwords = [c.password for c in candidates]
    assert passwords[0] == MAC_DERIVED_PASSWORD
    assert candidates[0].derivation == f"MAC {MAC}: last 6 characters, lower case"
    assert {
        "C10050",
        "020000c10050",
        "02-00-00-C1-00-50",
        SERIAL,
        "00012345",
        "012345",
        "acme_c10050",
        "C100",
        "AcmeCamSetup",
        "05001c000020",
    } <= set(passwords)
    assert len(passwords) == len(set(passwords))
    assert len(derive_candidates(ids, "Acme", limit=10)) == 10
    only_last6 = derive_candidates({"mac": [MAC]}, None, ["last_6", "lowercase"])
    assert [c.password for c in only_last6] == ["c10050"]


def test_auth03_cost_model_bounds_slow_hashes():
    assert hash_cost("$6$rounds=656000$salt$hash") == 656000
    assert hash_cost("$6$salt$hash") == 5000
    assert hash_cost("abcdefghijklm") < hash_cost("$1$salt$hash")


def test_auth03_fails_mac_derived_passwords(defective):
    result = defective.run("AUTH-03")
    assert result.verdict is Verdict.FAIL, result.reasons
    by_user = {f.data["user"]: f for f in result.findings}
    assert set(by_user) == {"cam", "support"}
    cam = by_user["cam"]  # SHA-512 crypt, tested with libpass
    assert cam.data["derivation"] == f"MAC {MAC}: last 6 characters, lower case"
    assert MAC_DERIVED_PASSWORD not in cam.summary and cam.data["password"] == "******"
    assert cam.evidence[0].path == "/etc/shadow" and "line 4" in cam.evidence[0].note
    support = by_user["support"]  # yescrypt, which libpass lacks: tested with the system's libcrypt
    assert support.data["hash_scheme"] == "yescrypt"
    assert support.data["derivation"] == f"MAC {MAC}: last 6 characters, upper case"
    assert "line 6" in support.evidence[0].note
    assert MAC_DERIVED_PASSWORD.upper() not in str(result.to_dict())


def test_auth03_passes_when_no_candidate_matches(clean):
    result = clean.run("AUTH-03")
    assert result.verdict is Verdict.PASS, result.reasons
    assert result.indicators["tested"] == [
        {
            "user": "root",
            "scheme": "sha512_crypt",
            "candidates_tried": result.indicators["candidates"],
            "matched": False,
        }
    ]
    assert f"{result.indicators['candidates']} candidate passwords" in result.reasons[0]


def test_auth03_inconclusive_without_identifiers(case_factory, defective):
    device = case_factory(defective, macs=(), serial=None)
    result = device.run("AUTH-03")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "device_macs" in result.reasons[0]


def test_auth03_other_mac_does_not_match(case_factory, defective):
    device = case_factory(defective, macs=("02:00:00:aa:bb:cc",), serial="X-1")
    assert device.run("AUTH-03").verdict is Verdict.PASS


def test_sec03_fails_world_readable_shadow_and_key(defective):
    result = defective.run("SEC-03")
    assert result.verdict is Verdict.FAIL
    assert evidence_paths(result) == {"/etc/shadow", "/etc/ssl/private/device.key", "/etc/config/cloud.conf"}
    assert all(f.data["mode"] == "0644" for f in result.findings)


def test_sec03_clean_needs_inspector_with_modes(clean):
    result = clean.run("SEC-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    modes = {s["path"]: s["mode"] for s in result.indicators["observed"]["stored_secrets"]}
    assert modes["/etc/shadow"] == "0600"
