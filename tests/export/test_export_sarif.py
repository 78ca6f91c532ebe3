"""SARIF 2.1.0 of a real bundle, validated against the official schema shipped with the workbench."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from urllib.parse import unquote

import pytest
from export_fixtures import FW_SHA, HOSTILE, KEY_PATH, PCAP_SHA

from workbench.errors import BundleError
from workbench.export import sarif_schema
from workbench.export.sarif import FILENAME
from workbench.export.sarif_schema import validate_sarif


def log(bundle: Path) -> dict:
    return json.loads((bundle / "formats" / FILENAME).read_text("utf-8"))


def run_of(bundle: Path) -> dict:
    return log(bundle)["runs"][0]


def results_of(bundle: Path, rid: str) -> list[dict]:
    return [r for r in run_of(bundle)["results"] if r["ruleId"] == rid]


def test_valid_against_the_official_schema_without_the_network(failing_bundle, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the SARIF validation tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    sarif_schema.sarif_validator.cache_clear()  # load the schema again, with the network closed
    validate_sarif(log(failing_bundle))
    schema = sarif_schema.sarif_validator().schema
    assert schema["id"].endswith("/sarif-schema-2.1.0.json") and "2.1.0" in schema["title"]


@pytest.mark.parametrize("break_it, where", [
    (lambda d: d.update(version="2.0.0"), "at version"),
    (lambda d: d["runs"][0]["results"][0].update(level="fatal"), "at runs/0/results/0/level"),
    (lambda d: d["runs"][0]["tool"]["driver"].pop("name"), "at runs/0/tool/driver"),
    (lambda d: d["runs"][0]["artifacts"][0]["location"].update(index=-2),
     "at runs/0/artifacts/0/location/index"),
])
def test_the_validator_rejects_broken_sarif(failing_bundle, break_it, where):
    broken = copy.deepcopy(log(failing_bundle))
    break_it(broken)
    with pytest.raises(BundleError, match=f"not valid SARIF 2.1.0 {where}"):
        validate_sarif(broken)


def test_the_driver_is_the_workbench_its_rules_the_requirements(failing_bundle):
    driver = run_of(failing_bundle)["tool"]["driver"]
    assert driver["name"] == "Inspector Workbench" and driver["version"]
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert list(rules) == ["EXP-01", "EXP-02", "EXP-03", "EXP-04", "EXP-05"]
    assert rules["EXP-01"]["shortDescription"]["text"] == "Fails with findings everywhere"
    assert "etsi_en_303_645: 5.1-1, 5.6-2" in rules["EXP-01"]["help"]["text"]
    assert rules["EXP-01"]["properties"]["mappings"]["uk_psti"] == ["1"]
    for result in run_of(failing_bundle)["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_a_firmware_finding_points_at_the_file_in_the_image_and_its_offset(failing_bundle):
    run = run_of(failing_bundle)
    artifacts = run["artifacts"]
    key = results_of(failing_bundle, "EXP-01")[0]
    assert key["level"] == "error"
    assert key["message"]["text"] == f"private key: {HOSTILE}"  # JSON carries every character
    physical = key["locations"][0]["physicalLocation"]
    nested = artifacts[physical["artifactLocation"]["index"]]
    assert unquote(nested["location"]["uri"]) == KEY_PATH == unquote(physical["artifactLocation"]["uri"])
    assert physical["region"] == {"byteOffset": 0x40}
    image = artifacts[nested["parentIndex"]]
    assert image["location"] == {"uri": "artefacts/camera-fw.img", "uriBaseId": "BUNDLE"}
    assert image["hashes"] == {"sha-256": FW_SHA}
    header = results_of(failing_bundle, "EXP-01")[3]["locations"][0]["physicalLocation"]
    assert header["region"] == {"byteOffset": 4096}  # an offset in the image itself
    assert artifacts[header["artifactLocation"]["index"]] is not nested and header["artifactLocation"][
        "uriBaseId"] == "BUNDLE"


def test_a_capture_finding_names_its_packets(failing_bundle):
    artifacts = run_of(failing_bundle)["artifacts"]
    telnet = results_of(failing_bundle, "EXP-01")[1]
    assert [loc["properties"]["packet"] for loc in telnet["locations"]] == [7, 9]
    first = telnet["locations"][0]
    assert first["logicalLocations"] == [{"name": "packet 7", "fullyQualifiedName": "traffic.pcap/packet/7",
                                          "kind": "packet"}]
    assert first["properties"]["wiresharkFilter"] == "frame.number == 7"
    assert first["message"]["text"] == "telnet login"
    capture = artifacts[first["physicalLocation"]["artifactLocation"]["index"]]
    assert capture["hashes"] == {"sha-256": PCAP_SHA}


def test_levels_artifacts_and_errors(failing_bundle):
    run = run_of(failing_bundle)
    assert {r["ruleId"]: r["level"] for r in run["results"]} == {"EXP-01": "error", "EXP-02": "note"}
    photo = next(a for a in run["artifacts"] if a["location"]["uri"] == "artefacts/bench-photo.txt")
    assert photo["properties"]["archivedInBundle"] is True
    archived = failing_bundle / "artefacts" / "bench-photo.txt"
    assert photo["length"] == archived.stat().st_size
    declaration = next(a for a in run["artifacts"] if a["location"]["uri"] == "case/declaration.yaml")
    assert len(declaration["hashes"]["sha-256"]) == 64
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["associatedRule"]["id"] for n in notes] == ["EXP-04"]
    assert run["properties"]["levelResults"] == {"1": "FAIL", "2": "FAIL"}


def test_rules_carry_the_security_severity_code_scanning_ranks_by(failing_bundle):
    run = run_of(failing_bundle)
    severities = {f["severity"] for r in run["results"] if r["level"] == "error"
                  for f in [r["properties"]] if "severity" in f}
    scores = {"high": 8.0, "medium": 5.5, "low": 3.0, "info": 0.0}
    for rule in run["tool"]["driver"]["rules"]:
        failing = [r for r in run["results"] if r["ruleId"] == rule["id"] and r["level"] == "error"]
        if failing:  # every failing rule is ranked, by the worst of its findings
            worst = max((scores.get(r["properties"].get("severity"), 5.5) for r in failing), default=5.5)
            assert float(rule["properties"]["security-severity"]) == worst, rule["id"]
            assert "security" in rule["properties"]["tags"]
    assert severities  # the fixture has failing findings with severities
