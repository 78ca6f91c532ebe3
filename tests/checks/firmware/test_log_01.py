"""LOG-01 (security events logged, reliable time) on the boot services of real images."""

from __future__ import annotations

from workbench.checks import Verdict


def test_log01_reports_logging_and_time_sync(clean, defective):
    result = clean.run("LOG-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["observed"]["loggers_at_boot"]
    assert result.indicators["observed"]["time_sync_at_boot"]
    assert "/etc/init.d/rcS line 4" in " ".join(result.indicators["observed"]["time_sync_at_boot"])
    assert not defective.run("LOG-01").indicators["observed"]["time_sync_at_boot"]


def test_log01_fails_when_declaration_says_no_logging(case_factory, clean):
    device = case_factory(clean, {"logging": {"enabled": False}})
    result = device.run("LOG-01")
    assert result.verdict is Verdict.FAIL
    assert result.findings[0].evidence[0].artefact == "declaration"


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("LOG-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
