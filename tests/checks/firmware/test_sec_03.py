"""SEC-03 (stored secrets protected): file modes of shadow files and keys in real images."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence, evidence_paths

from workbench.checks import Verdict


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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(
        demo["defective"].run("SEC-03"), {"/etc/shadow", "/etc/ssl/private/device.key"}
    )


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("SEC-03")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
