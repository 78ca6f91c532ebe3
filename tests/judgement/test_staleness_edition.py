"""A verdict is stale when its requirement changed since the edition it was judged against, with the
fields `catalog diff` names; it stays current when only another requirement (or a mapping) changed.
Real bundled editions, and a lab's own catalogue written by the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from judgement_helpers import new_case

from workbench.case import Case
from workbench.catalog import load_catalog, requirement_sha256
from workbench.catalog.loader import EDITIONS_DIR
from workbench.cli import main
from workbench.judgement import judge, stale_reasons
from workbench.judgement import staleness as staleness_module
from workbench.judgement.staleness import requirement_change
from workbench.judgement.status import case_status, format_status
from workbench.notebook import open_check


def record_as(case: Case, requirement_id: str, edition: str, verdict: str = "PASS") -> None:
    """An inspector's verdict on the requirement as `edition` has it."""
    requirement = load_catalog(edition).get(requirement_id)
    case.verdicts.record(requirement_id, verdict, "examined", "alice", catalog_edition=edition,
                         requirement_sha256=requirement_sha256(requirement))  # fmt: skip


def lab_catalogue(path: Path, edition: str, *, criteria: dict[str, list[str]] | None = None,
                  mappings: dict[str, dict] | None = None) -> Path:  # fmt: skip
    """A lab's catalogue: bundled 2026.3 renamed `edition`, with pass criteria or mappings replaced."""
    data = yaml.safe_load((EDITIONS_DIR / "2026.3.yaml").read_text())
    data["edition"] = edition
    for requirement in data["requirements"]:
        if requirement["id"] in (criteria or {}):
            requirement["pass_criteria"] = criteria[requirement["id"]]
        if requirement["id"] in (mappings or {}):
            requirement["mappings"] = mappings[requirement["id"]]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


@pytest.fixture
def case_2026_1(tmp_path: Path) -> Case:
    case = new_case(tmp_path / "cam1", level=2)
    for rid in ("AUTH-02", "AUTH-03", "UPD-04", "COM-02"):
        record_as(case, rid, "2026.1", "FAIL" if rid == "UPD-04" else "PASS")
    return case


# --- real editions ---------------------------------------------------------------------------------
def test_a_new_edition_stales_exactly_the_verdicts_whose_requirement_it_amended(case_2026_1: Case) -> None:
    new = load_catalog("2026.2")  # amends AUTH-02, UPD-04 and ATK-08 in a parameter each
    reasons = {rid: stale_reasons(case_2026_1, new.get(rid), case_2026_1.verdicts.latest(rid), catalog=new)
               for rid in ("AUTH-02", "AUTH-03", "UPD-04", "COM-02")}  # fmt: skip
    assert reasons == {
        "AUTH-02": ["requirement changed in 2026.2: parameters.weak_schemes"],
        "AUTH-03": [],
        "UPD-04": ["requirement changed in 2026.2: parameters.update_tools"],
        "COM-02": [],
    }
    same = load_catalog("2026.1")
    assert all(not judge(case_2026_1, same.get(rid), None, catalog=same).stale for rid in reasons)


def test_criteria_change_stales_and_mapping_only_change_does_not(tmp_path: Path) -> None:
    case = new_case(tmp_path / "cam1", level=2)
    record_as(case, "AUTH-01", "2025.1")
    record_as(case, "AUTH-03", "2025.1")
    new = load_catalog("2026.1")  # AUTH-01: a pass criterion and a JC-STAR mapping; AUTH-03: the mapping only
    auth01 = judge(case, new.get("AUTH-01"), None, catalog=new)
    assert auth01.stale and auth01.stale_reasons == ("requirement changed in 2026.1: pass_criteria",)
    change = requirement_change(auth01.recorded, new.get("AUTH-01"), new, case)
    assert change is not None and change.fields == ["pass_criteria"]  # the mapping is no criterion
    (criteria,) = change.changes
    added = [c for c in criteria.new if c not in criteria.old]
    assert len(added) == 1 and "unique-per-device" in added[0]
    assert judge(case, new.get("AUTH-03"), None, catalog=new).stale_reasons == ()


