"""`firmware diff` on two real images built here (mksquashfs, ELF programs compiled by cc, crypt
hashes, keys, an OSV feed) that differ in every kind: each change is found exactly once and
nothing unchanged is a row; identical images give an empty diff; the command as a user runs it
(JSON Lines, --out's Parquet, the terminal), and an image that is not a firmware image."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID
from passlib import hash as passlib_hash
from rootfs_builder import link, require, write

from workbench.firmware.diff import diff_scans
from workbench.firmware.diff_cache import cached_scan
from workbench.firmware.diff_kinds import DIFF_TABLES, KINDS
from workbench.firmware.diff_out import open_diff
from workbench.firmware.scan import scan_firmware

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
static const char banner[] = "%s";
int main(int argc, char **argv) {
    char buf[128];
    strcpy(buf, argc > 1 ? argv[1] : "none");
    printf("%%s %%s\n", banner, buf);
    return 0;
}
"""
HARDENED = ["-O2", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-fPIE", "-pie", "-Wl,-z,relro,-z,now"]
UNHARDENED = ["-O0", "-fno-stack-protector", "-no-pie", "-z", "execstack", "-Wl,-z,norelro"]
TOKEN = "q9w8e7r6t5y4u3i2o1p0"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
OSV = [
    {
        "schema_version": "1.6.0",
        "id": f"OSV-TEST-{name}",
        "modified": "2024-06-01T00:00:00Z",
        "summary": f"test record for {name}",
        "affected": [
            {
                "package": {"ecosystem": "Generic", "name": name, "purl": f"pkg:generic/{name}"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}],
            }
        ],
    }
    for name, fixed in (("dropbear", "2017.75"), ("lighttpd", "1.4.36"))
]


def _compile(out: Path, banner: str, flags: list[str]) -> None:
    source = out.with_suffix(".c")
    source.write_text(PROGRAM % banner)
    subprocess.run(
        [require("cc"), "-g0", *flags, "-o", str(out), str(source)], check=True, capture_output=True
    )
    source.unlink()


def _private_key(first: int) -> bytes:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(first, first + 32)))
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _keys() -> tuple[bytes, bytes]:
    """An Ed25519 private key (PEM) and a self-signed certificate of another key."""
    pem = _private_key(0)
    signer = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device.test")])
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(signer.public_key())
        .serial_number(7)
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=3650))
        .sign(signer, None)
    )
    return pem, cert.public_bytes(serialization.Encoding.PEM)


def build_root(root: Path, *, new: bool) -> None:
    """The old (1.0) or the new (1.1) root filesystem: a change of every kind between them."""
    key, cert = _keys()
    root_hash = (
        passlib_hash.sha512_crypt.using(salt="rootsalt", rounds=5000).hash("Xq7!long-and-random")
        if new
        else passlib_hash.md5_crypt.using(salt="rootsalt").hash("Xq7!long-and-random")
    )
    admin_salt = "adminNEW" if new else "adminOLD"  # the same scheme, another hash: a new password
    admin_hash = passlib_hash.sha512_crypt.using(salt=admin_salt, rounds=5000).hash("an0ther-long-one")
    users = "root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n"
    shadow = f"root:{root_hash}:19000::::::\nadmin:{admin_hash}:19000::::::\n"
    if new:
        users += "guest:x:1001:1001::/home/guest:/bin/sh\n"
        shadow += "guest:*:19000::::::\n"
    write(root, "/etc/passwd", users)
    write(root, "/etc/shadow", shadow, 0o600)
    write(root, "/etc/version", "fw 1.1\n" if new else "fw 1.0\n")
    write(root, "/etc/keep.txt", "the same in both\n")
    write(root, "/usr/bin/tool.sh", "#!/bin/sh\necho tool\n", 0o700 if new else 0o755)
    link(root, "/bin/sh", "busybox")
    link(root, "/usr/bin/editor", "nano" if new else "vi")
    write(root, "/etc/removed.conf" if not new else "/etc/added.conf", "option = 1\n")
    write(root, "/etc/ssl/keep.pem" if not new else "/etc/ssl/device.crt", key if not new else cert)
    write(root, "/etc/ssl/device.key", _private_key(40 if new else 80))  # replaced: same path, size
    secrets = (f"aws_access_key_id={AWS_KEY}\n" if new else "") + f'api_token = "{TOKEN}"\n'
    write(root, "/etc/app.conf", "# application\n" + secrets)
    daemon = "/usr/sbin/dropbear -F -p 22" if new else "/usr/sbin/telnetd -l /bin/sh"
    write(root, "/etc/inittab", f"::sysinit:/etc/init.d/rcS\n::respawn:{daemon}\n")
    write(root, "/etc/init.d/rcS", "#!/bin/sh\nmount -a\n", 0o755)
    if new:
        write(root, "/etc/lighttpd/lighttpd.conf", 'server.tag = "lighttpd/1.4.35"\n')
    (root / "usr/sbin").mkdir(parents=True, exist_ok=True)
    version = "SSH-2.0-dropbear_2022.83" if new else "SSH-2.0-dropbear_2016.74"
    _compile(root / "usr/sbin/dropbear", version, HARDENED if new else UNHARDENED)


