"""What a verdict judged against: the requirement's hash (requirement/1) and the verdict record v2
(catalogue edition, requirement hash, carried_from), read back, and version 1 records still read."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from workbench.case import Case
from workbench.case.verdicts import RECORD_SCHEMA_VERSION
from workbench.catalog import REQUIREMENT_HASH_SCHEME, load_catalog, requirement_sha256
from workbench.cli import main
from workbench.errors import CaseError

V1_RECORD = {  # as workbench 0.1 wrote it, before records named their catalogue edition
    "schema_version": 1,
    "id": "20251102T100000.000000Z-1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "requirement_id": "AUTH-02",
    "verdict": "PASS",
    "rationale": "shadow holds sha512crypt only",
    "inspector": "alice",
    "recorded_at": "2025-11-02T10:00:00.000000+00:00",
    "evidence_refs": [],
    "artefact_hashes": {},
    "automatic_verdict": "PASS",
    "workbench_version": "0.1.0",
    "supersedes": None,
}


def write_v1(case: Case, record: dict = V1_RECORD) -> Path:
    folder = case.path / "verdicts" / record["requirement_id"]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['id']}.json"
    path.write_text(json.dumps(record))
    return path


# --- the requirement's hash ----------------------------------------------------------------------
def test_requirement_hash_is_sha256_of_canonical_json_without_mappings_or_translations() -> None:
    auth02 = load_catalog("2026.3").get("AUTH-02")
    data = auth02.model_dump(mode="json", exclude_defaults=True)
    assert data.pop("mappings"), "AUTH-02 maps to other standards: the test would prove nothing"
    assert data.pop("translations"), "AUTH-02 has a Japanese text: the test would prove nothing"
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert requirement_sha256(auth02) == hashlib.sha256(canonical.encode()).hexdigest()
    assert REQUIREMENT_HASH_SCHEME == "requirement/1"


def test_requirement_hash_ignores_mappings_and_follows_criteria_and_parameters() -> None:
    com02 = load_catalog("2026.3").get("COM-02")
    base = requirement_sha256(com02)
    mappings = com02.mappings.model_copy(update={"jc_star": ["S1.1-09"]})
    remapped = com02.model_copy(update={"mappings": mappings})
    assert requirement_sha256(remapped) == base
    reworded = com02.model_copy(update={"pass_criteria": [*com02.pass_criteria, "One more criterion."]})
    assert requirement_sha256(reworded) != base
    floor = com02.model_copy(update={"parameters": {**com02.parameters, "min_tls_version": "TLS 1.3"}})
    assert requirement_sha256(floor) != base


def test_bundled_editions_hash_as_catalog_diff_says() -> None:
    old, new = load_catalog("2025.1"), load_catalog("2026.1")
    # AUTH-03 gained only a JC-STAR mapping; AUTH-01 gained a pass criterion (`catalog diff 2025.1 2026.1`)
    assert old.get("AUTH-03").mappings != new.get("AUTH-03").mappings
    assert requirement_sha256(old.get("AUTH-03")) == requirement_sha256(new.get("AUTH-03"))
    assert requirement_sha256(old.get("AUTH-01")) != requirement_sha256(new.get("AUTH-01"))


# --- record version 2 ----------------------------------------------------------------------------
def test_record_carries_edition_hash_and_carried_from(case: Case) -> None:
    auth02 = load_catalog("2026.2").get("AUTH-02")
    carried = {"case": "../cam1-v2.1", "case_device": "Acme C100 2.1", "record": "r1", "verdict": "PASS",
               "inspector": "bob", "recorded_at": "2026-01-02T03:04:05+00:00", "catalog_edition": "2026.1",
               "requirement_sha256": requirement_sha256(auth02)}  # fmt: skip
    record = case.verdicts.record(
        "AUTH-02", "PASS", "checked", "alice", catalog_edition="2026.2",
        requirement_sha256=requirement_sha256(auth02).upper(), carried_from=carried,
    )  # fmt: skip
    on_disk = json.loads(record.path.read_text())
    assert on_disk["schema_version"] == RECORD_SCHEMA_VERSION == 2
    assert on_disk["catalog_edition"] == "2026.2"
    assert on_disk["requirement_sha256"] == requirement_sha256(auth02)
    assert on_disk["carried_from"] == carried
    again = case.verdicts.latest("AUTH-02")
    assert (again.catalog_edition, again.requirement_sha256, again.carried_from) == (
        "2026.2", requirement_sha256(auth02), carried
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"requirement_sha256": "abc123"}, "requirement_sha256 is not a SHA-256"),
        ({"requirement_sha256": "g" * 64}, "requirement_sha256 is not a SHA-256"),
        ({"catalog_edition": "  "}, "catalog_edition must be text"),
        ({"carried_from": ["not", "a", "mapping"]}, "carried_from must be a mapping"),
        ({"carried_from": {1: "x"}}, "carried_from must be a mapping with text keys"),
        ({"carried_from": {"record": object()}}, "carried_from is not plain JSON data"),
    ],
)
def test_record_refuses_bad_provenance(case: Case, extra: dict, message: str) -> None:
    with pytest.raises(CaseError, match=message):
        case.verdicts.record("AUTH-02", "PASS", "checked", "alice", **extra)
    assert case.verdicts.history("AUTH-02") == []


def test_version_1_record_still_reads(case: Case) -> None:
    write_v1(case)
    record = case.verdicts.latest("AUTH-02")
    assert record is not None and record.verdict == "PASS" and record.inspector == "alice"
    assert (record.catalog_edition, record.requirement_sha256, record.carried_from) == (None, None, None)
    assert case.verdicts.problems() == []
    newer = case.verdicts.record("AUTH-02", "FAIL", "htdigest found", "bob", catalog_edition="2026.2")
    assert newer.supersedes == V1_RECORD["id"]


def test_a_record_with_a_bad_hash_on_disk_is_reported_not_read(case: Case) -> None:
    write_v1(case, {**V1_RECORD, "schema_version": 2, "requirement_sha256": "not-a-hash"})
    assert case.verdicts.latest("AUTH-02") is None
    (problem,) = case.verdicts.problems()
    assert "unreadable record" in problem and "requirement_sha256" in problem


# --- `workbench case verdict` records what it judged against ---------------------------------------
def test_case_verdict_records_the_edition_and_hash_of_the_catalogue_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cam = tmp_path / "cam1"
    assert main(["case", "new", str(cam), "--device", "IP camera", "--vendor", "Acme", "--model", "C100",
                 "--firmware-version", "2.1", "--level", "2",
                 "--catalog-edition", "2026.1"]) == 0  # fmt: skip
    assert main(["case", "verdict", str(cam), "AUTH-02", "--verdict", "PASS", "--rationale", "ok",
                 "--inspector", "alice"]) == 0  # fmt: skip
    assert main(["case", "verdict", str(cam), "UPD-04", "--verdict", "FAIL", "--rationale", "unsigned",
                 "--inspector", "alice", "--catalog", "2026.2"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "judged against catalogue 2026.1" in out and "judged against catalogue 2026.2" in out
    store = Case.open(cam).verdicts
    auth02, upd04 = store.latest("AUTH-02"), store.latest("UPD-04")
    assert auth02.catalog_edition == "2026.1"
    assert auth02.requirement_sha256 == requirement_sha256(load_catalog("2026.1").get("AUTH-02"))
    assert upd04.catalog_edition == "2026.2"
    assert upd04.requirement_sha256 == requirement_sha256(load_catalog("2026.2").get("UPD-04"))
    assert upd04.requirement_sha256 != requirement_sha256(load_catalog("2026.1").get("UPD-04"))
