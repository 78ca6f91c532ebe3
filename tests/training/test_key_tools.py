"""The instructor's key tools: `workbench exercise key validate` checks every place of a key against a
case of its device; `workbench exercise key new` drafts a key from the instructor's own verdicts."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from cli_invoke import invoke_with

from workbench.case import Case
from workbench.catalog import load_catalog
from workbench.checks.context import EvidenceContext
from workbench.demo import build_case, load_demo_case
from workbench.judgement.state import run_check
from workbench.training import grade_case, load_key
from workbench.training.draft import draft_key
from workbench.training.start import start_exercise

REPO = Path(__file__).resolve().parents[2]
KEY_FILE = Path(__file__).resolve().parent / "keys" / "camera-evidence.key.yaml"
DEVICE = REPO / "sample_captures" / "cases" / "defective" / "device.yaml"


def cli(*argv: str):
    return invoke_with({}, "exercise", "key", *argv)


@pytest.fixture(scope="module")
def device_case(tmp_path_factory) -> Case:
    """A case of the key's device (its analyses cached once for the module's validations)."""
    return start_exercise(load_key(KEY_FILE), tmp_path_factory.mktemp("device") / "case", "Ivy Instructor")


def variant(tmp_path: Path, change) -> Path:
    """The test key with `change(data)` applied (its device by absolute path), written in tmp_path."""
    data = yaml.safe_load(KEY_FILE.read_text())
    data["device"] = str(DEVICE)
    change(data)
    path = tmp_path / "variant.key.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def place(data: dict, rid: str, defect: int = 0, index: int = 0) -> dict:
    return data["answers"][rid]["defects"][defect]["evidence"][index]


def test_the_test_key_is_valid_against_a_case_and_built_from_its_device(device_case):
    result = cli("validate", str(KEY_FILE), "--case", str(device_case.path))
    assert result.code == 0, result.out + result.err
    assert "key valid: 7 places, all in the evidence" in result.out and "error:" not in result.out
    built = cli("validate", str(KEY_FILE))  # without --case: the device built in a temporary folder
    assert built.code == 0 and "built in a temporary folder" in built.out, built.out + built.err


def test_a_packet_past_the_end_of_the_capture_is_rejected(device_case, tmp_path):
    key = variant(tmp_path, lambda d: place(d, "COM-01").update(packet=99999))
    result = cli("validate", str(key), "--case", str(device_case.path))
    assert result.code == 1
    assert re.search(
        r"^error: COM-01 mqtt-login: packet 99999 is past the capture's 2285 packets", result.out, re.M
    )
    assert "key not valid: 1 error(s)" in result.out


def test_a_file_not_in_the_image_or_an_offset_past_its_end_is_rejected(device_case, tmp_path):
    def change(data):
        place(data, "SEC-03").update(path="/etc/shadow.bak")
        place(data, "SEC-01").update(offset=4096)  # cloud.conf holds 222 bytes

    result = cli("validate", str(variant(tmp_path, change)), "--case", str(device_case.path))
    assert result.code == 1
    assert (
        "error: SEC-03 world-readable-shadow: /etc/shadow.bak is not in demo_defective.img's files"
        in result.out
    )
    assert (
        "error: SEC-01 aws-keys: offset 0x1000 is past the end of /etc/config/cloud.conf (222 bytes)"
        in result.out
    )


def test_an_unknown_requirement_id_is_rejected(device_case, tmp_path):
    key = variant(tmp_path, lambda d: d["answers"].update({"XYZ-99": {"verdict": "PASS"}}))
    result = cli("validate", str(key), "--case", str(device_case.path))
    assert result.code == 1 and "no requirement 'XYZ-99' in catalogue 2026.1" in result.out


def test_other_places_the_evidence_does_not_hold(device_case, tmp_path):
    def change(data):
        place(data, "COM-03").update(artefact="other.pcap")
        place(data, "ATK-01", index=1).update(field="debug_interfaces")  # declared as an empty list
        data["answers"]["COM-01"]["defects"][1]["evidence"] = [{"kind": "probe", "packet": 3}]
        data["answers"]["SEC-01"]["defects"] = []

    out = cli("validate", str(variant(tmp_path, change)), "--case", str(device_case.path)).out
    assert "error: COM-03 expired-cert: no artefact 'other.pcap' in the case" in out
    assert "error: ATK-01 undeclared-gdbserver: the declaration's field 'debug_interfaces' is not set" in out
    assert "error: COM-01 ftp-login: the case has no live probe capture" in out
    assert "error: SEC-01: a FAIL answer names no defect" in out
    assert "key not valid: 4 error(s)" in out


def info_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("info:")]


UNFLAGGED = "The SEC-03 check reads /etc/shadow's mode; the trainee reads /etc/inittab in the files table"


def test_a_defect_the_checks_findings_do_not_point_at_needs_unflagged(device_case, tmp_path):
    # SEC-03's findings point at /etc/shadow and three other files, never at /etc/inittab; SEC-01's
    # at cloud.conf, never at the capture's first packet
    def moved(data):
        place(data, "SEC-03").update(path="/etc/inittab")
        data["answers"]["SEC-01"]["defects"][0]["evidence"] = [{"kind": "capture", "packet": 1}]

    result = cli("validate", str(variant(tmp_path, moved)), "--case", str(device_case.path))
    assert result.code == 1, result.out
    assert (
        "error: SEC-03 world-readable-shadow: the check's findings point at none of its places "
        "(firmware · /etc/inittab): the evidence does not show it" in result.out
    )
    assert (
        "error: SEC-01 aws-keys: the check's findings point at none of its places (capture · packet 1)"
        in (result.out)
    )
    assert "key not valid: 2 error(s)" in result.out

    def explained(data):
        moved(data)
        del data["answers"]["SEC-01"]
        data["answers"]["SEC-03"]["defects"][0]["unflagged"] = UNFLAGGED

    result = cli("validate", str(variant(tmp_path, explained)), "--case", str(device_case.path))
    assert result.code == 0, result.out
    assert info_lines(result.out) == [
        f"info: SEC-03 world-readable-shadow: not flagged by the check: {UNFLAGGED}"
    ]


def test_unflagged_on_a_defect_the_check_points_at_is_information(device_case, tmp_path):
    def change(data):
        data["answers"]["COM-01"]["defects"][0]["unflagged"] = "the trainee reads it in the credentials table"

    result = cli("validate", str(variant(tmp_path, change)), "--case", str(device_case.path))
    assert result.code == 0, result.out
    assert info_lines(result.out) == [
        "info: COM-01 mqtt-login: unflagged is set but the check points at capture · packet 15"
    ]
    too_short = variant(tmp_path, lambda d: d["answers"]["COM-01"]["defects"][0].update(unflagged="tables"))
    refused = cli("validate", str(too_short), "--case", str(device_case.path))
    assert refused.code == 1 and "answers.COM-01.defects.0.unflagged" in refused.out, refused.out


def test_a_defect_on_an_answer_whose_verdict_is_not_fail_is_rejected(device_case, tmp_path):
    # VULN-01 is PASS: a defect there could never be found by the right verdict (full marks impossible)
    shadow = {
        "id": "shadow-again",
        "summary": "/etc/shadow is mode 0644",
        "evidence": [{"kind": "firmware", "path": "/etc/shadow"}],
    }
    key = variant(tmp_path, lambda d: d["answers"]["VULN-01"].update(defects=[shadow]))
    result = cli("validate", str(key), "--case", str(device_case.path))
    assert result.code == 1, result.out
    assert re.search(
        r"^error: VULN-01: a PASS answer names defects \(shadow-again\): only a FAIL answer has defects",
        result.out,
        re.M,
    )
    assert "key not valid: 1 error(s)" in result.out


@pytest.mark.parametrize(
    ("path", "what"), [("/usr/bin", "a folder"), ("/bin/sh", "a link"), ("/usr/sbin/telnetd", "a link")]
)
def test_a_firmware_place_that_is_not_a_regular_file_is_rejected(device_case, tmp_path, path, what):
    key = variant(tmp_path, lambda d: place(d, "SEC-03").update(path=path))
    result = cli("validate", str(key), "--case", str(device_case.path))
    assert result.code == 1, result.out
    assert (
        f"error: SEC-03 world-readable-shadow: {path} is {what} in demo_defective.img, not a file"
        in result.out
    )
    assert "key not valid: 1 error(s)" in result.out  # not also "unflagged": a place not there proves nothing


CLEAN_KEY = REPO / "sample_captures" / "exercises" / "acme-c100-clean.key.yaml"


@pytest.fixture(scope="module")
def clean_case(tmp_path_factory) -> Case:
    """A case of the shipped clean camera: the defective one has no check proposing PASS up to level 2."""
    return start_exercise(load_key(CLEAN_KEY), tmp_path_factory.mktemp("clean") / "case", "Ivy Instructor")


def test_a_fail_answer_against_a_pass_proposal_needs_every_defect_unflagged(clean_case, tmp_path):
    # AUTH-03's check proposes PASS on the clean camera and points at nothing, /etc/hostname least of all
    auth03 = load_catalog("2026.4").get("AUTH-03")
    assert run_check(EvidenceContext(case=clean_case, requirement=auth03)).verdict == "PASS"

    def fail(unflagged: str | None) -> Path:
        defect = {
            "id": "hostname",
            "summary": "the host name is the serial number",
            "evidence": [{"kind": "firmware", "path": "/etc/hostname"}],
        }
        data = yaml.safe_load(CLEAN_KEY.read_text())
        data["device"] = str(CLEAN_KEY.parent / data["device"])
        data["answers"]["AUTH-03"] = {
            "verdict": "FAIL",
            "defects": [{**defect, "unflagged": unflagged} if unflagged else defect],
        }
        path = tmp_path / "clean-variant.key.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    result = cli("validate", str(fail(None)), "--case", str(clean_case.path))
    assert result.code == 1, result.out
    assert "error: AUTH-03: FAIL, but the check proposes PASS and flags none of its defects" in result.out
    why = "the check reads passwords; the trainee reads /etc/hostname in the files table"
    result = cli("validate", str(fail(why)), "--case", str(clean_case.path))
    assert result.code == 0 and f"info: AUTH-03 hostname: not flagged by the check: {why}" in result.out, (
        result.out
    )


def test_every_shipped_key_is_valid():
    for key in sorted((REPO / "sample_captures" / "exercises").glob("*.key.yaml")):
        result = cli("validate", str(key))
        assert result.code == 0 and "key valid" in result.out, (key.name, result.out)


# --- drafting a key --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def instructor_case(tmp_path_factory) -> tuple[Case, dict[str, tuple[str, list[str]]]]:
    """The defective camera as an instructor's own case (not an exercise), with the instructor's
    verdicts: FAIL citing the evidence labels the check's findings show, and a few clean ones."""
    demo = load_demo_case("defective", cases_dir=DEVICE.parent.parent)
    demo = replace(demo, info={**demo.info, "catalog_edition": "2026.1"})
    case = build_case(demo, tmp_path_factory.mktemp("ivy"))
    catalog = load_catalog("2026.1")
    verdicts: dict[str, tuple[str, list[str]]] = {}
    for rid in ("COM-01", "COM-02", "SEC-01", "SEC-03", "ATK-03"):
        result = run_check(EvidenceContext(case=case, requirement=catalog.get(rid)))
        labels = list(dict.fromkeys(ref.label() for f in result.findings for ref in f.evidence))
        verdicts[rid] = ("FAIL", labels[:3])
    verdicts["ATK-01"] = ("FAIL", ["declaration · open_ports", "demo_defective.pcap · packet 2167"])
    verdicts["VULN-01"] = ("PASS", [])
    verdicts["WIFI-01"] = ("NOT_APPLICABLE", [])
    for rid, (verdict, refs) in verdicts.items():
        case.verdicts.record(
            rid,
            verdict,
            "the instructor's reading",
            "Ivy Instructor",
            evidence_refs=refs,
            catalog_edition="2026.1",
        )
    return case, verdicts


