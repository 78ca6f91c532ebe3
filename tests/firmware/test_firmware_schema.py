"""Every firmware table follows its declared schema (workbench.firmware.schema): the columns in
order, each value a Python value of the column's type or None, the same after a round trip
through the case cache's JSON; on both demo images and on a hostile image (a link out of the
tree, a broken ELF, odd account entries, an archive climbing out, trailing junk)."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from rootfs_builder import link, mksquashfs, with_kernel, write

from workbench.firmware import FirmwareScan, scan_firmware
from workbench.firmware.crypthash import WEAK_SCHEMES
from workbench.firmware.result import frame
from workbench.firmware.schema import TABLES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"
# tables a demo image must fill (an empty table would make the type checks vacuous)
FILLED = {
    "demo_defective": {
        "layers",
        "files",
        "accounts",
        "keys",
        "secrets",
        "binaries",
        "components",
        "vulnerabilities",
        "services",
        "update",
    },
    "demo_clean": {"layers", "files", "accounts", "keys", "binaries", "components", "services", "update"},
    "hostile": {"layers", "files", "accounts", "binaries", "secrets", "services", "warnings"},
}


def _hostile_image(base: Path) -> Path:
    root = base / "root"
    write(
        root,
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/sbin/nologin\nodd:x:notanumber:0::/:\n"
        "huge:x:99999999999999999999999:\u00b2::/:/bin/sh\n",  # past int64; a digit int() refuses
    )
    write(
        root,
        "/etc/shadow",
        "root::19000:0:99999:7:::\nnobody:!$6$salt$abc:19000::::::\nodd:%%%weird%%%:1::::::\n"
        "huge:$6$salt$abc:1::::::\n\n:::\n",
        0o600,
    )
    write(root, "/etc/lighttpd/lighttpd.user", "admin:admin\nbroken-line-without-colon\n")
    write(root, "/etc/config/app.conf", 'password=hunter2hunter2\napi_token=""\n')
    write(root, "/etc/inittab", "::respawn:/usr/sbin/telnetd -l /bin/sh -p notaport\n")
    write(root, "/etc/inetd.conf", "70000 stream tcp nowait root /usr/sbin/ftpd ftpd\n")
    write(root, "/etc/xinetd.d/tftp", "service tftp\n{\n  port = 99999\n  server = /usr/sbin/in.tftpd\n}\n")
    write(root, "/usr/bin/broken", b"\x7fELF\x02\x01\x01" + b"\xff" * 57, 0o755)  # headers that lie
    write(root, "/usr/lib/empty.so", b"", 0o755)
    link(root, "/etc/escape", "../../../../../../../../etc/hostname")
    link(root, "/etc/loop", "loop")
    members = io.BytesIO()
    with tarfile.open(fileobj=members, mode="w:gz") as archive:
        for name, data in {"../../../../tmp/evil.conf": b"password=x\n", "ok.txt": b"fine\n"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    write(root, "/usr/share/climb.tar.gz", members.getvalue())
    image = with_kernel(mksquashfs(root, base / "root.sqfs"), base / "flash.img", b"\0kernel\0" * 64)
    with open(image, "ab") as handle:
        handle.write(b"\xde\xad\xbe\xef" * 4096)  # trailing junk no format claims
    return image


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> dict[str, FirmwareScan]:
    base = tmp_path_factory.mktemp("schema")
    feed = SAMPLES / "osv-sample.json"
    found = {
        name: scan_firmware(SAMPLES / f"{name}.img", workdir=base / name, vuln_feed=feed)
        for name in ("demo_defective", "demo_clean")
    }
    found["hostile"] = scan_firmware(_hostile_image(base), workdir=base / "hostile", vuln_feed=feed)
    return found


def _cached(scan: FirmwareScan) -> FirmwareScan:
    return FirmwareScan.from_json(json.loads(json.dumps(scan.to_json(), default=str)))


def _assert_conforms(table: pd.DataFrame, name: str) -> None:
    schema = TABLES[name]
    assert tuple(table.columns) == schema.names, name
    typed = schema.to_arrow(table)  # a value of another type raises here
    for column in schema.names:
        assert table[column].dtype == object, (name, column)
        assert table[column].tolist() == typed.column(column).to_pylist(), (name, column)
        for value in table[column]:  # Python values, never numpy scalars or NaN
            assert value is None or type(value) in (str, int, float, bool), (name, column, value)
    assert list(schema.rows(table)) == typed.to_pylist()


@pytest.mark.parametrize("image", ["demo_defective", "demo_clean", "hostile"])
def test_every_table_of_a_fresh_scan_follows_its_schema(scans, image):
    scan = scans[image]
    assert set(scan.tables) == set(TABLES)
    for name in TABLES:
        _assert_conforms(scan.tables[name], name)
    assert {name for name in TABLES if len(scan.tables[name])} >= FILLED[image]


@pytest.mark.parametrize("image", ["demo_defective", "demo_clean", "hostile"])
def test_the_cache_round_trip_gives_back_the_same_typed_tables(scans, image):
    fresh, cached = scans[image], _cached(scans[image])
    for name in TABLES:
        _assert_conforms(cached.tables[name], name)
        pd.testing.assert_frame_equal(cached.tables[name], fresh.tables[name], check_exact=True)
        for column in TABLES[name].names:  # bool stays bool, int stays int (1 == True in pandas)
            assert [type(v) for v in cached.tables[name][column]] == [
                type(v) for v in fresh.tables[name][column]
            ], (name, column)


def test_the_hostile_image_is_reported_not_trusted(scans):
    scan = scans["hostile"]
    assert {"symlink_escape", "archive_member"} <= set(scan.warnings["kind"])
    assert scan.local_path("/etc/escape") is None and scan.local_path("/etc/loop") is None
    accounts = {(r["source"], r["user"]): r for r in TABLES["accounts"].rows(scan.accounts)}
    assert accounts[("/etc/shadow", "root")]["empty"] is True
    assert accounts[("/etc/shadow", "odd")]["hash_scheme"] == "unknown"
    assert accounts[("/etc/shadow", "odd")]["uid"] is None  # "notanumber" in passwd
    (broken,) = TABLES["binaries"].rows(scan.binaries)
    assert broken["path"] == "/usr/bin/broken" and broken["relro"] == "undeterminable"
    services = {r["name"]: r for r in TABLES["services"].rows(scan.services)}
    assert services["telnetd"]["port"] is None and services["telnetd"]["enabled"] is True  # "-p notaport"
    assert services["ftpd"]["port"] is None and services["in.tftpd"]["port"] is None  # 70000, 99999
    huge = accounts[("/etc/shadow", "huge")]
    assert huge["uid"] is None and huge["gid"] is None
    # a member climbing out is never written, so not in the file list, and a warning names it
    assert not [p for p in scan.files["path"] if p.endswith("/tmp/evil.conf")]
    (climbing,) = [w for w in scan.warnings.to_dict("records") if str(w["path"]).endswith("/tmp/evil.conf")]
    assert "skipped: it would be written outside the archive's folder" in climbing["message"]


def test_a_value_that_does_not_fit_its_column_is_left_empty_and_reported():
    problems: list[dict] = []
    services = frame(
        "services",
        [
            {"name": "telnetd", "port": "notaport"},
            {"name": "ftpd", "port": 70000},
            {"name": "sshd", "port": 22},
        ],
        problems,
    )
    assert list(services["port"]) == [None, None, 22]  # a hostile value never ends the scan
    assert [p["kind"] for p in problems] == ["schema", "schema"]
    assert all("table services, column port" in p["message"] for p in problems)
    empty = frame("keys", [])
    assert tuple(empty.columns) == TABLES["keys"].names and empty.empty


def test_the_declaration_is_complete_and_matches_the_engine():
    assert list(TABLES) == [
        "layers",
        "files",
        "accounts",
        "keys",
        "secrets",
        "binaries",
        "components",
        "vulnerabilities",
        "services",
        "update",
        "warnings",
    ]
    for schema in TABLES.values():
        assert schema.doc and all(c.doc for c in schema.columns), schema.name
        assert len(set(schema.names)) == len(schema.names), schema.name
    documented = TABLES["accounts"].column("weak_hash").doc
    assert all(f"`{scheme}`" in documented for scheme in WEAK_SCHEMES)  # accounts.weak_hash's list


def _contracts_tables():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "contracts_tables.py"
    spec = importlib.util.spec_from_file_location("contracts_tables", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_contracts_lists_the_firmware_schema():
    script = _contracts_tables()
    text = script.CONTRACTS.read_text(encoding="utf-8")
    assert script.section(text, "firmware") == script.generated("firmware"), (
        "docs/CONTRACTS.md's firmware tables differ from workbench/firmware/schema.py: "
        "run `.venv/bin/python scripts/contracts_tables.py`"
    )
    assert script.regenerate(text) == text  # and the capture tables too
    stale = text.replace("| `weak_hash` | bool |", "| `weak_hash` | string |")
    assert stale != text and script.section(stale, "firmware") != script.generated("firmware")
    assert script.regenerate(stale) == text
