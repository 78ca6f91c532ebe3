"""AUTH-02 (stored passwords use a strong hash) on real images with real crypt hashes."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.checks import Verdict


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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("AUTH-02"), {"/etc/shadow", "/etc/passwd"})


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("AUTH-02")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
