"""Exercise mode: a trainee's notebooks show the evidence and the analysis tables, never the check's
proposal, reasons or findings, until the trainee has recorded a verdict (and then only as feedback, when the
exercise allows it). The notebooks run through papermill's own CLI in a real kernel; the saved .ipynb is
searched as a file."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cli_invoke import invoke_with

from workbench.analysis import prepare
from workbench.case import Case, CaseInfo
from workbench.case.exercise import FEEDBACK_HEADING, answers_hidden
from workbench.notebook import MIME_TYPE, open_case, open_check
from workbench.training.key import load_key
from workbench.training.start import start_exercise

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
DEVICE = ROOT / "sample_captures" / "cases" / "defective" / "device.yaml"
TRAINEE = "Tess Trainee"
REQUIREMENTS = ("AUTH-01", "COM-03")  # a firmware check and a capture check, both FAIL on this device
PROPOSAL_WORDS = "The check proposes"

KEY = """\
exercise: exercise-mode-test
title: Hidden answers
schema_version: 2
device: {device}
catalog: "2026.1"
level: 2
feedback: {feedback}
answers:
  AUTH-01:
    verdict: FAIL
    defects:
      - id: shadow
        summary: default passwords in the shadow file
        evidence: [{{kind: firmware, path: /etc/shadow}}]
  COM-03:
    verdict: FAIL
    defects:
      - id: expired-certificate
        summary: the cloud's certificate expired
        evidence: [{{kind: capture, packet: 41}}]
"""


def cli(*argv: str):
    return invoke_with({}, *argv)


def trainee_case(root: Path, name: str, feedback: bool) -> Case:
    key_path = root / f"{name}.key.yaml"
    key_path.write_text(KEY.format(device=DEVICE, feedback=str(feedback).lower()))
    case = start_exercise(load_key(key_path), root / name, TRAINEE)
    prepare(case)  # analysed once, before the notebooks run side by side
    return case


def inspector_case(root: Path) -> Case:
    from workbench.demo import build_case, load_demo_case

    case = build_case(load_demo_case(DEVICE.parent.name, cases_dir=DEVICE.parent.parent), root)
    prepare(case)
    return case


def record(case: Case, rid: str) -> None:
    done = cli("case", "verdict", str(case.path), rid, "--verdict", "FAIL", "--rationale",
               "what the tables show", "--inspector", TRAINEE, "--evidence", "packet 41")
    assert done.code == 0, done.err


def run_notebook(notebook: Path, out: Path, case: Case, interactive: bool) -> Path:
    """papermill's CLI, as a trainee would run it; the executed notebook saved at `out`."""
    command = [sys.executable, "-m", "papermill", str(notebook), str(out), "-p", "case_dir", str(case.path),
               "-p", "interactive", str(interactive), "--cwd", str(out.parent), "--no-progress-bar"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "CI": "true"})
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, Case]:
    """hidden: nothing recorded; feedback: verdicts recorded, feedback allowed; silent: verdicts recorded,
    no feedback; inspector: the same device in an inspector's case."""
    root = tmp_path_factory.mktemp("exercise-mode")
    made = {
        "hidden": trainee_case(root, "hidden", feedback=True),
        "feedback": trainee_case(root, "feedback", feedback=True),
        "silent": trainee_case(root, "silent", feedback=False),
        "inspector": inspector_case(root / "inspector"),
    }
    for name in ("feedback", "silent"):
        for rid in REQUIREMENTS:
            record(made[name], rid)
    return made


RUNS = [
    *(("hidden", rid, mode) for rid in REQUIREMENTS for mode in (True, False)),
    *(("feedback", rid, False) for rid in REQUIREMENTS), ("feedback", "AUTH-01", True),
    *(("silent", rid, False) for rid in REQUIREMENTS), ("silent", "AUTH-01", True),
    ("inspector", "AUTH-01", False), ("inspector", "COM-03", False),
    ("hidden", "overview", False), ("inspector", "overview", False),
]


@pytest.fixture(scope="module")
def executed(cases, tmp_path_factory) -> dict[tuple[str, str, bool], str]:
    """Every notebook of RUNS executed once (a few side by side): its saved .ipynb as text, its JSON
    strings decoded (so '·' and quotes read as the trainee sees them)."""
    out = tmp_path_factory.mktemp("executed")

    def one(run: tuple[str, str, bool]) -> str:
        name, rid, interactive = run
        notebook = NOTEBOOKS / ("00-case-overview.ipynb" if rid == "overview" else f"{rid}.ipynb")
        folder = out / f"{name}-{rid}-{interactive}"
        folder.mkdir()
        saved = run_notebook(notebook, folder / notebook.name, cases[name], interactive)
        return json.dumps(json.loads(saved.read_text(encoding="utf-8")), ensure_ascii=False)

    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(RUNS, pool.map(one, RUNS), strict=True))


