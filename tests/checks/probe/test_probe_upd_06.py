"""UPD-06 judged from what the device shows the probe."""

from __future__ import annotations

from probecases import SCRIPT, probe_packets, run_check, text_of

from workbench.case import Case
from workbench.checks import Verdict


def test_model_and_version_shown_pass_at_their_packets(probed: dict[str, Case]) -> None:
    result = run_check(probed["clean"], "UPD-06")
    assert result.verdict is Verdict.PASS and result.decided_by == ("probe",)
    assert probe_packets(result) == {1, 2, 45, 46}


def test_not_shown_stays_with_the_inspector_saying_where_it_looked(probed: dict[str, Case]) -> None:
    result = run_check(probed["defective"], "UPD-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and not result.decided_by
    assert "in 1 web pages and 5 service banners and versions" in text_of(result)


def test_an_errored_http_test_is_said(probed: dict[str, Case]) -> None:
    result = run_check(probed["errored"], "UPD-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert "http test could not run (connection reset by peer)" in text_of(result)


def test_markup_in_a_page_title_is_only_text(probed: dict[str, Case]) -> None:
    result = run_check(probed["hostile"], "UPD-06")
    assert result.verdict is Verdict.NEEDS_INSPECTOR and SCRIPT not in text_of(result)
