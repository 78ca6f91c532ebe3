"""ATK-07 (services run with least privilege) on the boot services of real images."""

from __future__ import annotations

from workbench.checks import Verdict


def test_atk07_lists_root_network_services(defective):
    result = defective.run("ATK-07")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    services = " ".join(f.data["command"] or f.data["service"] for f in result.findings)
    assert "telnetd" in services and "adbd" in services
    exempt = " ".join(result.indicators["observed"]["exempt"])
    assert "dropbear" in services or "dropbear" in exempt  # privileged by design if the catalogue says so
    assert {f.evidence[0].path for f in result.findings} <= {"/etc/init.d/rcS", "/etc/inittab"}


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("ATK-07")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
