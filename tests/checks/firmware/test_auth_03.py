"""AUTH-03 (no password derived from a public identifier): candidates, cost model, real hashes."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.catalog import load_catalog
from workbench.checks import Verdict
from workbench.checks.auth_03 import derive_candidates, hash_cost

MAC, SERIAL, MAC_DERIVED_PASSWORD = "02:00:00:c1:00:50", "C100-00012345", "c10050"  # as in conftest
TRANSFORMATIONS = load_catalog().get("AUTH-03").parameters["transformations"]  # the catalogue's list


def test_auth03_candidates_include_the_mac_and_serial_derivations():
    ids = {"mac": [MAC], "serial": [SERIAL], "model": ["C100"], "ssid": ["AcmeCam-Setup"]}
    candidates = derive_candidates(ids, "Acme", TRANSFORMATIONS, limit=500)
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
    assert len(derive_candidates(ids, "Acme", TRANSFORMATIONS, limit=10)) == 10
    only_last6 = derive_candidates({"mac": [MAC]}, None, ["last_6", "lowercase"], limit=200)
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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("AUTH-03"), {"/etc/shadow"})
    [derived] = demo["defective"].run("AUTH-03").findings
    assert derived.data["derivation"] == f"MAC {MAC}: last 6 characters, lower case"


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("AUTH-03")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
