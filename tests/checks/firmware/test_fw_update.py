"""UPD-01, UPD-04, INT-01 and WIFI-01 on real images."""

from __future__ import annotations

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


def test_upd01_sets_declared_beside_observed(clean):
    result = clean.run("UPD-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["declared"]["update"]["mechanism"] == "OTA from vendor cloud"
    assert result.indicators["observed"]["tool"]


def test_upd01_fails_when_declared_not_updatable(case_factory, clean):
    result = case_factory(clean, {"update": {"mechanism": "none"}}).run("UPD-01")
    assert result.verdict is Verdict.FAIL


def test_int01_needs_inspector(clean):
    result = clean.run("INT-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert "image_layers" in result.indicators["observed"]


def test_wifi01_fails_wep(defective):
    result = defective.run("WIFI-01")
    assert result.verdict is Verdict.FAIL
    [finding] = result.findings
    assert finding.data["security"] == "WEP"
    assert finding.evidence[0].path == "/etc/hostapd.conf" and finding.evidence[0].note == "line 4"


def test_wifi01_clean_needs_inspector(clean):
    result = clean.run("WIFI-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["observed"]["current"]


def test_firmware_checks_inconclusive_without_firmware(case_factory):
    device = case_factory(None, {"default_passwords": "user-set"})
    for rid in ("AUTH-01", "AUTH-02", "AUTH-03", "SEC-01", "SEC-02", "ATK-03", "ATK-05", "ATK-06", "UPD-04"):
        result = device.run(rid)
        assert result.verdict is Verdict.INCONCLUSIVE, rid
        assert "firmware" in result.reasons[0]
