"""The demo cameras of sample_captures/ (demo_defective.img, demo_clean.img, the OSV sample feed and
their declarations): every automatic firmware check finds the defect it is meant to find in the
defective camera, with the evidence path, and passes the clean one."""

from __future__ import annotations

import pytest

from workbench.checks import Verdict

MAC = "02:00:00:c1:00:50"

# requirement -> image paths its findings must point at, in the defective camera
DEFECTIVE_EVIDENCE = {
    "AUTH-01": {"/etc/shadow"},
    "AUTH-02": {"/etc/shadow", "/etc/passwd"},
    "AUTH-03": {"/etc/shadow"},
    "SEC-01": {"/etc/config/cloud.conf"},
    "SEC-02": {"/etc/ssl/private/device.key", "/etc/dropbear/dropbear_rsa_host_key"},
    "ATK-03": {"/etc/inittab"},
    "ATK-05": {"/bin/busybox", "/usr/sbin/lighttpd"},
    "ATK-06": {"/usr/lib/libssl.so.1.0.0", "/usr/sbin/dropbear", "/usr/sbin/lighttpd"},
    "SEC-03": {"/etc/shadow", "/etc/ssl/private/device.key"},
    "UPD-04": {"/usr/sbin/fw_update.sh"},
}
AUTOMATIC = ("AUTH-01", "AUTH-02", "AUTH-03", "SEC-01", "SEC-02", "ATK-03", "ATK-05", "ATK-06")


def paths(result) -> set[str]:
    return {e.path for f in result.findings for e in f.evidence if e.path}


@pytest.mark.parametrize("rid", sorted(DEFECTIVE_EVIDENCE))
def test_defective_camera_fails_with_evidence(demo, rid):
    result = demo["defective"].run(rid)
    assert result.verdict is Verdict.FAIL, result.reasons
    assert DEFECTIVE_EVIDENCE[rid] <= paths(result)
    assert all(e.sha256 for f in result.findings for e in f.evidence)


def test_defective_camera_details(demo):
    device = demo["defective"]
    auth01 = {(f.data["user"], f.evidence[0].path): f.data["problem"] for f in device.run("AUTH-01").findings}
    assert auth01[("root", "/etc/shadow")] == "default password"
    assert auth01[("admin", "/etc/shadow")] == "empty password"
    [derived] = device.run("AUTH-03").findings
    assert derived.data["derivation"] == f"MAC {MAC}: last 6 characters, lower case"
    atk03 = " ".join(f.data["command"] for f in device.run("ATK-03").findings)
    assert "adbd" in atk03 and "gdbserver" in atk03
    vulns = {(f.data["component"], f.data["version"]) for f in device.run("ATK-06").findings}
    assert {("openssl", "1.0.2k"), ("dropbear", "2016.74"), ("lighttpd", "1.4.35")} <= vulns


@pytest.mark.parametrize("rid", AUTOMATIC)
def test_clean_camera_passes(demo, rid):
    result = demo["clean"].run(rid)
    assert result.verdict is Verdict.PASS, (result.reasons, [f.summary for f in result.findings])


def test_clean_camera_assisted_checks_need_the_inspector(demo):
    for rid in ("SEC-03", "UPD-04", "UPD-01", "ATK-07", "INT-01", "LOG-01", "WIFI-01"):
        result = demo["clean"].run(rid)
        assert result.verdict is Verdict.NEEDS_INSPECTOR, (rid, result.reasons)