def answers(case: Case, rid: str) -> list[str]:
    """What the check would reveal: its reasons, its findings' summaries and their evidence labels."""
    result = open_check(case.path, rid).result
    assert result.verdict == "FAIL" and result.findings and result.reasons  # else nothing to hide
    words = [*result.reasons, *(f.summary for f in result.findings)]
    words += [ref.label() for f in result.findings for ref in f.evidence]
    return sorted(set(words))


def shown(text: str, word: str) -> bool:
    """In the plain-text or the HTML view of any output (or the widget's saved state)."""
    return word in text or html.escape(word) in text or json.dumps(word, ensure_ascii=False)[1:-1] in text


def payloads(text: str) -> list[dict]:
    nb = json.loads(text)
    return [o["data"][MIME_TYPE] for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if MIME_TYPE in o.get("data", {})]


@pytest.mark.parametrize("rid", REQUIREMENTS)
@pytest.mark.parametrize("interactive", [True, False])
def test_a_trainee_sees_the_evidence_not_the_answers(executed, cases, rid, interactive) -> None:
    text = executed[("hidden", rid, interactive)]
    leaked = [w for w in [*answers(cases["hidden"], rid), PROPOSAL_WORDS] if shown(text, w)]
    assert leaked == []
    assert "The check&#x27;s proposal is hidden until you record your verdict" in text
    assert "only the declared side is shown" in text  # step 5 without the check's observed side
    assert "row(s)." in text  # the analysis tables are evidence: they stay
    (payload,) = payloads(text)
    assert payload["result"] is None and payload["answers_hidden"] is True
    assert payload["final"] == {"verdict": "PENDING", "source": "pending", "stale": False}


def test_the_widget_starts_without_the_checks_references(executed) -> None:
    nb = json.loads(executed[("hidden", "AUTH-01", True)])
    state = json.dumps(nb["metadata"]["widgets"], ensure_ascii=False)
    assert "Evidence" in state and "packet N" in state  # the evidence box, with the trainee's hint
    assert "/etc/shadow" not in state and "Final verdict now" not in state


@pytest.mark.parametrize("rid", REQUIREMENTS)
def test_after_the_verdict_the_feedback_compares_it_with_the_checks(executed, cases, rid) -> None:
    text = executed[("feedback", rid, False)]
    assert FEEDBACK_HEADING.replace("'", "&#x27;") in text and "you agree" in text
    assert all(shown(text, w) for w in answers(cases["feedback"], rid))
    (payload,) = payloads(text)
    assert payload["result"]["verdict"] == "FAIL"
    assert payload["final"] == {"verdict": "FAIL", "source": "inspector", "stale": False}


@pytest.mark.parametrize(("rid", "interactive"), [("AUTH-01", False), ("COM-03", False), ("AUTH-01", True)])
def test_without_feedback_the_answers_stay_hidden_after_the_verdict(executed, cases, rid, interactive):
    text = executed[("silent", rid, interactive)]
    leaked = [w for w in [*answers(cases["silent"], rid), PROPOSAL_WORDS, FEEDBACK_HEADING] if shown(text, w)]
    assert leaked == []
    assert "the instructor shows the check&#x27;s proposal at grading" in text
    (payload,) = payloads(text)
    assert payload["result"] is None
    assert payload["final"] == {"verdict": "FAIL", "source": "inspector", "stale": False}  # the trainee's own
    assert cases["silent"].verdicts.latest(rid).automatic_verdict is None  # not in the trainee's files either


@pytest.mark.parametrize("rid", REQUIREMENTS)
def test_an_inspectors_case_shows_the_proposal_as_before(executed, cases, rid) -> None:
    text = executed[("inspector", rid, False)]
    assert PROPOSAL_WORDS in text and FEEDBACK_HEADING not in text
    assert all(shown(text, w) for w in answers(cases["inspector"], rid))
    (payload,) = payloads(text)
    assert payload["result"]["verdict"] == "FAIL" and payload["final"]["source"] == "automatic"


CHECK_VERDICTS = ("FAIL", "PASS", "NOT_APPLICABLE", "INCONCLUSIVE", "NEEDS_INSPECTOR")


