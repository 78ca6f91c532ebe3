"""ATK-05 (binaries hardened): the gcc hardening matrix and busybox-static in real images."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.checks import Verdict


def test_atk05_fails_unhardened_and_static_binaries(defective):
    result = defective.run("ATK-05")
    assert result.verdict is Verdict.FAIL
    by_path = {f.evidence[0].path: f.data["lacking"] for f in result.findings}
    assert "/usr/bin/camd" in by_path
    lacking = " ".join(by_path["/usr/bin/camd"])
    assert "nx" in lacking and "pie" in lacking and "relro" in lacking and "canary" in lacking
    assert "/usr/sbin/dropbear" not in by_path  # hardened build
    assert "/bin/busybox" in by_path and "pie no" in by_path["/bin/busybox"]
    assert not any(x.startswith("canary") for x in by_path["/bin/busybox"])  # undeterminable, not failed


def test_atk05_passes_hardened_binaries_reporting_undeterminable(clean):
    result = clean.run("ATK-05")
    assert result.verdict is Verdict.PASS, result.reasons
    undetermined = result.indicators["observed"]["undeterminable"]
    assert "/sbin/init" in undetermined.get("canary", [])  # stripped static-pie


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("ATK-05"), {"/bin/busybox", "/usr/sbin/lighttpd"})


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("ATK-05")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
