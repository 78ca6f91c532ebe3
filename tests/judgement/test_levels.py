"""The roll-up per level on real requirement states: real checks on a real capture, recorded verdicts."""

from __future__ import annotations

from judgement_helpers import PCAP, SECOND_PCAP, states

from workbench.judgement import evidence_to_add, level_results

IDS = ["COM-01", "VULN-01", "UPD-03", "AUTH-01", "COM-03", "ATK-05"]  # levels 1, 1, 1, 1, 2, 3


def record(case, catalog, rid: str, verdict: str) -> None:
    requirement = catalog.get(rid)
    case.verdicts.record(rid, verdict, "examined", "alice",
                         artefact_hashes=case.judged_hashes(requirement.evidence, rid))


def test_a_current_fail_fails_its_level_and_every_higher_one(case, catalog) -> None:
    case.add_artefact(PCAP, "capture")
    judged = states(case, catalog, IDS)
    assert (judged["COM-01"].verdict, judged["COM-01"].source) == ("FAIL", "automatic")
    levels = level_results(list(judged.values()), 3)
    assert [levels[n]["result"] for n in (1, 2, 3)] == ["FAIL", "FAIL", "FAIL"]
    assert levels[1]["failed"] == ["COM-01"] and levels[1]["requirements"] == 4
    pending = {p["id"]: p["why"] for p in levels[1]["pending"]}
    assert pending["VULN-01"] == "an inspector's verdict is needed"
    assert pending["AUTH-01"] == "missing evidence: firmware"  # automatic, INCONCLUSIVE without it
    assert evidence_to_add(list(judged.values())) == {
        "declaration": ["VULN-01", "UPD-03"], "firmware": ["AUTH-01", "ATK-05"]
    }


def test_inspector_verdicts_decide_and_a_stale_one_reopens_the_level(case, catalog) -> None:
    case.add_artefact(PCAP, "capture")
    for rid in ("COM-01", "VULN-01", "UPD-03", "AUTH-01"):
        record(case, catalog, rid, "PASS")
    record(case, catalog, "COM-03", "NOT_APPLICABLE")
    levels = level_results(list(states(case, catalog, IDS).values()), 3)
    assert (levels[1]["result"], levels[1]["passed"]) == ("PASS", 4)
    assert levels[2]["result"] == "PASS"
    assert levels[3]["result"] == "INCOMPLETE"  # ATK-05: no firmware
    assert [p["id"] for p in levels[3]["pending"]] == ["ATK-05"]

    case.add_artefact(SECOND_PCAP, "capture")  # the PASS on COM-01 did not see this capture
    levels = level_results(list(states(case, catalog, IDS).values()), 1)
    assert levels[1]["result"] == "INCOMPLETE" and levels[1]["passed"] == 3
    (stale,) = levels[1]["pending"]
    assert stale["id"] == "COM-01" and "stale" in stale["why"]


def test_a_check_that_raises_is_error_and_pending_in_the_roll_up(case, catalog, monkeypatch) -> None:
    from workbench.judgement import state

    def broken(rid: str):
        raise RuntimeError(f"deliberate failure of {rid}")

    monkeypatch.setattr(state, "run_check", lambda ctx: broken(ctx.requirement.id))
    judged = states(case, catalog, ["COM-01"])
    assert (judged["COM-01"].verdict, judged["COM-01"].source) == ("ERROR", "error")
    assert judged["COM-01"].error == "RuntimeError: deliberate failure of COM-01"
    (pending,) = level_results(list(judged.values()), 1)[1]["pending"]
    assert pending["why"] == "error: RuntimeError: deliberate failure of COM-01"
