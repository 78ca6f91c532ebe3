"""JUnit XML of a real bundle, parsed back with junitparser."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_fixtures import HOSTILE, KEY_PATH
from junitparser import Error, Failure, JUnitXml, Skipped

from workbench.errors import BundleError
from workbench.export.junit import FILENAME, validate_junit


def parsed(bundle: Path) -> JUnitXml:
    return JUnitXml.fromfile(str(bundle / "formats" / FILENAME))


def cases(bundle: Path) -> dict:
    return {case.classname.split(".")[1]: case for suite in parsed(bundle) for case in suite}


def test_one_suite_per_level_one_case_per_requirement(failing_bundle):
    xml = parsed(failing_bundle)
    suites = {suite.name: suite for suite in xml}
    assert list(suites) == ["level 1 ★", "level 2 ★★"]
    assert [len(s) for s in suites.values()] == [4, 1]
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (5, 1, 1, 1)
    level1 = {p.name: p.value for p in suites["level 1 ★"].properties()}
    assert level1["level_result"] == "FAIL" and level1["catalogue_edition"] == "export.1"
    assert level1["bundle"] == failing_bundle.name


def test_outcomes_map_to_failure_error_skipped_and_pass(failing_bundle):
    by_id = cases(failing_bundle)
    results = {rid: [type(r) for r in case.result] for rid, case in by_id.items()}
    assert results == {"EXP-01": [Failure], "EXP-02": [], "EXP-03": [Skipped], "EXP-04": [Error],
                       "EXP-05": []}
    failure = by_id["EXP-01"].result[0]
    assert failure.message.startswith("a shared private key in the image; hostile reason:")
    assert f"evidence: camera-fw.img · {KEY_PATH} · offset 0x40 (PEM block)" in failure.text
    assert "evidence: traffic.pcap · packet 7 (telnet login)" in failure.text
    assert "evidence: declaration (open_ports)" in failure.text
    assert "deliberate check failure in EXP-04" in by_id["EXP-04"].result[0].message
    assert by_id["EXP-03"].result[0].message == "PENDING: look at the device"
    assert "NOT APPLICABLE" in by_id["EXP-05"].system_out
    assert "recorded by Ines Inspector: the device has no radio" in by_id["EXP-05"].system_out
    assert by_id["EXP-02"].is_passed and by_id["EXP-05"].is_passed


def test_hostile_text_is_escaped_and_still_readable(failing_bundle):
    raw = (failing_bundle / "formats" / FILENAME).read_text("utf-8")
    assert "<script>" not in raw and "&lt;script&gt;" in raw
    text = cases(failing_bundle)["EXP-01"].result[0].text
    # XML 1.0 cannot hold ESC or BEL: they become U+FFFD; everything else is as the check wrote it
    expected = HOSTILE.replace("\x1b", "\ufffd").replace("\x07", "\ufffd")
    assert f"- private key: {expected}" in text
    message = cases(failing_bundle)["EXP-01"].result[0].message
    assert "\n" not in message and '<script>alert("x")</script>' in message


def test_the_parser_check_can_fail():
    with pytest.raises(BundleError, match="not readable JUnit XML"):
        validate_junit("<testsuites><testsuite>")
    with pytest.raises(BundleError, match="holds 0 test cases, not 3"):
        validate_junit("<testsuites/>", cases=3)
