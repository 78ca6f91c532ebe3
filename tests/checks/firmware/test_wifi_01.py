"""WIFI-01 (current wireless security) on the wireless configurations of real images."""

from __future__ import annotations

from workbench.checks import Verdict


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


def test_demo_clean_camera_needs_the_inspector(demo):
    result = demo["clean"].run("WIFI-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons


def test_wifi01_reads_each_configuration_from_its_own_layer(layered):
    """The root filesystem's /etc/hostapd.conf (WPA2, through a link) and a factory overlay's
    etc/hostapd.conf (WEP): the WEP finding is the overlay's alone. The former directory search
    took the overlay's file for /etc/hostapd.conf as well."""
    result = layered.run("WIFI-01")
    [overlay] = [p for p in result.indicators["observed"]["configs"] if p.startswith("/@")]
    assert overlay.endswith("/etc/hostapd.conf")
    assert result.verdict is Verdict.FAIL
    assert {(f.data["security"], f.evidence[0].path) for f in result.findings} == {("WEP", overlay)}
    assert result.indicators["observed"]["current"] == ["AcmeHome (/etc/hostapd.conf line 1)"]
