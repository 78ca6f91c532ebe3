"""AUTH-01 (no universal default password) on real squashfs images with real crypt hashes."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence, evidence_paths, finding_for

from workbench.checks import Verdict


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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("AUTH-01"), {"/etc/shadow"})
    auth01 = {
        (f.data["user"], f.evidence[0].path): f.data["problem"]
        for f in demo["defective"].run("AUTH-01").findings
    }
    assert auth01[("root", "/etc/shadow")] == "default password"
    assert auth01[("admin", "/etc/shadow")] == "empty password"


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("AUTH-01")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
