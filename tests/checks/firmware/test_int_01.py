"""INT-01 (software integrity verified at boot) on real images."""

from __future__ import annotations

from workbench.checks import Verdict


def test_int01_needs_inspector(clean):
    result = clean.run("INT-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert "image_layers" in result.indicators["observed"]


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("INT-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