def cells(text: str) -> set[str]:
    """Every table cell of the executed notebook's HTML outputs."""
    return set(re.findall(r"<td>([^<]*)</td>", text))


def test_the_overview_hides_proposals_and_check_verdicts(executed, cases) -> None:
    from workbench.ui.overview import progress_frame

    trainee = executed[("hidden", "overview", False)]
    assert "trainee Tess Trainee: the check&#x27;s proposals and verdicts are hidden" in trainee
    assert "hidden" in cells(trainee) and cells(trainee) & set(CHECK_VERDICTS) == set()
    inspector = executed[("inspector", "overview", False)]
    assert "FAIL" in cells(inspector) and "hidden" not in cells(inspector)
    rows = progress_frame(open_case(cases["hidden"].path))
    assert set(rows["check proposes"]) == {"hidden"} and set(rows["source"]) == {"pending"}


def test_the_overview_shows_feedback_only_where_a_verdict_is_recorded(cases) -> None:
    overview = open_case(cases["feedback"].path)
    by_id = {s.id: s for s in overview.statuses}
    assert [by_id[rid].proposed for rid in REQUIREMENTS] == ["FAIL", "FAIL"]
    others = [s for s in overview.statuses if s.id not in REQUIREMENTS]
    assert {(s.proposed, s.source) for s in others} == {(None, "pending")}
    silent = open_case(cases["silent"].path)
    assert {s.proposed for s in silent.statuses} == {None}
    assert {(s.verdict, s.source) for s in silent.statuses if s.id in REQUIREMENTS} == {("FAIL", "inspector")}


def test_case_status_shows_only_the_trainees_verdicts(cases) -> None:
    done = cli("case", "status", str(cases["feedback"].path), "--format", "json")
    assert done.code == 0, done.err
    status = json.loads(done.out)
    states = {r["id"]: (r["state"], r["verdict"]) for r in status["requirements"]}
    assert {states.pop(rid) for rid in REQUIREMENTS} == {("inspector", "FAIL")}
    assert set(states.values()) == {("pending", None)}
    assert status["counts"]["automatic"] == 0 and status["exercise"]["trainee"] == TRAINEE
    table = cli("case", "status", str(cases["hidden"].path))
    assert "hidden until you record your verdict" in table.out and "verdict from the batch" not in table.out
    inspector = json.loads(cli("case", "status", str(cases["inspector"].path), "--format", "json").out)
    assert "automatic" in {r["state"] for r in inspector["requirements"]}  # what a trainee's case hides


def test_the_batch_refuses_a_trainees_case(cases, tmp_path) -> None:
    done = cli("run", str(cases["hidden"].path), "--out", str(tmp_path / "bundle"))
    assert done.code == 2
    assert "a trainee's exercise case: the batch publishes the check's proposals" in done.err
    assert "workbench exercise grade" in done.err and not (tmp_path / "bundle").exists()


def _fresh(tmp_path: Path, feedback: bool) -> Case:
    key_path = tmp_path / "key.yaml"
    key_path.write_text(KEY.format(device=DEVICE, feedback=str(feedback).lower()))
    return start_exercise(load_key(key_path), tmp_path / "tess", TRAINEE)


@pytest.mark.parametrize("feedback", [True, False])
def test_the_widget_shows_the_feedback_once_recorded_when_allowed(tmp_path, feedback) -> None:
    from workbench.ui import VerdictWidget

    case = _fresh(tmp_path, feedback)
    session = open_check(case.path, "COM-03")
    assert session.answers_hidden and answers_hidden(case, "COM-03")
    widget = VerdictWidget(session)
    assert widget.evidence.value == "" and "Final verdict now" not in widget.status.value
    widget.verdict.value, widget.rationale.value = "PASS", "the certificates looked fine to me"
    widget.evidence.value = "packet 41"
    widget.button.click()
    assert case.verdicts.latest("COM-03").verdict == "PASS"
    assert session.answers_hidden is not feedback  # read again after the record
    first_reason = html.escape(session.result.reasons[0])
    if feedback:
        assert "Feedback: your verdict and the check" in widget.feedback.value
        assert "you differ" in widget.feedback.value and first_reason in widget.feedback.value
    else:
        assert widget.feedback.value == "" and first_reason not in widget.status.value


def test_an_inspectors_case_never_hides(tmp_path) -> None:
    info = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(info))
    assert not answers_hidden(case, "AUTH-01") and not open_check(case.path, "AUTH-01").answers_hidden
