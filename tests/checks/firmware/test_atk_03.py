"""ATK-03 (debug interfaces disabled) on the boot services of real images (inittab, rcS)."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("ATK-03"), {"/etc/inittab"})
    atk03 = " ".join(f.data["command"] for f in demo["defective"].run("ATK-03").findings)
    assert "adbd" in atk03 and "gdbserver" in atk03


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("ATK-03")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
