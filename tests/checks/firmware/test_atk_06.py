"""ATK-06 (no known vulnerable components) with an OSV feed."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.checks import Verdict


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


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(
        demo["defective"].run("ATK-06"),
        {"/usr/lib/libssl.so.1.0.0", "/usr/sbin/dropbear", "/usr/sbin/lighttpd"},
    )
    vulns = {(f.data["component"], f.data["version"]) for f in demo["defective"].run("ATK-06").findings}
    assert {("openssl", "1.0.2k"), ("dropbear", "2016.74"), ("lighttpd", "1.4.35")} <= vulns


def test_demo_clean_camera_passes(demo):
    result = demo["clean"].run("ATK-06")
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])
