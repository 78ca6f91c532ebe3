"""TEL-01: the destinations the device sends data to, beside what the declaration discloses."""

from __future__ import annotations

from pathlib import Path

from netcases import corpus, new_case, packets_of, run_check

from workbench.case import Case
from workbench.checks import Verdict


def test_tel01_lays_out_destinations(defective_case: Case, clean_case: Case, tmp_path: Path) -> None:
    result = run_check(defective_case, "TEL-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    observed = result.indicators["observed"]
    assert observed["undeclared_destinations"] == ["telemetry.tracker.example"]
    assert observed["destinations"]["telemetry.tracker.example"]["bytes_sent"] > 0
    assert result.indicators["declared"]["personal_data"] == ["video", "account e-mail"]
    assert run_check(clean_case, "TEL-01").indicators["observed"]["undeclared_destinations"] == []
    no_declaration = new_case(tmp_path / "nodecl", [corpus("zeek__mqtt.pcap")], device_ips=["10.0.1.4"])
    assert run_check(no_declaration, "TEL-01").verdict is Verdict.INCONCLUSIVE
    assert packets_of(result) == set()
