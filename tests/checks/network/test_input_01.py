"""INPUT-01: the interfaces the device exposes, for the inspector's input tests."""

from __future__ import annotations

from netcases import run_check

from workbench.case import Case
from workbench.checks import Verdict


def test_input01_lists_the_interfaces(defective_case: Case, clean_case: Case) -> None:
    result = run_check(defective_case, "INPUT-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert result.indicators["web_interfaces"] == ["tcp/80", "tcp/8080"]
    assert "sql_injection" in result.indicators["test_classes"]
    clean = run_check(clean_case, "INPUT-01")
    assert set(clean.indicators["observed_ports"]) == {"tcp/443", "tcp/554"}
