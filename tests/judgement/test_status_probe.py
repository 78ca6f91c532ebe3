"""`workbench case status` before the batch: an assisted requirement the probe may decide says so once a probe
is in the case; without one it is plainly pending."""

from __future__ import annotations

from pathlib import Path

from workbench.case import Case, CaseInfo
from workbench.catalog import load_catalog
from workbench.judgement.status import case_status
from workbench.probe.results import ProbeResults

INFO = {"device": "cam", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
        "device_ips": ["127.0.0.1"]}  # fmt: skip


def states(case: Case) -> dict[str, str]:
    return {r["id"]: r["state"] for r in case_status(case, load_catalog())["requirements"]}


def test_a_probe_in_the_case_makes_the_live_requirements_if_probe(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    assert states(case)["AUTH-05"] == "pending"
    results = ProbeResults(target="127.0.0.1", profile="quick", started="2026-12-06T00:00:00+00:00")
    path = tmp_path / "probe.json"
    results.write(path)
    case.import_artefact(path, "probe", origin="probe")
    now = states(case)
    # a level-1 case: INPUT-01, UPD-04, SEC-03 (★★), ATK-07 and LOG-01 (★★★) are not applicable; AUTH-04
    # and UPD-01 join in 2026.4 (the tests through a manufacturer's test access)
    live = {"AUTH-04", "AUTH-05", "AUTH-06", "UPD-01", "UPD-06"}
    assert {rid for rid, state in now.items() if state == "if-probe"} == live
    assert now["UPD-03"] == "pending" and now["AUTH-01"] == "automatic"
    counts = case_status(case, load_catalog())["counts"]
    assert counts["if_probe"] == sum(state == "if-probe" for state in now.values()) == len(live)
