"""The shared helpers of the firmware checks (workbench/checks/_firmware.py) and the base class
every firmware check derives from, on real images: typed rows with their image, files read through
the scan in the layer their path names, never through a link out of the extraction folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from workbench.checks import Verdict
from workbench.checks._firmware import image_lines, parse_mode, program_names
from workbench.checks.context import EvidenceContext


def test_files_table_keeps_each_files_hash_beside_the_images(defective):
    ctx = EvidenceContext.for_case(defective.case_dir, "ATK-05")
    files = ctx.firmware_table("files")
    assert not files.empty
    image_sha = ctx.artefacts("firmware")[0].sha256
    assert set(files["artefact_sha256"]) == {image_sha}  # the image's, as in every other table
    regular = files[files["sha256"].astype(str).str.len() == 64]  # each file's own hash, unrenamed
    assert len(regular) > 10 and image_sha not in set(regular["sha256"])


def test_each_analysis_is_loaded_once_per_context(defective):
    ctx = EvidenceContext.for_case(defective.case_dir, "ATK-05")
    first = ctx.firmwares()
    ctx.firmware_table("binaries")
    ctx.firmware_table("accounts")
    assert ctx.firmwares() is first and first[0][1] is ctx.firmwares()[0][1]


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


def test_image_lines_reads_each_path_in_its_own_layer(layered):
    """Two layers hold etc/hostapd.conf; in the root filesystem it is a link climbing past the top,
    absent from the disk: read through the scan, the link is followed inside the image."""
    ctx = EvidenceContext.for_case(layered.case_dir, "WIFI-01")
    sha = ctx.artefacts("firmware")[0].sha256
    [overlay] = [r["path"] for r in ctx.firmware_rows("files", ("path",)) if r["path"].startswith("/@")
                 and r["path"].endswith("/etc/hostapd.conf")]  # fmt: skip
    assert [line for _, line in image_lines(ctx, sha, "/etc/hostapd.conf")][1] == "ssid=AcmeHome"
    assert [line for _, line in image_lines(ctx, sha, overlay)][1] == "ssid=Factory"
    assert list(image_lines(ctx, sha, "/etc/../etc/hostapd.conf")) == []
    assert list(image_lines(ctx, "0" * 64, "/etc/hostapd.conf")) == []  # not an image of the case


@pytest.mark.parametrize(
    ("mode", "bits"),
    [("0644", 0o644), ("0600", 0o600), ("4755", 0o4755), (None, None), ("", None), ("rwx", None)],
)
def test_parse_mode_reads_the_files_tables_octal_modes(mode, bits):
    assert parse_mode(mode) == bits


@pytest.mark.parametrize(
    ("command", "programs"),
    [
        ("busybox telnetd -l /bin/sh", ["busybox", "telnetd"]),
        ("-/bin/sh", ["sh"]),
        ("LD_PRELOAD=x /usr/bin/adbd &", ["adbd"]),
        ("nohup -n gdbserver :2345 /usr/bin/camd", ["nohup", "gdbserver"]),
        ("", []),
    ],
)
def test_program_names_reads_the_program_and_what_a_wrapper_runs(command, programs):
    assert program_names(command) == programs


def test_atk03_console_names_from_the_catalogue_keep_their_case():
    """ATK-03 builds its console pattern from the catalogue's names as written: `ttyS` is a serial
    port, `ttys003` a pseudo-terminal (lower-cased names matched neither ttyS0 nor ttyAMA0)."""
    from workbench.checks.atk_03 import serial_console_pattern
    from workbench.checks.parameters import Parameters

    pattern = serial_console_pattern(Parameters("ATK-03", {}, ("serial_consoles",)))
    assert pattern.search("/sbin/getty -L ttyS0 115200") and pattern.search("/bin/sh </dev/ttyAMA0")
    assert not pattern.search("login on ttys003")
