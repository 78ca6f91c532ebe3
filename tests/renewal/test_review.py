"""What a new user's review of `case compare|renew|carry` found, on real cases through the command line:
a carry whose source the old case superseded, files given to renew that are not added, an image that
cannot be unpacked, cases that move, an outdated plan, and the messages."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from cli_invoke import invoke_with
from renewal_helpers import DECLARATION, HTTP_AUTH, new_case, record

from workbench.case import Case
from workbench.renewal.plan import load_plan


def cli(*argv: str):
    return invoke_with({}, *map(str, argv))


def renewed(old: Case, images: dict[str, Path], target: Path, image: str = "motd") -> Path:
    done = cli("case", "renew", old.path, target, "--firmware", images[image], "--firmware-version", "2.2")
    assert done.code == 0, done.err
    return target


def rows(old: Path, new: Path, *more: str) -> dict[str, dict]:
    done = cli("case", "compare", old, new, "--json", *more)
    assert done.code == 0, done.err
    return {r["id"]: r for r in json.loads(done.out)["requirements"]}


def test_a_carry_whose_source_was_superseded_is_refused_shown_redo_and_update_replans(old, images, tmp_path):
    new = renewed(old, images, tmp_path / "cam-2.2")
    carried = cli("case", "carry", new, "ATK-08", "COM-01", "--inspector", "bob")
    assert carried.code == 0, carried.out
    source = old.verdicts.latest("ATK-08").id
    assert rows(old.path, new)["ATK-08"]["carry"] == "carried"
    later = record(old, "ATK-08", "FAIL", "the console opens a root shell after all")
    again = cli("case", "carry", new, "ATK-08", "--inspector", "bob")
    assert again.code == 1 and "nothing recorded again" not in again.out
    when = later.recorded_at.date().isoformat()
    said = (f"refused ATK-08: the verdict it was carried from (record {source}) was superseded in the old "
            f"case by FAIL of alice on {when}: judge it again, or renew again")
    assert said in again.out and "workbench case renew --update" in again.out
    compared = cli("case", "compare", old.path, new)
    table = {line.split()[0]: line for line in compared.out.splitlines() if line[:3] in ("ATK", "COM")}
    assert " redo " in table["ATK-08"] and "the verdict it was carried from (record" in table["ATK-08"]
    assert " carried " in table["COM-01"] and "confirmed by bob" in table["COM-01"]
    data = json.loads(cli("case", "compare", old.path, new, "--json").out)
    assert data["summary"]["carry"]["carried"] == 1 and data["summary"]["carry"]["redo"] >= 1

    mixed = cli("case", "renew", "--update", new, "--firmware", images["motd"])
    assert mixed.code == 2 and "--update re-plans NEW as it is: --firmware cannot go with it" in mixed.err
    updated = cli("case", "renew", "--update", new)
    assert updated.code == 0, updated.err
    plan = load_plan(Case.open(new))
    offer = next(i for i in plan["requirements"] if i["id"] == "ATK-08")
    assert offer["plan"] == "carry-offered" and offer["old_record"]["id"] == later.id
    assert plan["updated_at"] and plan["created_at"] and [a["name"] for a in plan["artefacts"]]
    redone = cli("case", "carry", new, "atk-08", "--inspector", "bob")  # ids are case-normalised
    assert redone.code == 0 and "carried ATK-08: FAIL, confirmed by bob" in redone.out, redone.out
    assert Case.open(new).verdicts.latest("ATK-08").carried_from["record"] == later.id
    assert rows(old.path, new)["ATK-08"]["carry"] == "carried"


def test_renew_refuses_given_files_it_would_not_add_and_a_new_image_without_its_version(old_case, images,
                                                                                        tmp_path):
    target = tmp_path / "cam-2.2"
    same = cli("case", "renew", old_case.path, target, "--firmware", HTTP_AUTH, "--firmware-version", "2.2")
    assert same.code == 2 and "same SHA-256 as traffic.pcap" in same.err and not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # nothing left half-built
    unsaid = cli("case", "renew", old_case.path, target, "--firmware", images["motd"])
    assert unsaid.code == 2 and "say which version the new image is: --firmware-version V" in unsaid.err
    assert not target.exists()
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(DECLARATION + "firmware_version: '2.2.1'\n")
    done = cli("case", "renew", old_case.path, target, "--firmware", images["motd"],
               "--declaration", declaration)
    assert done.code == 0, done.err
    assert Case.open(target).info.firmware_version == "2.2.1"
    itself = cli("case", "renew", old_case.path, old_case.path)
    assert itself.code == 2 and "that is the old case itself" in itself.err


def test_an_image_nothing_could_be_unpacked_of_is_said_not_extracted_not_changed(old_case, tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes((i * 7919 + 13) % 251 for i in range(200_000)))  # no known format
    target = tmp_path / "cam-2.2"
    done = cli("case", "renew", old_case.path, target, "--firmware", junk, "--firmware-version", "2.2")
    assert done.code == 0, done.err
    assert "warning: junk.bin: nothing of the image could be unpacked" in done.err
    plan = {i["id"]: i for i in load_plan(Case.open(target))["requirements"]}
    assert plan["AUTH-02"]["plan"] == "redo" and "junk.bin not extracted" in plan["AUTH-02"]["reason"]
    assert "changed in" not in plan["AUTH-02"]["reason"]
    compared = cli("case", "compare", old_case.path, target)
    assert "warning: junk.bin: nothing of the image could be unpacked" in compared.err


def test_cases_that_move_together_still_carry_and_carry_old_names_a_moved_old_case(old, images, tmp_path):
    new = renewed(old, images, tmp_path / "cam-2.2")
    origin = load_plan(Case.open(new))["from"]
    assert origin["case"] == "../cam-2.1" and origin["case_absolute"] == str(old.path)
    assert (origin["vendor"], origin["model"], origin["firmware_version"]) == ("Acme", "C100", "2.1")
    assert "serial_number" in origin
    moved = tmp_path / "archive"
    moved.mkdir()
    for case in (old.path, new):
        shutil.move(case, moved / case.name)
    together = cli("case", "carry", moved / "cam-2.2", "COM-01", "--inspector", "bob")
    assert together.code == 0 and "carried COM-01" in together.out, together.out
    shutil.move(moved / "cam-2.1", tmp_path / "elsewhere")
    lost = cli("case", "carry", moved / "cam-2.2", "AUTH-02", "--inspector", "bob")
    assert lost.code == 1 and "the old case cannot be found" in lost.out and "--old OLD" in lost.out
    other = new_case(tmp_path / "other", vendor="Globex")
    wrong = cli("case", "carry", moved / "cam-2.2", "AUTH-02", "--inspector", "bob", "--old", other.path)
    assert wrong.code == 2 and "another device: vendor 'Globex'" in wrong.err
    twin = new_case(tmp_path / "twin")  # the same device, without the records the plan offers
    empty = cli("case", "carry", moved / "cam-2.2", "AUTH-02", "--inspector", "bob", "--old", twin.path)
    assert empty.code == 2 and "it holds no record" in empty.err
    found = cli("case", "carry", moved / "cam-2.2", "AUTH-02", "--inspector", "bob",
                "--old", tmp_path / "elsewhere")
    assert found.code == 0 and "carried AUTH-02" in found.out, found.out


def test_the_report_shows_case_paths_relative_below_here_and_as_given_elsewhere(old_case, tmp_path,
                                                                               monkeypatch):
    here = tmp_path / "here"
    copy = new_case(here / "cases" / "cam", capture=HTTP_AUTH)
    monkeypatch.chdir(here)
    data = json.loads(cli("case", "compare", old_case.path, copy.path, "--json").out)
    assert data["new"]["path"] == os.path.join("cases", "cam") and data["old"]["path"] == str(old_case.path)
    beside = os.path.relpath(old_case.path, here)  # above the current folder: as given, not expanded
    page = here / "compare.html"
    assert cli("case", "compare", beside, "cases/cam", "--out", page).code == 0
    html = page.read_text()
    assert f">{beside}</dd>" in html and str(old_case.path) not in html


def test_the_messages_of_carry_and_compare(old_case, images, tmp_path):
    new = renewed(old_case, images, tmp_path / "cam-2.2")
    neither = cli("case", "carry", new, "--inspector", "bob")
    assert neither.code == 2 and "name the requirements to carry, or --all" in neither.err
    assert "(not both)" not in neither.err
    both = cli("case", "carry", new, "COM-01", "--all", "--inspector", "bob")
    assert both.code == 2 and "(not both)" in both.err
    unknown = cli("case", "carry", new, "NOPE-99", "--inspector", "bob")
    assert unknown.code == 2 and "unknown requirement id: NOPE-99" in unknown.err
    bare = new_case(tmp_path / "bare", capture=HTTP_AUTH)  # the same device, no firmware at all
    gone = rows(old_case.path, bare.path)
    assert "fw.img is not in the new case" in gone["AUTH-02"]["carry_reason"]
    assert "no single image" not in gone["AUTH-02"]["carry_reason"]
    other = new_case(tmp_path / "other", vendor="Globex", model="G1")
    warned = cli("case", "compare", old_case.path, other.path, "--json", "--out", tmp_path / "page.html")
    assert warned.code == 0 and "warning: the two cases are of different devices (vendor 'Acme' → 'Globex'" \
        in warned.err
    assert json.loads(warned.out)["warnings"][0].startswith("the two cases are of different devices")
    assert "different devices (vendor" in (tmp_path / "page.html").read_text()
    itself = cli("case", "compare", old_case.path, old_case.path)
    assert itself.code == 0 and "the same case folder compared with itself" in itself.err


def test_the_why_column_names_the_fixed_or_new_finding_and_wide_shows_reasons_uncut(old_case, tmp_path):
    fixed = new_case(tmp_path / "dns", capture=None)  # no capture: nothing of COM-01's defect is left
    record(fixed, "COM-01", "PASS", "the credentials are gone")
    data = rows(old_case.path, fixed.path)
    assert data["COM-01"]["status"] == "fixed"
    first = data["COM-01"]["fixed_findings"][0]["summary"]
    narrow = cli("case", "compare", old_case.path, fixed.path)
    line = next(x for x in narrow.out.splitlines() if x.startswith("COM-01"))
    assert len(first) > 90 and first[:60] in line and line.endswith("…") and first not in narrow.out
    wide = cli("case", "compare", old_case.path, fixed.path, "--wide")
    assert first in next(x for x in wide.out.splitlines() if x.startswith("COM-01"))
