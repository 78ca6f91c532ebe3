"""The case overview: progress per level, readiness per level, what evidence to add."""

from __future__ import annotations

from ui_helpers import LAB_CATALOG, new_case

from workbench.notebook import open_case, open_check
from workbench.ui.overview import evidence_to_add, level_progress_frame, progress_frame, readiness_frame


def record(case, rid, verdict, why="examined"):
    open_check(case.path, rid, str(LAB_CATALOG)).record(verdict, why, "Alice Example")


def readiness(case) -> dict[str, str]:
    frame = readiness_frame(open_case(case.path, str(LAB_CATALOG)))
    return {row["level"]: row["status"] for row in frame.to_dict("records")}


def test_empty_case_is_not_ready_and_says_what_to_add(tmp_path) -> None:
    case = new_case(tmp_path / "cam", level=1)
    overview = open_case(case.path, str(LAB_CATALOG))
    progress = {r["id"]: r for r in progress_frame(overview).to_dict("records")}
    assert progress["COM-01"]["final verdict"] == "INCONCLUSIVE"
    assert progress["COM-01"]["source"] == "automatic"
    assert progress["VULN-01"]["final verdict"] == "PENDING"
    assert progress["ATK-05"]["applicable"].startswith("no")  # level 3, case level 1
    per_level = {r["level"]: r for r in level_progress_frame(overview).to_dict("records")}
    assert per_level["★☆☆"]["requirements"] == 4 and per_level["★☆☆"]["pending"] == 2
    assert readiness(case)["★☆☆ (target)"].startswith("not ready")
    lines = evidence_to_add(overview)
    assert any(line.startswith("capture — needed by COM-01") for line in lines)
    assert any(line.startswith("firmware — needed by AUTH-01") for line in lines)
    assert "ATK-05" not in " ".join(lines)  # not applicable at the target level
    assert lines[-1].startswith("inspector verdicts pending for UPD-03, VULN-01")


def test_readiness_follows_the_recorded_verdicts(tmp_path, small_pcap) -> None:
    case = new_case(tmp_path / "cam", level=3)
    for rid in ("AUTH-01", "COM-01", "VULN-01", "UPD-03"):
        record(case, rid, "PASS")
    status = readiness(case)
    assert status["★☆☆"] == "conforms"
    assert status["★★★ (target)"].startswith("not ready: 1 open")  # ATK-05: no firmware
    record(case, "ATK-05", "FAIL", "execstack on every binary")
    assert readiness(case)["★★★ (target)"] == "does not conform: 1 failed"
    case.add_artefact(small_pcap, "capture")  # COM-01's PASS no longer covers all the evidence
    status = readiness(case)
    assert status["★☆☆"] == "not ready: 0 open, 1 stale"
    frame = progress_frame(open_case(case.path, str(LAB_CATALOG)))
    assert frame.set_index("id").loc["COM-01", "stale"] == "stale"
