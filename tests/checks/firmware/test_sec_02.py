"""SEC-02 (no shared private keys) on real images with keys made with `cryptography`."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.checks import Verdict


def test_sec02_fails_unencrypted_private_and_host_keys(defective):
    result = defective.run("SEC-02")
    assert result.verdict is Verdict.FAIL
    paths = {f.evidence[0].path for f in result.findings}
    assert {"/etc/ssl/private/device.key", "/etc/dropbear/dropbear_ed25519_host_key"} <= paths
    assert all(f.evidence[0].sha256 for f in result.findings)


def test_sec02_passes_image_with_public_key_only(clean):
    result = clean.run("SEC-02")
    assert result.verdict is Verdict.PASS, [f.summary for f in result.findings]


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(
        demo["defective"].run("SEC-02"),
        {"/etc/ssl/private/device.key", "/etc/dropbear/dropbear_rsa_host_key"},
    )


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("SEC-02")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
