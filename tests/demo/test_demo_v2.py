"""The defective demo camera's firmware update 2.2 (sample_captures/gen_firmware.py, defective_v2_rootfs):
the committed images are what the generator writes, the engine's tables show the planted changes (three
defects fixed, one new, a component updated, most files untouched), and the demo pair's key
(cases/defective-v2/expected-changes.yaml) agrees with the checks run on both demo cases."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from passlib import hash as passlib_hash

from workbench.firmware import FirmwareScan, scan_firmware

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
IMAGES = {"v1": SAMPLES / "demo_defective.img", "v2": SAMPLES / "demo_defective_v2.img"}
FEED = SAMPLES / "osv-sample.json"
EXPECTED = SAMPLES / "cases" / "defective-v2" / "expected-changes.yaml"
GENERATED = ("demo_defective.img", "demo_defective_v2.img", "demo_clean.img", "osv-sample.json")
MAC_LAST_6 = "c10050"  # 2.1's support password: the last 6 digits of the MAC on the label
# Every file 2.2 changes or adds; everything else in the image is byte-identical to 2.1.
CHANGED = {
    "/etc/build-info", "/etc/config/cloud.conf", "/etc/fstab", "/etc/lighttpd/lighttpd.conf",
    "/etc/lighttpd/lighttpd.user", "/etc/passwd", "/etc/shadow", "/etc/version", "/usr/bin/camd",
    "/usr/sbin/dropbear", "/www/index.html",
}  # fmt: skip
ADDED = {"/usr/bin/motiond", "/www/motion.html"}


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FirmwareScan]:
    workdir = tmp_path_factory.mktemp("v2-scans")
    return {name: scan_firmware(path, workdir=workdir, vuln_feed=[FEED]) for name, path in IMAGES.items()}


def _rows(scan: FirmwareScan, table: str, columns: tuple[str, ...]) -> list[tuple]:
    frame = scan.tables[table]
    return sorted(tuple(str(row[c]) for c in columns) for _, row in frame.iterrows())


def test_committed_images_are_what_the_generator_writes(tmp_path, scans):
    missing = [tool for tool in ("mksquashfs", "gcc", "strip") if shutil.which(tool) is None]
    if missing or not Path("/bin/busybox").is_file():
        pytest.skip(f"the generator needs {', '.join(missing) or '/bin/busybox'}")
    subprocess.run(
        [sys.executable, str(SAMPLES / "gen_firmware.py"), str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    regenerated = {name: (tmp_path / name).read_bytes() for name in GENERATED}
    if regenerated["demo_defective.img"] != IMAGES["v1"].read_bytes():
        # /etc/build-info names the toolchain: the images are reproducible with the same one only
        here = scan_firmware(tmp_path / "demo_defective.img", workdir=tmp_path / "scan")
        committed = scans["v1"].read_file("/etc/build-info")
        if here.read_file("/etc/build-info") != committed:
            pytest.skip(f"the committed images were built with another toolchain: {committed!r}")
    for name, data in regenerated.items():
        assert data == (SAMPLES / name).read_bytes(), name
    assert IMAGES["v2"].stat().st_size < 1_200_000


def test_version_strings_say_2_2(scans):
    assert scans["v1"].read_file("/etc/version") == b"Acme C100 firmware 2.1\n"
    assert scans["v2"].read_file("/etc/version") == b"Acme C100 firmware 2.2\n"
    assert (scans["v2"].read_file("/etc/build-info") or b"").startswith(b"release: c100-2.2 ")


def test_only_the_planted_files_differ(scans):
    old = {r[0]: r[1:] for r in _rows(scans["v1"], "files", ("path", "sha256", "mode", "type"))}
    new = {r[0]: r[1:] for r in _rows(scans["v2"], "files", ("path", "sha256", "mode", "type"))}
    assert set(new) - set(old) == ADDED and not set(old) - set(new)
    assert {path for path in old if old[path] != new[path]} == CHANGED
    assert len(old) - len(CHANGED) > 2 * len(CHANGED)  # most files carry over untouched


def test_auth_02_fixed_every_stored_password_sha512_crypt(scans):
    def weak(scan: FirmwareScan) -> set[str]:
        accounts = scan.tables["accounts"]
        return set(accounts[accounts["weak_hash"].fillna(False).astype(bool)]["hash_scheme"])

    assert weak(scans["v1"]) == {"des_crypt", "md5_crypt", "plaintext"}
    assert weak(scans["v2"]) == set()
    accounts = scans["v2"].tables["accounts"]
    stored = accounts[~accounts["empty"].astype(bool) & ~accounts["locked"].astype(bool)]
    assert set(stored["hash_scheme"]) == {"sha512_crypt"} and len(stored) == 3  # root, support, web admin
    assert "/etc/passwd" not in set(accounts["source"])  # no hash left in the world-readable passwd


def _support_hash(scan: FirmwareScan) -> str:
    for line in (scan.read_file("/etc/shadow") or b"").decode().splitlines():
        if line.startswith("support:"):
            return line.split(":")[1]
    raise AssertionError("no support account in /etc/shadow")


def test_auth_03_fixed_support_password_no_longer_the_mac(scans):
    assert passlib_hash.sha512_crypt.verify(MAC_LAST_6, _support_hash(scans["v1"]))
    assert not passlib_hash.sha512_crypt.verify(MAC_LAST_6, _support_hash(scans["v2"]))


def test_sec_01_fixed_no_hard_coded_secrets(scans):
    assert {(r[0], r[1]) for r in _rows(scans["v1"], "secrets", ("path", "kind"))} == {
        ("/etc/config/cloud.conf", "aws_access_key_id"),
        ("/etc/config/cloud.conf", "aws_secret_access_key"),
        ("/etc/config/cloud.conf", "password"),
    }
    assert scans["v2"].tables["secrets"].empty


def test_atk_05_new_defect_a_binary_without_nx(scans):
    columns = ("path", "nx", "pie", "relro", "canary")
    old, new = set(_rows(scans["v1"], "binaries", columns)), set(_rows(scans["v2"], "binaries", columns))
    assert new - old == {("/usr/bin/motiond", "no", "yes", "full", "yes")}
    assert old <= new  # every 2.1 binary keeps its hardening


def test_atk_06_dropbear_updated_past_its_vulnerability(scans):
    columns = ("component", "version", "vuln_id")
    old, new = (
        set(_rows(scans["v1"], "vulnerabilities", columns)),
        set(_rows(scans["v2"], "vulnerabilities", columns)),
    )
    assert old - new == {("dropbear", "2016.74", "OSV-DEMO-2024-0002")} and new <= old
    versions = {r[0]: r[1] for r in _rows(scans["v2"], "components", ("name", "version"))}
    assert versions["dropbear"] == "2019.78" and versions["openssl"] == "1.0.2k"


@pytest.mark.parametrize(
    ("table", "columns"),
    [
        ("services", ("name", "kind", "source", "line", "command", "enabled", "port")),  # ATK-01/02/03
        ("keys", ("path", "kind", "key_type", "key_bits", "encrypted")),  # SEC-02
        ("update", ("kind", "path", "value", "secure")),  # UPD-02
    ],
)
def test_still_failing_defects_unchanged(scans, table, columns):
    assert _rows(scans["v1"], table, columns) == _rows(scans["v2"], table, columns)
    assert _rows(scans["v2"], table, columns)


# --- the demo pair's key, against the checks ---------------------------------------------------
def _demo_case(name: str, cases_root: Path) -> Any:
    from workbench.analysis import prepare
    from workbench.demo import build_case, load_demo_case

    case = build_case(load_demo_case(name), cases_root)
    prepare(case)
    return case


def test_expected_changes_agree_with_case_compare(tmp_path):
    """The key, against `compare_cases` on the two demo cases as built from their device.yaml (no probe,
    no inspector verdict): every status list, and ATK-05's one new finding."""
    from workbench.renewal.compare import compare_cases

    expected: dict[str, Any] = yaml.safe_load(EXPECTED.read_text())
    old, new = _demo_case(expected["old"], tmp_path), _demo_case(expected["new"], tmp_path)
    comparison = compare_cases(old, new)
    found: dict[str, set[str]] = {}
    for row in comparison.rows:
        found.setdefault(row["status"], set()).add(row["id"])
    wanted = {
        status: set(expected[status]) for status in ("fixed", "new-defect", "still-failing", "unchanged")
    }
    assert found == wanted
    new_findings = [f["summary"] for f in comparison.row("ATK-05")["new_only_findings"]]
    assert new_findings == ["/usr/bin/motiond lacks hardening: nx no"]