def squash(root: Path, image: Path, owner: int) -> Path:
    """mksquashfs with fixed times; /etc/version owned by `owner` (a pseudo definition)."""
    subprocess.run(
        [require("mksquashfs"), str(root), str(image), "-noappend", "-no-progress", "-quiet",
         "-mkfs-time", "0", "-all-time", "0", "-p", f"/etc/version m 644 {owner} 0"],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return image


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("diff")
    made = {}
    for name, owner in (("old", 0), ("new", 1000)):
        build_root(base / f"root-{name}", new=name == "new")
        made[name] = squash(base / f"root-{name}", base / f"{name}.sqfs", owner)
    (base / "feed.json").write_text(json.dumps(OSV))
    made["feed"] = base / "feed.json"
    made["work"] = base / "work"
    return made


@pytest.fixture(scope="module")
def scans(images):
    return {
        name: cached_scan(images[name], workdir=images["work"], vuln_feed=[images["feed"]])[0]
        for name in ("old", "new")
    }


@pytest.fixture(scope="module")
def diff(scans):
    return diff_scans(scans["old"], scans["new"])


EXPECTED = {
    "files": {
        ("removed", "/etc/removed.conf", ()),
        ("removed", "/etc/ssl/keep.pem", ()),
        ("added", "/etc/added.conf", ()),
        ("added", "/etc/lighttpd", ()),
        ("added", "/etc/lighttpd/lighttpd.conf", ()),
        ("added", "/etc/ssl/device.crt", ()),
        ("changed", "/etc/app.conf", ("sha256", "size")),
        ("changed", "/etc/inittab", ("sha256", "size")),
        ("changed", "/etc/passwd", ("sha256", "size")),
        ("changed", "/etc/shadow", ("sha256", "size")),
        ("changed", "/etc/version", ("sha256", "uid")),
        ("changed", "/etc/ssl/device.key", ("sha256",)),  # content of the same size, and owner
        ("changed", "/usr/bin/editor", ("link_target",)),
        ("changed", "/usr/bin/tool.sh", ("mode",)),
        ("changed", "/usr/sbin/dropbear", ("sha256", "size")),
    },
    "accounts": {
        ("added", "/etc/shadow", "guest", ()),
        ("changed", "/etc/shadow", "root", ("hash_scheme", "password_hash", "weak_hash")),
        ("changed", "/etc/shadow", "admin", ("password_hash",)),  # same scheme, another hash
    },
    "keys": {
        ("removed", "/etc/ssl/keep.pem", "private_key", ()),
        ("added", "/etc/ssl/device.crt", "certificate", ()),
        ("changed", "/etc/ssl/device.key", "private_key", ("fingerprint",)),
    },
    "secrets": {("added", "/etc/app.conf", "aws_access_key_id", "aws_access_key_id", ())},
    "services": {("removed", "telnetd", ()), ("added", "dropbear", ())},
    "components": {("added", "lighttpd", ()), ("changed", "dropbear", ("version",))},
    "vulnerabilities": {
        ("removed", "OSV-TEST-dropbear", "dropbear", ()),  # fixed by the new version
        ("added", "OSV-TEST-lighttpd", "lighttpd", ()),  # came with the new component
    },
    "binaries": {("changed", "/usr/sbin/dropbear", ("nx", "pie", "relro", "canary", "fortify"))},
}


def _rows(kind: str, table) -> list[tuple]:
    """(change, identity..., fields) of every row, as a list: a row found twice shows twice."""
    rows = []
    for row in table.to_dict("records"):
        fields = tuple(row["fields"])
        if kind == "files" and row["path"] == "/usr/sbin/dropbear" and fields == ("sha256",):
            fields = ("sha256", "size")  # two compiled programs may happen to be of one size
        rows.append((row["change"], *(row[c] for c in KINDS[kind].identity), fields))
    return rows


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_change_is_found_once_and_nothing_unchanged(diff, kind):
    rows = _rows(kind, diff.tables[kind])
    assert len(rows) == len(set(rows)), rows
    assert set(rows) == EXPECTED[kind]
    assert list(diff.tables[kind].columns) == list(DIFF_TABLES[kind].names)


def test_rows_carry_the_evidence_of_both_sides(diff, scans):
    def sha(side: str, path: str) -> str:
        files = scans[side].table("files", ("path", "sha256"))
        return files.loc[files["path"] == path, "sha256"].item()

    secret = diff.tables["secrets"].iloc[0]
    assert secret["new_sha256"] == sha("new", "/etc/app.conf") and secret["old_sha256"] is None
    assert (secret["new_offset"], secret["new_line"], secret["new_value"]) == (32, 2, "AKIA************MPLE")
    account = diff.tables["accounts"].set_index("user").loc["root"]
    assert (account["old_hash_scheme"], account["new_hash_scheme"]) == ("md5_crypt", "sha512_crypt")
    assert (account["old_sha256"], account["new_sha256"]) == (
        sha("old", "/etc/shadow"),
        sha("new", "/etc/shadow"),
    )
    hashes = {h["stored"] for scan in scans.values() for h in scan.password_hashes}
    shown = {v for row in diff.to_rows() for v in row.values() if isinstance(v, str)}
    assert hashes and not hashes & shown  # compared in full, never shown
    binary = diff.tables["binaries"].iloc[0]
    assert (binary["old_relro"], binary["new_relro"]) == ("no", "full")
    assert binary["new_sha256"] == sha("new", "/usr/sbin/dropbear") != binary["old_sha256"]
    component = diff.tables["components"].set_index("name").loc["dropbear"]
    assert (component["old_version"], component["new_version"]) == ("2016.74", "2022.83")
    keys = diff.tables["keys"].set_index("kind")
    assert len(keys.loc["certificate", "new_fingerprint"]) == 64 and keys.loc["certificate", "new_subject"]
    assert diff.complete and diff.notes == []


def test_identical_images_give_an_empty_diff(images, scans, tmp_path):
    copy = tmp_path / "again.sqfs"
    shutil.copyfile(images["old"], copy)
    again = scan_firmware(copy, workdir=tmp_path / "work", vuln_feed=images["feed"], out=tmp_path / "scan")
    same = diff_scans(scans["old"], again)
    assert all(table.empty for table in same.tables.values())
    assert same.summary() == {k: {"added": 0, "removed": 0, "changed": 0} for k in KINDS}
    rows = list(same.to_rows())
    assert len(rows) == 1 and rows[0]["table"] == "summary" and rows[0]["complete"] is True


def test_an_image_extracted_in_part_says_so(images, scans, tmp_path):
    work, out = tmp_path / "work", tmp_path / "scan"
    partial = scan_firmware(images["new"], workdir=work, limits={"max_files": 8}, out=out)
    assert partial.image["extraction"] == "limit"
    found = diff_scans(scans["old"], partial)
    assert found.complete is False and found.head()["complete"] is False
    assert found.notes == [
        "the new image new.sqfs: nothing of it was unpacked: its extraction stopped (limit); rows 'removed'"
        " may only be parts of the new image that were not extracted",
        "the scans used different vulnerability feeds: their vulnerabilities differ by that too",
    ]
    assert found.summary()["files"]["removed"] > 0


def test_duplicate_rows_are_matched_as_multisets(scans):
    """Two equal rows in the old scan, three in the new: one `added`; a duplicated secret whose
    value changed once: one `changed`; never a crash."""
    old = scans["old"].to_json()
    new = scans["old"].to_json()
    account = old["accounts"][0]
    old["accounts"] = [account, account]
    new["accounts"] = [account, account, account]
    secret = old["secrets"][0]
    old["secrets"] = [secret, secret]
    new["secrets"] = [secret, {**secret, "value": "zz************zzzz"}]
    found = diff_scans(type(scans["old"]).from_json(old), type(scans["old"]).from_json(new))
    assert _rows("accounts", found.tables["accounts"]) == [("added", account["source"], account["user"], ())]
    assert _rows("secrets", found.tables["secrets"]) == [
        ("changed", secret["path"], secret["kind"], secret["name"], ("value",))
    ]
    assert sum(len(t) for t in found.tables.values()) == 2


def test_revealed_secrets_show_but_hashes_never(images, scans):
    work = images["work"]
    revealed = {n: cached_scan(images[n], workdir=work, reveal_secrets=True)[0] for n in ("old", "new")}
    found = diff_scans(revealed["old"], revealed["new"])
    assert found.tables["secrets"]["new_value"].tolist() == [AWS_KEY]
    accounts = found.tables["accounts"].set_index("user")
    assert accounts.loc["root", ["old_password_hash", "new_password_hash"]].tolist() == ["$1***", "$6***"]
    assert accounts.loc["admin", "fields"] == ["password_hash"]
    masked = diff_scans(scans["old"], revealed["new"])
    assert any("revealed secrets" in note for note in masked.notes)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "firmware", "diff", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
    )


