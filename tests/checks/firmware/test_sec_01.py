"""SEC-01 (no hard-coded credentials or tokens) on real images."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("SEC-01"), {"/etc/config/cloud.conf"})


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("SEC-01")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
