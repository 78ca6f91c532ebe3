"""The overall result per level, as pure logic."""

from __future__ import annotations

from workbench.batch.summary import CheckRow
from workbench.judgement import evidence_to_add, level_results
from workbench.sealed.source import safe_member as _safe_member


def row(rid: str, level: int, verdict: str, *, stale: bool = False, missing=()) -> CheckRow:
    return CheckRow(id=rid, title=rid, level=level, automation="automatic", verdict=verdict,
                    verdict_source="automatic", stale=stale, missing_evidence=list(missing))


def test_a_level_passes_only_when_everything_up_to_it_passes_or_does_not_apply():
    rows = [row("A-1", 1, "PASS"), row("A-2", 1, "NOT_APPLICABLE"), row("B-1", 2, "PENDING")]
    levels = level_results(rows, 3)
    assert levels[1]["result"] == "PASS" and levels[1]["passed"] == 2
    assert levels[2]["result"] == "INCOMPLETE" and levels[2]["pending"][0]["id"] == "B-1"
    assert levels[3]["result"] == "INCOMPLETE" and levels[3]["requirements"] == 3


def test_any_current_fail_fails_the_level_and_every_higher_one():
    levels = level_results([row("A-1", 1, "FAIL"), row("B-1", 2, "PASS"), row("A-2", 1, "ERROR")], 2)
    assert levels[1]["result"] == levels[2]["result"] == "FAIL"
    assert levels[1]["failed"] == ["A-1"]
    assert [p["id"] for p in levels[1]["pending"]] == ["A-2"]


def test_a_stale_verdict_is_not_decided():
    levels = level_results([row("A-1", 1, "PASS", stale=True), row("A-2", 1, "FAIL", stale=True)], 1)
    assert levels[1]["result"] == "INCOMPLETE"
    assert all("stale" in p["why"] for p in levels[1]["pending"])


def test_evidence_to_add_lists_undecided_checks_by_kind():
    rows = [row("A-1", 1, "INCONCLUSIVE", missing=["capture"]), row("A-2", 1, "FAIL", missing=["firmware"]),
            row("A-3", 1, "INCONCLUSIVE", missing=["capture", "declaration"])]
    assert evidence_to_add(rows) == {"capture": ["A-1", "A-3"], "declaration": ["A-3"]}


def test_zip_member_names_that_could_escape_are_unsafe():
    for name in ("../x", "a/../../x", "/etc/passwd", "C:/x", "a\\..\\x", "", "a\x00b"):
        assert not _safe_member(name), name
    for name in ("bundle/index.html", "bundle/notebooks/COM-01.html", "b/..hidden"):
        assert _safe_member(name), name