def test_key_new_drafts_a_key_that_validates_and_grades_the_same_answers_at_full_marks(
    instructor_case, tmp_path
):
    case, verdicts = instructor_case
    out = tmp_path / "keys" / "drafted.key.yaml"
    out.parent.mkdir()
    drafted = cli(
        "new",
        str(case.path),
        "--exercise",
        "ivy-c100",
        "--title",
        "Ivy's camera",
        "--level",
        "2",
        "--stage",
        "basics",
        "--out",
        str(out),
    )
    assert drafted.code == 0, drafted.out + drafted.err
    key = load_key(out)
    assert (key.exercise, key.level, key.stage, key.catalog) == ("ivy-c100", 2, "basics", "2026.1")
    assert {rid: a.verdict for rid, a in key.answers.items()} == {rid: v for rid, (v, _) in verdicts.items()}
    com01 = key.answers["COM-01"].defects
    assert len(com01) == 3 and com01[0].summary.startswith("The device sends mqtt credentials in clear")
    assert com01[0].evidence[0].packet == 15 and com01[0].evidence[0].artefact == "demo_defective.pcap"
    atk01 = key.answers["ATK-01"].defects
    assert [p.field for d in atk01 for p in d.evidence if p.kind == "declaration"] == ["open_ports"]

    checked = cli("validate", str(out))  # the key's device is the instructor's case folder
    assert checked.code == 0 and "key valid" in checked.out, checked.out + checked.err

    trainee = start_exercise(key, tmp_path / "tess", "Tess Trainee")
    assert trainee.verdicts.latest("COM-01") is None  # never the instructor's verdicts
    for rid, (verdict, refs) in verdicts.items():
        trainee.verdicts.record(rid, verdict, "my reading", "Tess Trainee", evidence_refs=refs)
    grade = grade_case(trainee, key)
    assert grade.points == grade.max_points and grade.score == 1.0 and grade.passed


