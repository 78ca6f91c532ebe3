"""ATK-05 (gcc hardening matrix, busybox-static) and ATK-06 (OSV feed) on real images."""

from __future__ import annotations

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


def test_atk06_fails_each_vulnerable_component(defective):
    result = defective.run("ATK-06")
    assert result.verdict is Verdict.FAIL
    ids = {f.data["vuln_id"]: f for f in result.findings}
    assert {"CVE-2017-3735", "CVE-2018-19052"} <= set(ids)
    assert ids["CVE-2017-3735"].data["fixed_in"] == "1.0.2m"
    assert ids["CVE-2017-3735"].evidence[0].path == "/usr/lib/libcrypto.so.1.0.0"
    assert len(result.evidence_used) == 2  # the image and the feed


def test_atk06_passes_current_components(clean):
    result = clean.run("ATK-06")
    assert result.verdict is Verdict.PASS, result.reasons


def test_atk06_inconclusive_without_feed(case_factory, defective):
    result = case_factory(defective, feed=None).run("ATK-06")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "vulnerability feed" in result.reasons[0]
