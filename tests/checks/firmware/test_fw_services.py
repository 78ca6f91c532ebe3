"""ATK-03, ATK-07 and LOG-01 on the boot services of real images (inittab, rcS)."""

from __future__ import annotations

from workbench.checks import Verdict


def test_atk03_fails_debug_daemons_and_console_shell(defective):
    result = defective.run("ATK-03")
    assert result.verdict is Verdict.FAIL
    problems = {(f.data["problem"], f.evidence[0].path) for f in result.findings}
    assert ("console shell without login", "/etc/inittab") in problems
    debug = {f.data["command"] for f in result.findings if f.data["problem"] == "debug service"}
    assert any("adbd" in c for c in debug) and any("gdbserver" in c for c in debug)
    assert all(f.evidence[0].sha256 for f in result.findings)


def test_atk03_passes_getty_console_and_no_debug_daemons(clean):
    result = clean.run("ATK-03")
    assert result.verdict is Verdict.PASS, result.reasons
    assert result.indicators["observed"]["serial_consoles"], "the getty console should be listed"


def test_atk07_lists_root_network_services(defective):
    result = defective.run("ATK-07")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    services = " ".join(f.data["command"] or f.data["service"] for f in result.findings)
    assert "telnetd" in services and "adbd" in services
    exempt = " ".join(result.indicators["observed"]["exempt"])
    assert "dropbear" in services or "dropbear" in exempt  # privileged by design if the catalogue says so
    assert {f.evidence[0].path for f in result.findings} <= {"/etc/init.d/rcS", "/etc/inittab"}


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
