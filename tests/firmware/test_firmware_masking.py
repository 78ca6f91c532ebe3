"""Recovered default passwords are kept masked ("vi***") with a flag (default_password), in the
scan's tables, its password_hashes, its JSON and the case's analysis cache; they appear only on
explicit request (reveal_secrets / --reveal-secrets). Real crypt hashes in a real squashfs image."""

from __future__ import annotations

import io
import json

import pytest
from passlib import hash as passlib_hash
from rootfs_builder import mksquashfs, write

from workbench import analysis
from workbench.case import Case, CaseInfo
from workbench.cli import main as cli
from workbench.columnar import ResultFolder
from workbench.firmware import scan_firmware
from workbench.firmware.crypthash import mask_password
from workbench.firmware.result import RESULT_VERSION
from workbench.firmware.schema import TABLES
from workbench.rowsout import write_jsonl

# users -> passwords from the bundled default list, each under a different scheme
CRACKED = {"root": "vizxv", "support": "juantech", "guest": "xmhdipc"}
STRONG = "k7#Rq2!vW9zLm4@tY8pX"


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    base = tmp_path_factory.mktemp("masking")
    root = base / "root"
    sha512 = passlib_hash.sha512_crypt.using(rounds=5000, salt="sUpp")
    hashes = {
        "root": passlib_hash.md5_crypt.using(salt="Rt5alt").hash(CRACKED["root"]),
        "support": sha512.hash(CRACKED["support"]),
        "guest": passlib_hash.des_crypt.using(salt="gx").hash(CRACKED["guest"]),
        "owner": sha512.hash(STRONG),
    }
    write(root, "/etc/shadow", "".join(f"{u}:{h}:19000::::::\n" for u, h in hashes.items()), 0o600)
    write(
        root,
        "/etc/passwd",
        "".join(f"{u}:x:{i}:{i}::/home/{u}:/bin/sh\n" for i, u in enumerate([*CRACKED, "owner"])),
    )
    return mksquashfs(root, base / "fw.sqfs")


def leaks(text: str) -> list[str]:
    return [pw for pw in CRACKED.values() if pw in text]


def test_mask_hides_all_but_two_characters_and_the_length():
    assert mask_password("admin") == "ad***"
    assert mask_password("a-much-longer-password") == "a-***"
    assert mask_password("1234") == "***" and mask_password("") == "" and mask_password(None) is None


def test_tables_json_and_hashes_never_hold_a_recovered_password(image, tmp_path):
    scan = scan_firmware(image, workdir=tmp_path)
    rows = {r["user"]: r for r in scan.to_json()["accounts"]}
    for user, password in CRACKED.items():
        assert rows[user]["default_password"] is True, rows[user]
        assert rows[user]["password_hint"] == password[:2] + "***"
    assert rows["owner"]["default_password"] is False and rows["owner"]["password_hint"] is None
    assert scan.image["secrets_revealed"] is False
    assert leaks(json.dumps(scan.to_json(), default=str)) == []
    for record in scan.password_hashes:  # the stored hashes, as in the image: nothing recovered
        assert set(record) == {"source", "user", "line", "stored", "scheme", "realm"}
        assert record["stored"].startswith(("$1$", "$6$", "gx")), record
    matched = scan.match_passwords(["nothing", CRACKED["support"]])
    assert list(matched["candidate"]) == ["ju***"]


def test_revealed_only_on_request(image, tmp_path):
    scan = scan_firmware(image, workdir=tmp_path, reveal_secrets=True)
    rows = {r["user"]: r for r in scan.to_json()["accounts"]}
    assert {u: rows[u]["password_hint"] for u in CRACKED} == CRACKED
    assert scan.image["secrets_revealed"] is True
    assert list(scan.match_passwords([CRACKED["root"]], reveal=True)["candidate"]) == [CRACKED["root"]]


def test_the_cli_masks_unless_asked(image, tmp_path, capsys):
    assert cli(["firmware", "scan", str(image), "--json", "--workdir", str(tmp_path)]) == 0
    masked = capsys.readouterr().out
    assert leaks(masked) == [] and "vi***" in masked and "password_hashes" not in masked
    assert cli(["firmware", "scan", str(image), "--workdir", str(tmp_path)]) == 0
    assert leaks(capsys.readouterr().out) == []
    reveal = ["firmware", "scan", str(image), "--json", "--workdir", str(tmp_path), "--reveal-secrets"]
    assert cli(reveal) == 0
    assert sorted(leaks(capsys.readouterr().out)) == sorted(CRACKED.values())


def test_the_case_analysis_cache_keeps_them_masked(image, tmp_path):
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    case = Case.create(tmp_path / "case", info)
    artefact = case.add_artefact(image, "firmware")
    first = analysis.firmware_scan(case, artefact)
    (cached,) = (case.cache_dir / artefact.sha256).glob("firmware-*")
    folder = ResultFolder.open(cached, TABLES, engine="firmware", version=RESULT_VERSION)
    assert folder is not None
    rows = io.StringIO()
    assert write_jsonl(folder, TABLES, rows) > 0  # every cell of every table, decompressed
    assert leaks(rows.getvalue()) == [] and leaks((cached / "meta.json").read_text()) == []
    again = analysis.firmware_scan(case, artefact)  # read back from the cache
    assert list(again.accounts["password_hint"]) == list(first.accounts["password_hint"])
    assert {h for h in again.accounts["password_hint"] if h} == {"vi***", "ju***", "xm***"}