def test_version_1_record_is_never_stale_by_a_requirement_change(tmp_path: Path) -> None:
    case = new_case(tmp_path / "cam1", level=2)
    folder = case.path / "verdicts" / "AUTH-02"
    folder.mkdir(parents=True)
    rid = "20251102T100000.000000Z-1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    (folder / f"{rid}.json").write_text(json.dumps({
        "schema_version": 1, "id": rid, "requirement_id": "AUTH-02", "verdict": "PASS", "rationale": "ok",
        "inspector": "alice", "recorded_at": "2025-11-02T10:00:00+00:00", "artefact_hashes": {},
    }))  # fmt: skip
    new = load_catalog("2026.2")
    state = judge(case, new.get("AUTH-02"), None, catalog=new)
    assert state.recorded is not None and state.recorded.requirement_sha256 is None
    assert not state.stale and state.stale_reasons == ()
    assert requirement_change(state.recorded, new.get("AUTH-02"), new, case) is None


# --- a lab's own catalogue -----------------------------------------------------------------------
def test_lab_edition_changing_one_requirement_stales_only_that_one(tmp_path: Path) -> None:
    lab1 = lab_catalogue(tmp_path / "lab-1.yaml", "lab-1")
    assert main(["case", "new", str(tmp_path / "cam1"), "--device", "IP camera", "--vendor", "Acme",
                 "--model", "C100", "--firmware-version", "2.1", "--level", "2",
                 "--catalog", str(lab1)]) == 0  # fmt: skip
    for rid in ("COM-02", "COM-01"):
        assert main(["case", "verdict", str(tmp_path / "cam1"), rid, "--verdict", "PASS",
                     "--rationale", "ok", "--inspector", "alice"]) == 0  # fmt: skip
    case = Case.open(tmp_path / "cam1")
    assert case.verdicts.latest("COM-02").catalog_edition == "lab-1"
    stricter = ["Every negotiated version is TLS 1.3.", "No cipher suite matches weak_cipher_patterns."]
    lab2 = load_catalog(lab_catalogue(tmp_path / "lab-2.yaml", "lab-2", criteria={"COM-02": stricter}))
    rows = {r["id"]: r for r in case_status(case, lab2)["requirements"]}
    assert rows["COM-02"]["stale_reasons"] == ["requirement changed in lab-2: pass_criteria"]
    assert rows["COM-02"]["requirement_change"]["fields"] == ["pass_criteria"]
    assert rows["COM-02"]["requirement_change"]["changes"][0]["new"] == stricter
    assert rows["COM-01"]["stale"] is False and rows["COM-01"]["requirement_change"] is None

    (tmp_path / "lab-1.yaml").unlink()  # the edition judged against is no longer at hand
    requirement = lab2.get("COM-02")
    assert stale_reasons(case, requirement, case.verdicts.latest("COM-02"), catalog=lab2) == [
        "requirement changed in lab-2 (judged against lab-1, which is not at hand to say which fields)"
    ]


def test_lab_edition_changing_only_a_mapping_stales_nothing(tmp_path: Path) -> None:
    lab1 = load_catalog(lab_catalogue(tmp_path / "lab-1.yaml", "lab-1"))
    remapped = lab1.get("COM-02").mappings.model_dump(mode="json") | {"ccds": ["2-1"]}
    lab2 = load_catalog(lab_catalogue(tmp_path / "lab-2.yaml", "lab-2", mappings={"COM-02": remapped}))
    assert lab2.get("COM-02").mappings != lab1.get("COM-02").mappings
    case = new_case(tmp_path / "cam1", level=2)
    case.verdicts.record("COM-02", "PASS", "ok", "alice", catalog_edition="lab-1",
                         requirement_sha256=requirement_sha256(lab1.get("COM-02")))  # fmt: skip
    assert judge(case, lab2.get("COM-02"), None, catalog=lab2).stale_reasons == ()


