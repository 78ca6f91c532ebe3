"""INPUT-01 judged from the probe's malformed inputs."""

from __future__ import annotations

from probecases import run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_a_reflected_input_and_a_service_down_fail(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "INPUT-01")
    assert result.verdict is Verdict.FAIL and result.decided_by == ("probe",)
    by_input = {f.data["input"]: [e.packet for e in f.evidence if e.packet] for f in result.findings}
    assert by_input == {"bad-method": [47], "binary-garbage": [48, 49]}


def test_every_input_rejected_with_services_alive_passes(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "INPUT-01")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert "3 malformed input(s) on 2 service(s)" in text_of(result)


def test_no_input_tried_keeps_todays_behaviour(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "INPUT-01")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "robustness test could not run" in result.reasons[0]
