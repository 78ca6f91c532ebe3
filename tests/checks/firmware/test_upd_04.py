"""UPD-04 (device verifies update authenticity) on real images."""

from __future__ import annotations

from fwcases import assert_fails_with_evidence

from workbench.checks import Verdict


def test_upd04_fails_update_without_signature_check(defective):
    result = defective.run("UPD-04")
    assert result.verdict is Verdict.FAIL
    paths = {e.path for f in result.findings for e in f.evidence}
    assert "/usr/sbin/fwupdate" in paths
    assert "declaration says updates are signed" in result.findings[0].summary


def test_upd04_clean_has_verifier_and_key(clean):
    result = clean.run("UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
    observed = result.indicators["observed"]
    assert observed["verifiers"] or observed["public_keys"]


def test_upd04_fails_when_declared_unsigned(case_factory, clean):
    result = case_factory(clean, {"update": {"signed": False}}).run("UPD-04")
    assert result.verdict is Verdict.FAIL
    assert result.findings[0].evidence[0].artefact == "declaration"


def test_demo_defective_camera_fails_with_evidence(demo):
    """The demo camera of sample_captures/ (demo_defective.img): the defect, with its evidence path."""
    assert_fails_with_evidence(demo["defective"].run("UPD-04"), {"/usr/sbin/fw_update.sh"})


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("UPD-04")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
