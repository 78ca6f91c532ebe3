"""SEC-01 and SEC-02 on real images: hard-coded secrets and private keys made with `cryptography`."""

from __future__ import annotations

from workbench.checks import Verdict


def test_sec01_fails_hard_coded_password_and_cloud_key(defective):
    result = defective.run("SEC-01")
    assert result.verdict is Verdict.FAIL
    hits = [f for f in result.findings if f.evidence[0].path == "/etc/config/cloud.conf"]
    assert len(hits) >= 2, [f.summary for f in result.findings]
    text = " ".join(f.summary + str(f.data) for f in result.findings)
    assert "Acm3Cl0udS3cret!" not in text and "wJalrXUtnFEMI" not in text  # secrets stay masked
    assert any(f.evidence[0].note.startswith("line") or f.evidence[0].offset is not None for f in hits)


def test_sec01_passes_image_without_secrets(clean):
    result = clean.run("SEC-01")
    assert result.verdict is Verdict.PASS, [f.summary for f in result.findings]


def test_sec02_fails_unencrypted_private_and_host_keys(defective):
    result = defective.run("SEC-02")
    assert result.verdict is Verdict.FAIL
    paths = {f.evidence[0].path for f in result.findings}
    assert {"/etc/ssl/private/device.key", "/etc/dropbear/dropbear_ed25519_host_key"} <= paths
    assert all(f.evidence[0].sha256 for f in result.findings)


def test_sec02_passes_image_with_public_key_only(clean):
    result = clean.run("SEC-02")
    assert result.verdict is Verdict.PASS, [f.summary for f in result.findings]