def test_key_new_never_replaces_a_file_and_writes_to_stdout_without_out(instructor_case, tmp_path):
    case, _ = instructor_case
    existing = tmp_path / "taken.key.yaml"
    existing.write_text("mine\n")
    refused = cli("new", str(case.path), "--exercise", "x", "--title", "X", "--out", str(existing))
    assert refused.code == 2 and "never replaced" in refused.err and existing.read_text() == "mine\n"
    shown = cli("new", str(case.path), "--exercise", "x", "--title", "X", "--level", "1")
    assert shown.code == 0, shown.err
    data = yaml.safe_load(shown.out)
    assert data["schema_version"] == 2 and data["device"] == str(case.path.resolve())
    levels = {r.id: r.level for r in load_catalog("2026.1").requirements}
    assert data["answers"] and all(levels[rid] == 1 for rid in data["answers"])


def test_key_new_on_a_case_without_verdicts_says_so(device_case):
    result = cli("new", str(device_case.path), "--exercise", "x", "--title", "X")
    assert result.code == 2 and "no verdict recorded" in result.err


@pytest.mark.parametrize(
    "text",
    [
        "- just\n- a list\n",
        "exercise: x\ntitle: X\nschema_version: 2\ndevice: /nonexistent/device.yaml\nlevel: 1\n"
        "answers: {VULN-01: {verdict: PASS}}\n",
        "!!python/object/apply:os.system ['echo no']\n",
        "exercise: x\ntitle: X\nschema_version: 2\ndevice: d\nlevel: 1\n"
        "answers: {COM-01: {verdict: FAIL, defects: [{id: a, summary: s, evidence: [{kind: capture}]}]}}\n",
    ],
)
def test_a_hostile_or_broken_key_is_not_valid_and_nothing_crashes(tmp_path, text):
    key = tmp_path / "hostile.key.yaml"
    key.write_text(text)
    result = cli("validate", str(key))
    assert result.code == 1 and result.out.startswith("error: ") and "key not valid" in result.out, result


