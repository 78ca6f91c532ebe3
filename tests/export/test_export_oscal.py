"""OSCAL assessment results of a real bundle, read back with compliance-trestle's model."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from export_fixtures import FW_SHA, HOSTILE, KEY_PATH, PCAP_SHA
from trestle.oscal.assessment_results import AssessmentResults

from workbench.errors import BundleError
from workbench.export.oscal import FILENAME, validate_oscal

NS = "urn:inspector-workbench:oscal"


def document(bundle: Path) -> AssessmentResults:
    return AssessmentResults.oscal_read(bundle / "formats" / FILENAME)


def props(item) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in item.props or []:
        assert str(prop.ns) == NS
        found.setdefault(prop.name, []).append(prop.value)
    return found


def findings(bundle: Path) -> dict:
    return {props(f)["requirement-id"][0]: f for f in document(bundle).results[0].findings}


def test_the_bundle_holds_assessment_results_trestle_reads(failing_bundle):
    doc = document(failing_bundle)
    assert isinstance(doc, AssessmentResults)
    assert len(doc.results) == 1
    assert props(doc.metadata)["catalogue-edition"] == ["export.1"]
    assert props(doc.metadata)["bundle"] == [failing_bundle.name]
    result = doc.results[0]
    assert [c.control_id for c in result.reviewed_controls.control_selections[0].include_controls] == [
        "EXP-01", "EXP-02", "EXP-03", "EXP-04", "EXP-05"]
    objectives = {o.control_id: o for o in doc.local_definitions.objectives_and_methods}
    for rid, finding in findings(failing_bundle).items():
        assert finding.target.target_id == f"{rid}_obj" == objectives[rid].parts[0].id
    level_results = {p.class_: p.value for p in result.props if p.name == "level-result"}
    assert level_results == {"level-1": "FAIL", "level-2": "FAIL"}


def test_each_final_verdict_maps_to_an_objective_status(failing_bundle):
    status = {rid: f.target.status for rid, f in findings(failing_bundle).items()}
    words = {rid: (s.state.value, s.reason.value if hasattr(s.reason, "value") else s.reason)
             for rid, s in status.items()}
    assert words == {
        "EXP-01": ("not-satisfied", "fail"),
        "EXP-02": ("satisfied", "pass"),
        "EXP-03": ("not-satisfied", "other"),
        "EXP-04": ("not-satisfied", "other"),
        "EXP-05": ("satisfied", "other"),
    }
    assert status["EXP-03"].remarks.startswith("not decided: ")
    assert status["EXP-04"].remarks.startswith("not assessed: ") and "deliberate check failure" in (
        status["EXP-04"].remarks)
    assert status["EXP-05"].remarks.startswith("not applicable: ")
    verdicts = {rid: props(f)["verdict"] for rid, f in findings(failing_bundle).items()}
    assert verdicts["EXP-05"] == ["NOT_APPLICABLE"] and verdicts["EXP-03"] == ["PENDING"]


def test_mappings_and_origins(failing_bundle):
    exp01 = findings(failing_bundle)["EXP-01"]
    mapped = {(p.class_, p.value) for p in exp01.props if p.name == "mapping"}
    assert mapped == {("etsi_en_303_645", "5.1-1"), ("etsi_en_303_645", "5.6-2"),
                      ("ts_103_701_ixit", "IXIT 1"), ("uk_psti", "1")}
    doc = document(failing_bundle)
    parties = {p.uuid: p.name for p in doc.metadata.parties}
    exp05 = findings(failing_bundle)["EXP-05"]
    assert parties[exp05.origins[0].actors[0].actor_uuid] == "Ines Inspector"  # recorded by the inspector
    assert exp01.origins[0].actors[0].type.value == "tool"


def test_observations_point_at_the_evidence(failing_bundle):
    doc = document(failing_bundle)
    resources = {f"#{r.uuid}": r for r in doc.back_matter.resources}
    observations = {o.uuid: o for o in doc.results[0].observations}
    exp01 = findings(failing_bundle)["EXP-01"]
    seen = [observations[r.observation_uuid] for r in exp01.related_observations]
    basis, key, telnet = seen[0], seen[1], seen[2]
    page = basis.relevant_evidence[0].href
    assert page == "../notebooks/EXP-01.html" and (failing_bundle / "formats" / page).is_file()
    image = resources[key.relevant_evidence[0].href]
    assert image.title == "camera-fw.img" and props(image)["sha256"] == [FW_SHA]
    evidence = props(key.relevant_evidence[0])
    assert evidence["path"] == [KEY_PATH] and evidence["offset"] == ["64"]
    assert resources[telnet.relevant_evidence[0].href].title == "traffic.pcap"
    assert props(resources[telnet.relevant_evidence[0].href])["sha256"] == [PCAP_SHA]
    assert [props(e)["packet"] for e in telnet.relevant_evidence] == [["7"], ["9"]]
    subjects = {s.title for s in key.subjects}
    assert subjects == {"camera-fw.img"}


def test_archived_artefacts_link_to_their_file_with_its_hash(failing_bundle):
    doc = document(failing_bundle)
    photo = next(r for r in doc.back_matter.resources if r.title == "bench-photo.txt")
    link = photo.rlinks[0]
    target = failing_bundle / "formats" / link.href
    assert link.href == "../artefacts/bench-photo.txt"
    assert link.hashes[0].value == hashlib.sha256(target.read_bytes()).hexdigest()
    image = next(r for r in doc.back_matter.resources if r.title == "camera-fw.img")
    assert image.rlinks is None and "not archived" in image.remarks  # only its hash is known


def test_hostile_summaries_survive_exactly(failing_bundle):
    doc = document(failing_bundle)
    hostile = [o for o in doc.results[0].observations if o.description == f"private key: {HOSTILE}"]
    assert len(hostile) == 1
    assert "\n" not in hostile[0].title and "<script>" in hostile[0].title
    raw = json.loads((failing_bundle / "formats" / FILENAME).read_text("utf-8"))
    assert raw["assessment-results"]["metadata"]["title"].count("<script>") == 1  # the device's name


def test_every_uuid_is_unique(failing_bundle):
    text = (failing_bundle / "formats" / FILENAME).read_text("utf-8")
    uuids: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            uuids.extend(v for k, v in node.items() if k == "uuid")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(text))
    assert len(uuids) > 20 and len(uuids) == len(set(uuids))


def test_the_validator_rejects_what_is_not_oscal(failing_bundle):
    raw = json.loads((failing_bundle / "formats" / FILENAME).read_text("utf-8"))
    validate_oscal(json.dumps(raw))  # as written: valid
    raw["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] = "mostly"
    with pytest.raises(BundleError, match="not valid OSCAL assessment results"):
        validate_oscal(json.dumps(raw))
    with pytest.raises(BundleError, match="not valid OSCAL"):
        validate_oscal('{"catalog": {}}')
