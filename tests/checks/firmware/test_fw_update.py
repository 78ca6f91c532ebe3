"""UPD-01, UPD-04, INT-01 and WIFI-01 on real images."""

from __future__ import annotations

import os
from pathlib import Path

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


def test_wifi01_fails_wep_tkip_and_open_networks(defective):
    result = defective.run("WIFI-01")
    assert result.verdict is Verdict.FAIL
    found = {(f.data["security"], f.evidence[0].path, f.evidence[0].note) for f in result.findings}
    assert found == {
        ("WEP", "/etc/hostapd.conf", "line 4"),
        ("TKIP only", "/etc/wpa_supplicant.conf", "line 5"),
        ("open", "/etc/config/wireless", "line 5"),  # the catalogue's open_network_fails is true
    }
    # the image's /etc/hostapd-phy1.conf links out of the extraction folder: never read
    assert "/etc/hostapd-phy1.conf" in result.indicators["observed"]["configs"]
    assert not any("Outside" in f.summary for f in result.findings)


def test_wifi01_clean_needs_inspector(clean):
    result = clean.run("WIFI-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
    current = [c.split(" ")[0] for c in result.indicators["observed"]["current"]]
    assert sorted(current) == ["AcmeCam", "AcmeCam", "AcmeCam-Guest"]  # hostapd.conf, OpenWrt x2


def test_wifi01_open_network_is_an_indicator_when_the_catalogue_allows_it(defective, monkeypatch):
    from workbench.checks import get_check
    from workbench.checks.context import EvidenceContext

    ctx = EvidenceContext.for_case(defective.case_dir, "WIFI-01")
    params = {**ctx.parameters, "open_network_fails": False}
    monkeypatch.setattr(type(ctx), "parameters", property(lambda self: params))
    result = get_check("WIFI-01").run(ctx)
    assert {f.data["security"] for f in result.findings} == {"WEP", "TKIP only"}
    assert result.indicators["observed"]["open"] == ["AcmeCam-Setup (/etc/config/wireless line 5)"]


def test_unreadable_image_is_inconclusive_for_every_firmware_check(devices):
    from workbench.checks import all_checks
    from workbench.checks.base import EvidenceKind

    garbage = devices["garbage"]
    for rid, check in all_checks().items():
        if EvidenceKind.FIRMWARE not in check.needs or rid in ("ATK-01", "ATK-02", "UPD-02"):
            continue
        result = garbage.run(rid)
        assert result.verdict is Verdict.INCONCLUSIVE, rid
        assert "no file could be extracted" in result.reasons[0]
        assert any("entropy" in r for r in result.reasons), result.reasons


def test_firmware_checks_inconclusive_without_firmware(case_factory):
    device = case_factory(None, {"default_passwords": "user-set"})
    for rid in ("AUTH-01", "AUTH-02", "AUTH-03", "SEC-01", "SEC-02", "ATK-03", "ATK-05", "ATK-06", "UPD-04"):
        result = device.run(rid)
        assert result.verdict is Verdict.INCONCLUSIVE, rid
        assert "firmware" in result.reasons[0]


def test_checks_never_read_through_a_link_out_of_the_extraction(case_factory, defective):
    """Defence in depth: were a link pointing out of the extraction folder left on disk (the
    engine removes or re-roots them), the checks would not follow it."""
    device = case_factory(defective)
    [link] = [
        Path(folder) / "hostapd-phy1.conf"
        for folder, _, names in os.walk(device.case_dir / "cache")
        if folder.endswith("/etc") and "hostapd-phy1.conf" in names
    ]
    outside = device.case_dir.parent / "outside-wep.conf"
    outside.write_text('interface=wlan9\nssid=Outside\nwep_key0="12345"\n')
    link.unlink()
    link.symlink_to(outside)
    assert link.resolve() == outside.resolve()
    result = device.run("WIFI-01")
    assert not any("Outside" in f.summary for f in result.findings)
    assert {f.evidence[0].path for f in result.findings} == {
        "/etc/hostapd.conf",
        "/etc/wpa_supplicant.conf",
        "/etc/config/wireless",
    }
