"""UPD-01 (software can be updated) on real images."""

from __future__ import annotations

from workbench.checks import Verdict


def test_upd01_sets_declared_beside_observed(clean):
    result = clean.run("UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["declared"]["update"]["mechanism"] == "OTA from vendor cloud"
    assert result.indicators["observed"]["tool"]


def test_upd01_fails_when_declared_not_updatable(case_factory, clean):
    result = case_factory(clean, {"update": {"mechanism": "none"}}).run("UPD-01")
    assert result.verdict is Verdict.FAIL


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