def test_key_new_drafts_no_defect_on_a_verdict_other_than_fail_and_notes_unflagged_places(tmp_path):
    demo = load_demo_case("defective", cases_dir=DEVICE.parent.parent)
    case = build_case(replace(demo, info={**demo.info, "catalog_edition": "2026.1"}), tmp_path)
    cited = {"VULN-01": ("PASS", ["/etc/shadow", "packet 15"]), "SEC-03": ("INCONCLUSIVE", ["/etc/shadow"])}
    cited["AUTH-03"] = ("FAIL", ["/etc/hostname"])  # the check proposes PASS: nothing flags this file
    for rid, (verdict, refs) in cited.items():
        case.verdicts.record(
            rid, verdict, "mine", "Ivy Instructor", evidence_refs=refs, catalog_edition="2026.1"
        )
    draft = draft_key(case, exercise="x", title="X", device=str(case.path), level=2)
    answers = draft.key["answers"]
    assert answers["VULN-01"] == {"verdict": "PASS"} and answers["SEC-03"] == {"verdict": "INCONCLUSIVE"}
    assert [d["evidence"] for d in answers["AUTH-03"]["defects"]] == [
        [{"kind": "firmware", "artefact": "demo_defective.img", "path": "/etc/hostname"}]
    ]
    assert any(n.startswith("AUTH-03 auth-03-1: the check's findings do not point at") for n in draft.notes)
    key_file = tmp_path / "drafted.key.yaml"
    key_file.write_text(draft.text(str(case.path)))
    checked = cli("validate", str(key_file))
    assert checked.code == 1 and "error: AUTH-03 auth-03-1: the check's findings point at none" in checked.out
