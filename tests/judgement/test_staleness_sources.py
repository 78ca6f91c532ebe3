"""Staleness from what a verdict names beyond its requirement's evidence kinds: the edition that changed
its requirement (named precisely), the files its inspector cites, and, for a verdict carried over from
another case, whether its source still stands there."""

from __future__ import annotations

from pathlib import Path

from judgement_helpers import PCAP, SECOND_PCAP, new_case

from workbench.case import Case
from workbench.catalog import load_catalog, requirement_sha256
from workbench.cli import main
from workbench.judgement import stale_reasons


def record(case: Case, rid: str, verdict: str, edition: str = "2026.4", **more) -> object:
    requirement = load_catalog(edition).get(rid)
    return case.verdicts.record(rid, verdict, "examined", "alice", catalog_edition=edition,
                                requirement_sha256=requirement_sha256(requirement), **more)  # fmt: skip


def test_the_edition_that_changed_the_requirement_is_named_not_only_the_one_judged_with(tmp_path: Path):
    case = new_case(tmp_path / "cam")
    recorded = record(case, "AUTH-02", "PASS", "2026.1")
    later, older = load_catalog("2026.4"), load_catalog("2025.1")
    assert stale_reasons(case, later.get("AUTH-02"), recorded, catalog=later) == [
        "requirement changed in 2026.2 (judged against 2026.1, now 2026.4): parameters.weak_schemes"
    ]
    judged_2026 = record(case, "AUTH-01", "PASS", "2026.1")  # AUTH-01's criteria changed in 2026.1
    got = stale_reasons(case, older.get("AUTH-01"), judged_2026, catalog=older)
    assert len(got) == 1 and got[0].startswith("requirement changed in 2025.1, an older edition than 2026.1")


def test_an_artefact_the_inspector_cites_is_recorded_and_its_change_makes_the_verdict_stale(tmp_path: Path):
    case = new_case(tmp_path / "cam")
    capture = case.add_artefact(PCAP, "capture", "traffic.pcap")
    case.add_artefact(SECOND_PCAP, "capture", "dns.pcap")
    # ATK-08 judges the inspector's own look at the unit: no evidence kind of the case's; the citation counts
    assert main(["case", "verdict", str(case.path), "ATK-08", "--verdict", "PASS", "--rationale", "no UART",
                 "--inspector", "alice", "--evidence", "traffic.pcap · packet 12"]) == 0  # fmt: skip
    recorded = case.verdicts.latest("ATK-08")
    assert recorded.artefact_hashes == {"traffic.pcap": capture.sha256}
    requirement = load_catalog().get("ATK-08")
    assert stale_reasons(case, requirement, recorded, catalog=load_catalog()) == []
    capture.path.chmod(0o644)
    capture.path.write_bytes(capture.path.read_bytes()[:-1])  # evidence modified in place
    got = stale_reasons(case, requirement, recorded, catalog=load_catalog())
    assert got == ["traffic.pcap changed or is gone"]


def test_a_carried_verdict_goes_stale_when_its_source_is_superseded_in_the_old_case(tmp_path: Path):
    old, new = new_case(tmp_path / "cam-2.1"), new_case(tmp_path / "cam-2.2")
    source = record(old, "UPD-03", "PASS")
    carried_from = {"case": "../cam-2.1", "case_device": "Acme C100 2.1", "record": source.id,
                    "verdict": "PASS", "inspector": "alice"}  # fmt: skip
    carried = record(new, "UPD-03", "PASS", carried_from=carried_from)
    requirement, catalog = load_catalog().get("UPD-03"), load_catalog()
    assert stale_reasons(new, requirement, carried, catalog=catalog) == []
    record(old, "UPD-03", "FAIL")  # the old case's inspector withdrew it
    (reason,) = stale_reasons(new, requirement, carried, catalog=catalog)
    assert reason.startswith("the verdict it was carried from was superseded in Acme C100 2.1: FAIL by alice")
    (tmp_path / "cam-2.1").rename(tmp_path / "elsewhere")  # the old case not at hand: nothing can be said
    assert stale_reasons(new, requirement, carried, catalog=catalog) == []
