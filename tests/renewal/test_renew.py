"""`renew_case`, the plan and `carry_verdicts` on real cases: nothing is copied without a new record,
each offer is checked again when it is carried, and the reasons are given in words."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from cli_invoke import invoke_with
from corpus_captures import CORPUS
from renewal_helpers import DNS, VERDICTS, record

from workbench.case import Case
from workbench.catalog.loader import EDITIONS_DIR
from workbench.errors import CaseError
from workbench.probe.results import ProbeResults
from workbench.renewal.confirm import carry_verdicts
from workbench.renewal.plan import load_plan, plan_frame, plan_html
from workbench.renewal.renew import PROBE_NOTE, renew_case


def plans(case: Case) -> dict[str, tuple[str, str]]:
    plan = load_plan(case)
    assert plan is not None
    return {i["id"]: (i["plan"], i["reason"]) for i in plan["requirements"] if i["id"] in VERDICTS}


def verdict_files(case: Case) -> list[Path]:
    return sorted((case.path / "verdicts").rglob("*.json"))


def test_renew_copies_no_verdict_and_carry_records_each_as_a_new_record(old_case, images, tmp_path):
    before = {p: p.read_bytes() for p in verdict_files(old_case)}
    new = renew_case(old_case, tmp_path / "cam-2.2", firmware=[images["motd"]], firmware_version="2.2")
    assert verdict_files(new) == [] and new.verdicts.requirement_ids() == []
    assert new.info.firmware_version == "2.2" and new.info.catalog_edition == old_case.info.catalog_edition
    carried = {a.name: a.sha256 for a in new.artefacts()}
    old_hashes = {a.name: a.sha256 for a in old_case.artefacts()}
    assert carried["traffic.pcap"] == old_hashes["traffic.pcap"]  # carried over by hash
    assert "fw.img" not in carried and len(new.artefacts(kind="firmware")) == 1  # replaced by the image given
    assert new.declaration_sha256() == old_case.declaration_sha256()
    assert {rid: p for rid, (p, _) in plans(new).items()} == dict.fromkeys(VERDICTS, "carry-offered")

    done = carry_verdicts(new, None, "bob")
    assert done.refused == {} and sorted(r.requirement_id for r in done) == sorted(VERDICTS)
    for made in done:
        source = old_case.verdicts.latest(made.requirement_id)
        assert made.path is not None and made.path.parent.parent == new.path / "verdicts"
        assert made.inspector == "bob"
        assert (made.verdict, made.rationale) == (source.verdict, source.rationale)
        assert made.carried_from["record"] == source.id and made.carried_from["inspector"] == "alice"
        assert made.carried_from["case"] == os.path.relpath(old_case.path, new.path)
        assert made.requirement_sha256
        assert made.carried_from["case_absolute"] == str(old_case.path)
        assert made.id != source.id and new.verdicts.latest(made.requirement_id) == made
    fw = new.artefacts(kind="firmware")[0]
    assert done_by(done, "AUTH-02").artefact_hashes[fw.name] == fw.sha256
    assert done_by(done, "AUTH-02").evidence_refs[0]["sha256"] == fw.sha256  # the cited path, new image
    assert {p: p.read_bytes() for p in verdict_files(old_case)} == before  # the old case untouched
    again = carry_verdicts(new, None, "bob")
    assert list(again) == [] and set(again.already) == set(VERDICTS)  # recorded once


def done_by(done, rid):
    return next(r for r in done if r.requirement_id == rid)


def test_a_changed_image_whose_cited_file_is_unchanged_carries_and_a_changed_cited_file_is_redone(
    old_case, images, tmp_path
):
    new = renew_case(old_case, tmp_path / "cam-2.2", firmware=[images["inittab"]], firmware_version="2.2")
    planned = plans(new)
    assert planned["AUTH-02"][0] == "carry-offered"  # /etc/shadow and the accounts unchanged
    assert "cited paths and what the check reads unchanged" in planned["AUTH-02"][1]
    assert planned["ATK-08"][0] == "redo" and "/etc/inittab changed in " in planned["ATK-08"][1]
    assert planned["COM-01"][0] == "carry-offered" and "traffic.pcap unchanged" in planned["COM-01"][1]
    done = carry_verdicts(new, ["ATK-08", "AUTH-02"], "bob")
    assert [r.requirement_id for r in done] == ["AUTH-02"]
    assert done.refused["ATK-08"].startswith("the plan offers no verdict to carry (redo: ")


def test_a_changed_capture_is_redone(old_case, tmp_path):
    new = renew_case(old_case, tmp_path / "cam-2.2", captures=[DNS])
    planned = plans(new)
    assert planned["COM-01"] == ("redo", "traffic.pcap changed: replaced by zeek__dns53.pcap")
    assert planned["AUTH-02"][0] == planned["UPD-03"][0] == "carry-offered"  # image, declaration as they were


def test_a_requirement_whose_text_changed_is_redone(old_case, tmp_path):
    data = yaml.safe_load((EDITIONS_DIR / f"{old_case.info.catalog_edition}.yaml").read_text())
    data["edition"] = "2027.1"
    upd03 = next(r for r in data["requirements"] if r["id"] == "UPD-03")
    upd03["pass_criteria"] = [*upd03["pass_criteria"], "The policy states how long updates are provided."]
    lab = tmp_path / "lab-2027.1.yaml"
    lab.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    new = renew_case(old_case, tmp_path / "cam-2027", catalog=lab)
    assert new.info.catalog_edition == "2027.1"
    planned = plans(new)
    assert planned["UPD-03"] == ("redo", "requirement changed in 2027.1: pass_criteria")
    assert {rid for rid, (p, _) in planned.items() if p == "carry-offered"} == {"COM-01", "AUTH-02", "ATK-08"}


def test_carry_checks_each_offer_again_against_the_cases_as_they_are_now(old, images, tmp_path):
    new = renew_case(old, tmp_path / "cam-2.2", firmware=[images["motd"]], firmware_version="2.2")
    record(old, "COM-01", "PASS", "the credentials were a test account")  # after the plan
    record(new, "UPD-03", "FAIL", "the policy link is dead")  # the new case's own verdict
    done = carry_verdicts(new, ["COM-01", "UPD-03", "AUTH-02"], "bob")
    assert [r.requirement_id for r in done] == ["AUTH-02"]
    assert done.refused["COM-01"].startswith("the old case's verdict changed since the plan")
    assert f"re-plan it with `workbench case renew --update {new.path}`" in done.refused["COM-01"]
    assert "carrying would supersede it" in done.refused["UPD-03"]
    shutil.move(old.path, tmp_path / "moved")
    gone = carry_verdicts(new, ["ATK-08"], "bob")
    assert list(gone) == [] and gone.refused["ATK-08"].startswith("the old case cannot be found (")
    assert gone.refused["ATK-08"].endswith("name it with --old OLD")


def test_the_commands_renew_carry_and_their_exit_codes(old_case, images, tmp_path):
    new = tmp_path / "cam-2.2"
    image = str(images["inittab"])
    done = invoke_with({}, "case", "renew", str(old_case.path), str(new), "--firmware", image,
                       "--firmware-version", "2.2", "--inspector", "carol")  # fmt: skip
    assert done.code == 0, done.err
    assert "nothing was copied" in done.out and "workbench case carry" in done.out
    renewed = Case.open(new)
    assert renewed.info.inspectors == ["alice", "carol"] and renewed.verdicts.requirement_ids() == []
    assert invoke_with({}, "case", "carry", str(new), "--inspector", "bob").code == 2  # neither ids nor --all
    refused = invoke_with({}, "case", "carry", str(new), "ATK-08", "--inspector", "bob")
    assert refused.code == 1 and "refused ATK-08: the plan offers no verdict" in refused.out
    carried = invoke_with({}, "case", "carry", str(new), "--all", "--inspector", "bob")
    assert carried.code == 0 and "carried COM-01: FAIL, confirmed by bob" in carried.out
    plan = json.loads((new / "renewal.json").read_text())
    assert plan["format"] == 1 and plan["from"]["case_absolute"] == str(old_case.path)
    assert plan["from"]["case"] == os.path.relpath(old_case.path, new)
    assert invoke_with({}, "case", "renew", str(old_case.path), str(new)).code == 2  # not an empty folder


def test_the_overview_s_plan_and_a_plan_file_that_is_not_one(old_case, images, tmp_path):
    assert plan_html(old_case) is None  # no renewal: the overview shows nothing
    new = renew_case(old_case, tmp_path / "cam-2.2", firmware=[images["inittab"]], firmware_version="2.2")
    carry_verdicts(new, ["COM-01"], "bob")
    frame = plan_frame(new)
    decided = frame[frame["old verdict"] != ""]
    assert list(decided["id"]) == ["AUTH-02", "UPD-03", "COM-01", "ATK-08"]  # offered first, then redo
    assert dict(zip(decided["id"], decided["carried by"], strict=True))["COM-01"] == "bob"
    html = plan_html(new)
    assert "Renewal plan" in html and "ATK-08" in html and "/etc/inittab changed in" in html
    (new.path / "renewal.json").write_text('{"format": 1, "from": {"case": 3}, "requirements": []}')
    with pytest.raises(CaseError, match="not a renewal plan: 'from' must name the old case"):
        load_plan(new)


def test_what_the_live_probe_made_stays_with_new_captures_and_goes_with_a_new_firmware(old, images, tmp_path):
    results = ProbeResults(target="127.0.0.1", profile="quick", started="2026-12-06T00:00:00+00:00")
    results.write(tmp_path / "probe.json")
    probed = CORPUS / "zeek__ssh_single-conn.pcap"  # the lab's own traffic to the device
    old.import_artefact(probed, "capture", "probe-traffic.pcap", origin="probe")
    old.import_artefact(tmp_path / "probe.json", "probe", origin="probe")
    kept = renew_case(old, tmp_path / "new-capture", captures=[DNS])
    assert {a.name for a in kept.artefacts() if a.origin == "probe"} == {"probe-traffic.pcap", "probe.json"}
    assert [a.name for a in kept.artefacts() if a.evidence_kind == "capture"] == ["zeek__dns53.pcap"]
    gone = renew_case(old, tmp_path / "new-firmware", firmware=[images["motd"]], firmware_version="2.2")
    assert [a for a in gone.artefacts() if a.origin == "probe"] == []
    said = {a["name"]: a["reason"] for a in load_plan(gone)["artefacts"] if not a["carried"]}
    assert said["probe.json"] == said["probe-traffic.pcap"] == PROBE_NOTE


def test_the_labels_the_notebook_widget_records_are_read_as_cited_paths(old, images, tmp_path):
    """A verdict recorded in the notebook cites its evidence by label ("fw.img · /etc/inittab"): the carry
    rule reads the image path from it, and the carried record points the label at the new image."""
    from workbench.notebook import open_check

    session = open_check(old.path, "ATK-08")
    session.record("PASS", "the console asks for a login", "carol", ["fw.img · /etc/inittab", "photo of J3"])
    redone = plans(renew_case(old, tmp_path / "inittab", firmware=[images["inittab"]], firmware_version="2"))
    assert redone["ATK-08"][0] == "redo" and "/etc/inittab changed in " in redone["ATK-08"][1]
    kept = renew_case(old, tmp_path / "motd", firmware=[images["motd"]], firmware_version="2.2")
    assert plans(kept)["ATK-08"][0] == "carry-offered"
    done = carry_verdicts(kept, ["ATK-08"], "bob")
    fw = kept.artefacts(kind="firmware")[0]
    assert list(done[0].evidence_refs) == [f"{fw.name} · /etc/inittab", "photo of J3"]


def test_a_declaration_reissued_for_the_new_version_carries_and_a_changed_claim_is_redone(old, tmp_path):
    """The declaration differs: a verdict is redone only when a field its check reads changed."""
    from renewal_helpers import DECLARATION

    reissued = tmp_path / "reissued.yaml"
    reissued.write_text(DECLARATION + "firmware_version: '2.2'\ndeclared_on: 2026-02-20\n")
    kept = plans(renew_case(old, tmp_path / "reissued", declaration=reissued))["UPD-03"]
    assert kept[0] == "carry-offered", kept
    said = "the declaration changed only in declared_on, firmware_version, which the check does not read"
    assert said in kept[1]
    claim = tmp_path / "claim.yaml"
    claim.write_text(DECLARATION.replace("2030-12-31", "2027-06-30"))
    redone = plans(renew_case(old, tmp_path / "claim", declaration=claim))["UPD-03"]
    assert redone == ("redo", "the declaration changed: support_period")


def test_a_carried_verdict_says_where_it_came_from_in_case_status_and_the_notebook(old_case, images,
                                                                                  tmp_path):
    from workbench.catalog import load_catalog
    from workbench.judgement.status import case_status, format_status
    from workbench.notebook import open_check
    from workbench.ui.verdict import render_recorded

    new = renew_case(old_case, tmp_path / "cam-2.2", firmware=[images["motd"]], firmware_version="2.2")
    assert [r.requirement_id for r in carry_verdicts(new, ["UPD-03"], "bob")] == ["UPD-03"]
    status = case_status(new, load_catalog(new.info.catalog_edition), 3)
    row = next(r for r in status["requirements"] if r["id"] == "UPD-03")
    source = row["carried_from"]
    assert source["inspector"] == "alice" and source["case_device"] == "Acme C100 2.1"
    table = format_status(status)
    assert "by bob " in table and "(carried over from Acme C100 2.1, alice's)" in table
    panel = render_recorded(open_check(new.path, "UPD-03"))
    assert "Carried over from" in panel and "Acme C100 2.1: PASS by alice" in panel