# --- the callers: notebook session, case status ------------------------------------------------------
def test_notebook_session_records_and_judges_against_its_catalogue(tmp_path: Path) -> None:
    case = new_case(tmp_path / "cam1", level=2)
    session = open_check(case.path, "AUTH-02", catalog="2026.1", interactive=False)
    record = session.record("PASS", "shadow holds sha512crypt only", "alice")
    assert record.catalog_edition == "2026.1"
    assert record.requirement_sha256 == requirement_sha256(load_catalog("2026.1").get("AUTH-02"))
    assert session.stale_reasons() == []
    later = open_check(case.path, "AUTH-02", catalog="2026.2", interactive=False)
    assert later.stale_reasons() == ["requirement changed in 2026.2: parameters.weak_schemes"]
    assert later.state().stale


def test_verdict_widget_records_the_edition_and_shows_the_change(tmp_path: Path) -> None:
    from workbench.ui import VerdictWidget
    from workbench.ui.verdict import render_recorded

    case = new_case(tmp_path / "cam1", level=2)
    widget = VerdictWidget(open_check(case.path, "UPD-04", catalog="2026.1"))
    widget.verdict.value, widget.rationale.value = "FAIL", "the image is not signed"
    widget.button.click()
    record = case.verdicts.latest("UPD-04")
    assert record is not None and record.catalog_edition == "2026.1"
    assert record.requirement_sha256 == requirement_sha256(load_catalog("2026.1").get("UPD-04"))
    html = render_recorded(open_check(case.path, "UPD-04", catalog="2026.2", interactive=False))
    assert "catalogue 2026.1" in html and "STALE" in html
    assert "requirement changed in 2026.2: parameters.update_tools" in html


def test_case_status_catalog_shows_what_the_new_edition_makes_stale(
    case_2026_1: Case, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["case", "status", str(case_2026_1.path), "--catalog", "2026.2", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["catalog_edition"] == "2026.2" and status["counts"]["requirement_changed"] == 2
    changed = {r["id"]: r["requirement_change"] for r in status["requirements"] if r["requirement_change"]}
    old, new = load_catalog("2026.1"), load_catalog("2026.2")
    assert changed == {
        "AUTH-02": {"judged_against": "2026.1", "judged_with": "2026.2",
                    "fields": ["parameters.weak_schemes"],
                    "changes": [{"field": "parameters.weak_schemes", "kind": "changed",
                                 "old": old.get("AUTH-02").parameters["weak_schemes"],
                                 "new": new.get("AUTH-02").parameters["weak_schemes"]}]},
        "UPD-04": {"judged_against": "2026.1", "judged_with": "2026.2",
                   "fields": ["parameters.update_tools"],
                   "changes": [{"field": "parameters.update_tools", "kind": "added", "old": None,
                                "new": new.get("UPD-04").parameters["update_tools"]}]},
    }  # fmt: skip
    assert main(["case", "status", str(case_2026_1.path), "--catalog", "2026.2"]) == 0
    table = capsys.readouterr().out
    assert "judged against catalogue 2026.2" in table and "2 by a requirement change" in table
    assert "Inspector verdicts were recorded against: 2026.1 (4)" in table
    assert "STALE: requirement changed in 2026.2: parameters.weak_schemes" in table
    assert 'parameters.weak_schemes: + ["htdigest"]' in table
    assert main(["case", "status", str(case_2026_1.path), "--catalog", "2026.1"]) == 0  # nothing stale
    assert "(0 stale)" in capsys.readouterr().out


def test_status_loads_the_judged_edition_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = new_case(tmp_path / "cam1", level=3)
    old = load_catalog("2025.1")
    for requirement in old.requirements:
        case.verdicts.record(requirement.id, "PASS", "ok", "alice", catalog_edition="2025.1",
                             requirement_sha256=requirement_sha256(requirement))  # fmt: skip
    loads: list[object] = []
    real = staleness_module.load_catalog
    monkeypatch.setattr(staleness_module, "load_catalog", lambda source: loads.append(source) or real(source))
    staleness_module._bundled.cache_clear()
    status = case_status(case, load_catalog("2026.4"))
    assert status["counts"]["requirement_changed"] >= 10
    # the judged edition, and each later one at most once to name the edition that changed a requirement
    assert loads[0] == "2025.1" and len(loads) == len(set(loads)) <= 5
    assert "Requirements changed since their verdicts" in format_status(status)