def test_cli_json_lines_and_parquet(images, diff, tmp_path):
    done = _cli(
        str(images["old"]), str(images["new"]), "--json", "--out", "result", "--csv",
        "--workdir", str(images["work"]), "--vuln-feed", str(images["feed"]), cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["table"] == "summary" and lines[0]["kinds"] == diff.summary()
    assert lines[0]["complete"] is True and lines[0]["old"]["name"] == "old.sqfs"
    for kind in KINDS:
        rows = [line for line in lines[1:] if line["table"] == kind]
        found = {(r["change"], *(r[c] for c in KINDS[kind].identity), tuple(r["fields"])) for r in rows}
        assert found == set(_rows(kind, diff.tables[kind]))
    assert TOKEN not in done.stdout and AWS_KEY not in done.stdout  # masked as the scan masks them
    folder = open_diff(tmp_path / "result")
    assert folder is not None and folder.scalars["summary"]["kinds"] == diff.summary()
    assert {k: folder.rows(k) for k in KINDS} == {k: len(diff.tables[k]) for k in KINDS}
    assert folder.read("binaries").column("fields").to_pylist() == [
        ["nx", "pie", "relro", "canary", "fortify"]
    ]
    assert (tmp_path / "result" / "accounts.csv").read_text().startswith("change,source,user,fields,")


def test_cli_terminal_tables(images, tmp_path):
    done = _cli(
        str(images["old"]), str(images["new"]), "--workdir", str(images["work"]),
        "--vuln-feed", str(images["feed"]), "--table", "accounts", "--table", "binaries", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "hash_scheme md5_crypt -> sha512_crypt" in done.stdout
    assert "relro no -> full" in done.stdout and "== files" not in done.stdout


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_an_image_that_does_not_unpack_gives_a_partial_diff_that_says_so(images, tmp_path, damage):
    data = images["new"].read_bytes()
    bad = tmp_path / "bad.bin"
    bad.write_bytes(data[: len(data) // 2] if damage == "truncated" else bytes(range(256)) * 400)
    done = _cli(str(images["old"]), str(bad), "--json", "--workdir", str(images["work"]), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]  # documented: the diff was made, partial
    summary = json.loads(done.stdout.splitlines()[0])
    assert summary["complete"] is False and summary["new"]["name"] == "bad.bin"
    assert any("may only be parts of the new image that were not extracted" in n for n in summary["notes"])
    assert "warning" in done.stderr
    assert summary["kinds"]["files"]["removed"] > 10 and summary["kinds"]["files"]["added"] == 0


def test_cli_missing_image_is_an_error(images, tmp_path):
    done = _cli(str(images["old"]), "nothere.bin", cwd=tmp_path)
    assert done.returncode == 2 and "nothere.bin: no such file" in done.stderr
