"""The instructor's cohort report, the course file and the refresher's list.

One simulated cohort for the module (scripts/screenshot_cohort.py's own builder): a three-exercise course
of small format-2 keys on the sample devices, three trainees whose cases are started with start_exercise
and whose verdicts cite evidence (Ada passes everything, Ben passes the ★ exercises and has no case of
the ★★ one, a trainee named `<script>...` misses defects and leaves one case without a verdict), plus
what a cohort folder must not be fooled by: an inspector's case, a link to a trainee folder outside,
a case holding a link out, an exercise not in the course, a broken case.yaml, a retry, a name with `$`
and a bidi override. `workbench exercise report ... --catalog 2026.2` runs once on it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from cohort_script import load_cohort_script
from exercise_devices import run_cli

from workbench.errors import WorkbenchError
from workbench.training.course import load_course

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_COURSE = ROOT / "sample_captures" / "exercises" / "course.yaml"
MATH_NAME = "Dollar $\\frac{a}$ \u202eDan"  # mathtext that does not parse, and a right-to-left override


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_cohort_script()


def _extras(script: ModuleType, work: Path, trainees: Path, course_path: Path) -> None:
    """Next to the cohort: what the report must ignore, refuse or survive."""
    from workbench.demo import build_case, load_demo_case
    from workbench.training.start import start_exercise

    course = load_course(course_path)
    clean = course.exercise("clean-camera")
    passwords = course.exercise("camera-passwords")
    assert clean is not None and passwords is not None
    build_case(load_demo_case("clean"), trainees / "inspector")  # an inspector's case: not a trainee's
    outside = start_exercise(clean.key, work / "outside" / "eve" / "clean-camera", "Eve Outsider")
    outside.verdicts.record("COM-01", "PASS", "fine", "Eve Outsider")
    (trainees / "eve").symlink_to(work / "outside" / "eve", target_is_directory=True)
    linked = start_exercise(clean.key, trainees / "sym" / "clean-camera", "Sym Link")
    linked.verdicts.record("COM-01", "PASS", "fine", "Sym Link")
    (linked.path / "notes").symlink_to(work / "outside", target_is_directory=True)
    stray = start_exercise(clean.key, trainees / "ada" / "stray", "Ada Able")
    info = yaml.safe_load((stray.path / "case.yaml").read_text())
    info["exercise"]["id"] = "not-in-course"
    (stray.path / "case.yaml").write_text(yaml.safe_dump(info))
    broken = trainees / "ben" / "broken"
    broken.mkdir(parents=True)
    (broken / "case.yaml").write_text("exercise: {id: clean-camera, trainee: Ben Bloggs\n")
    retry = start_exercise(passwords.key, trainees / "ben" / "2nd-try" / "again" / "camera-passwords",
                           "Ben Bloggs")
    retry.verdicts.record("COM-01", "PASS", "nothing sent in clear", "Ben Bloggs")  # worse than the first
    dollar = start_exercise(clean.key, trainees / "dan" / "clean-camera", MATH_NAME)
    dollar.verdicts.record("COM-01", "PASS", "fine", MATH_NAME)
    dollar.verdicts.record("UPD-02", "PASS", "fine", MATH_NAME)


@pytest.fixture(scope="module")
def report(script: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("cohort")
    trainees, course = script.build_cohort(work)
    _extras(script, work, trainees, course)
    out = work / "report"
    code, stdout, stderr = run_cli("exercise", "report", str(trainees), "--course", str(course),
                                   "--out", str(out), "--catalog", "2026.2")
    assert code == 0, stderr
    return {"work": work, "course": course, "out": out, "stdout": stdout,
            "data": json.loads((out / "cohort.json").read_text()),
            "html": (out / "cohort.html").read_text()}


def by_trainee(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in data["trainees"]}


def cells(trainee: dict[str, Any]) -> dict[str, tuple[bool, float | None, bool]]:
    return {e["exercise"]: (e["attempted"], e["score"], e["passed"]) for e in trainee["exercises"]}


def test_json_scores_each_trainee_per_exercise(report, script):
    trainees = by_trainee(report["data"])
    assert set(trainees) == {"Ada Able", "Ben Bloggs", script.HOSTILE, MATH_NAME}
    assert cells(trainees["Ada Able"]) == {"clean-camera": (True, 1.0, True),
                                          "camera-passwords": (True, 1.0, True),
                                          "camera-practice": (True, 1.0, True)}
    # Ben cited the MQTT packet but not the FTP login: 6 of 7 points; no case of the ★★ exercise
    assert cells(trainees["Ben Bloggs"]) == {"clean-camera": (True, 1.0, True),
                                            "camera-passwords": (True, 0.8571, True),
                                            "camera-practice": (False, None, False)}
    # a false alarm on the clean camera (2 of 4); a case without a verdict is not attempted
    assert cells(trainees[script.HOSTILE]) == {"clean-camera": (True, 0.5, False),
                                               "camera-passwords": (False, None, False),
                                               "camera-practice": (True, 0.0, False)}
    practice = trainees[script.HOSTILE]["exercises"][2]
    assert practice["missed_defects"] == 2 and practice["points"] == 0 and practice["max_points"] == 6
    outcomes = [(r["id"], r["given"], r["outcome"], r["defects_not_found"]) for r in practice["requirements"]]
    assert outcomes == [("SEC-03", "PASS", "missed", ["world-readable-shadow"]),
                        ("COM-01", None, "unanswered", ["mqtt-login"])]


def test_the_best_of_several_cases_counts(report):
    passwords = by_trainee(report["data"])["Ben Bloggs"]["exercises"][1]
    assert passwords["cases"] == 2 and passwords["case"] == "ben/camera-passwords"


def test_progress_follows_the_course_order(report, script):
    trainees = by_trainee(report["data"])
    assert [e["id"] for e in report["data"]["course"]["exercises"]] == [e[0] for e in script.EXERCISES]
    assert trainees["Ada Able"]["progress"] == {"passed": 3, "attempted": 3, "total": 3, "next": None,
                                                "scores": [1.0, 1.0, 1.0]}
    assert trainees["Ben Bloggs"]["progress"]["next"] == "camera-practice"
    assert trainees["Ben Bloggs"]["progress"]["scores"] == [1.0, 0.8571, None]
    assert trainees[script.HOSTILE]["progress"]["passed"] == 0


def test_most_missed_requirements(report):
    missed = {r["id"]: r for r in report["data"]["most_missed"]}
    assert [r["id"] for r in report["data"]["most_missed"]] == ["COM-01", "SEC-03"]
    # COM-01: Ben's FTP login not found, left unanswered on the ★★ camera, and judged FAIL on the clean
    # camera (a false alarm); SEC-03 judged PASS
    assert missed["COM-01"]["count"] == 3 and missed["COM-01"]["verdicts_missed"] == 1
    assert missed["COM-01"]["false_alarms"] == 1
    assert missed["COM-01"]["exercises"] == ["camera-passwords", "camera-practice", "clean-camera"]
    assert missed["SEC-03"] == {**missed["SEC-03"], "count": 1, "verdicts_missed": 1, "defects_not_found": 1}
    assert missed["COM-01"]["title"] == "No credentials sent in clear"  # the catalogue's, not the test's


def test_qualification_per_level(report, script):
    data = report["data"]
    assert data["qualified"] == {"1": ["Ada Able", "Ben Bloggs"], "2": ["Ada Able"]}
    ben = {q["level"]: q for q in by_trainee(data)["Ben Bloggs"]["qualification"]}
    assert ben[1]["qualified"] and ben[1]["mean_score"] == pytest.approx((1 + 6 / 7) / 2, abs=1e-4)
    assert not ben[2]["qualified"] and ben[2]["not_passed"] == ["camera-practice"]
    # Dan passed the clean camera only: not every ★ exercise passed
    dan = {q["level"]: q for q in by_trainee(data)[MATH_NAME]["qualification"]}
    assert not dan[1]["qualified"] and dan[1]["not_passed"] == ["camera-passwords"]


def rows(html: str, table_id: str) -> list[str]:
    table = re.search(rf'<table id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    return re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S)[1:]


def test_page_shows_scores_progress_missed_and_qualification(report):
    html = report["html"]
    scores = {re.search(r"<th scope=\"row\">(.*?)</th>", r).group(1): r for r in rows(html, "scores")}
    ben = scores["Ben Bloggs"]
    assert re.search(r'data-exercise="camera-passwords">86% <span class="passed">passed', ben)
    assert 'data-exercise="camera-practice">not attempted' in ben
    assert "2/3 passed" in ben and "next: camera-practice" in ben
    assert "3/3 passed" in scores["Ada Able"] and "course complete" in scores["Ada Able"]
    assert "best of 2" in ben
    missed = rows(html, "most-missed")
    assert "<strong>COM-01</strong>" in missed[0] and "<strong>SEC-03</strong>" in missed[1]
    qualified = re.search(r'<ul id="qualified">(.*?)</ul>', html, re.S).group(1)
    assert re.search(r"level 1: <strong>Ada Able</strong>, <strong>Ben Bloggs</strong>", qualified)
    assert re.search(r"level 2: <strong>Ada Able</strong></li>", qualified)
    plots = re.findall(r'<svg class="plot" role="img" aria-label="(\w+)"', html)
    assert plots == ["heatmap", "progress", "missed"]
    assert "Ada Able" in re.search(r'aria-label="progress".*?</svg>', html, re.S).group(0)  # its legend


def test_hostile_names_are_escaped_everywhere(report, script):
    html = report["html"]
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;window.__pwned=1;document.title=&#34;PWNED&#34;&lt;/script&gt;" in html
    assert "&lt;script&gt;window.__pwned" in re.search(r'aria-label="heatmap".*?</svg>', html, re.S).group(0)
    assert "\u202e" not in html and "\\u202eDan" in html  # a bidi override is shown, never applied
    assert "\u202e" not in report["stdout"]


def test_cases_out_of_reach_broken_or_foreign_are_not_graded(report):
    data, names = report["data"], set(by_trainee(report["data"]))
    assert "Eve Outsider" not in names  # a link to a folder outside is never followed
    assert "Sym Link" not in names  # a case holding a link out is refused
    warnings = "\n".join(data["warnings"])
    assert "sym/clean-camera: notes is a link out of the trainees' folder" in warnings
    assert "ada/stray: exercise 'not-in-course' is not in course simulated" in warnings
    assert "ben/broken" in warnings and "invalid YAML" in warnings
    assert "inspector" not in warnings  # an inspector's case is simply not part of the cohort
    assert sorted(p.name for p in report["out"].iterdir()) == ["cohort.html", "cohort.json"]


def test_cli_prints_the_summary_table(report):
    out = report["stdout"]
    assert "Course simulated: Simulated inspector course (qualification mark 80%)" in out
    ada = next(line for line in out.splitlines() if line.startswith("Ada Able"))
    assert ada.split()[2:] == ["100%*", "100%*", "100%*", "3/3", "★★"]
    ben = next(line for line in out.splitlines() if line.startswith("Ben Bloggs"))
    assert ben.split()[2:] == ["100%*", "86%*", "-", "2/3", "★"]
    assert "Most missed: COM-01 (3), SEC-03 (1)" in out
    assert str(report["out"] / "cohort.html") in out


def test_refresher_names_exercises_whose_requirement_changed(report):
    refresher = report["data"]["refresher"]
    assert refresher["edition"] == "2026.2" and refresher["affected"] == ["camera-passwords"]
    passwords = next(e for e in refresher["exercises"] if e["exercise"] == "camera-passwords")
    assert passwords["changed"] == [{"id": "AUTH-02", "title": "Stored passwords use a strong hash",
                                     "fields": ["parameters.weak_schemes"], "removed": False}]
    section = re.search(r'<section id="refresher">(.*?)</section>', report["html"], re.S).group(1)
    assert 'data-exercise="camera-passwords"' in section and "parameters.weak_schemes" in section
    assert "clean-camera" not in section and "camera-practice" not in section


def test_refresher_command(report):
    course = str(report["course"])
    code, out, err = run_cli("exercise", "refresher", "--course", course, "--catalog", "2026.2")
    assert code == 0, err
    assert "1 of 3 exercises touch a changed requirement" in out
    assert "camera-passwords (key edition 2026.1)" in out and "AUTH-02" in out and "weak_schemes" in out
    assert "clean-camera" not in out and "camera-practice" not in out and "COM-01" not in out
    code, out, _ = run_cli("exercise", "refresher", "--course", course, "--catalog", "2026.1")
    assert code == 0 and "0 of 3 exercises" in out


# --- the course file -------------------------------------------------------------------------------
def write_course(folder: Path, script: ModuleType, **changes: Any) -> Path:
    path = script.write_course(folder)
    course = yaml.safe_load(path.read_text())
    course.update(changes)
    path.write_text(yaml.safe_dump(course, sort_keys=False))
    return path


def test_course_loads_keys_in_course_order(tmp_path, script):
    course = load_course(write_course(tmp_path, script))
    expected = [(e[0], e[1], e[2]) for e in script.EXERCISES]
    assert [(e.id, e.level, e.stage) for e in course.exercises] == expected
    assert course.qualification_mark == 0.8 and course.levels == [1, 2]
    assert [e.id for e in course.up_to(1)] == ["clean-camera", "camera-passwords"]


@pytest.mark.parametrize(("changes", "message"), [
    ({"qualification": {"mark": 1.5}}, "field 'qualification.mark': Input should be less than or equal to 1"),
    ({"qualification": None}, "field 'qualification'"),
    ({"schema_version": 2}, "field 'schema_version'"),
    ({"teacher": "x"}, "field 'teacher': Extra inputs are not permitted"),
    ({"exercises": []}, "field 'exercises'"),
    ({"exercises": [{"key": "/etc/passwd"}]},
     "field 'exercises.0.key': Value error, a key file is named relative"),
    ({"exercises": [{"key": "missing.key.yaml"}]}, "field 'exercises.0.key': "),
    ({"exercises": [{"key": "clean-camera.key.yaml"}, {"key": "clean-camera.key.yaml"}]},
     "field 'exercises.1.key': exercise 'clean-camera' is in the course twice"),
    ({"exercises": [{"key": "camera-practice.key.yaml"}, {"key": "clean-camera.key.yaml"}]},
     "field 'exercises.1.key': the basics exercise 'clean-camera' comes after a practice one"),
])
def test_course_problems_are_one_line_naming_file_and_field(tmp_path, script, changes, message):
    path = write_course(tmp_path, script, **changes)
    with pytest.raises(WorkbenchError) as caught:
        load_course(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and message in text and "\n" not in text


def test_a_broken_key_is_named_with_the_course(tmp_path, script):
    path = write_course(tmp_path, script)
    (tmp_path / "camera-practice.key.yaml").write_text("exercise: x\nschema_version: 2\nlevel: 9\n")
    expected = r"course.yaml: field 'exercises.2.key': .*camera-practice.key.yaml"
    with pytest.raises(WorkbenchError, match=expected):
        load_course(path)


def test_report_refuses_a_course_that_is_not_one(tmp_path):
    (tmp_path / "course.yaml").write_text("- just\n- a list\n")
    code, _, err = run_cli("exercise", "report", str(tmp_path), "--course", str(tmp_path / "course.yaml"),
                           "--out", str(tmp_path / "out"))
    assert code == 2 and "a course is a mapping" in err and not (tmp_path / "out").exists()


def test_the_shipped_course_loads(tmp_path):
    course = load_course(SHIPPED_COURSE)
    assert [e.id for e in course.exercises] == ["acme-c100-clean", "lockly-l1", "aquaheat-r2",
                                                "acme-c100-defects", "homehub-h5", "paypoint-p3"]
    assert [e.level for e in course.exercises] == [1, 1, 2, 2, 3, 3]
    assert [e.stage for e in course.exercises] == ["basics"] * 3 + ["practice"] * 3
    code, out, err = run_cli("exercise", "report", str(tmp_path), "--course", str(SHIPPED_COURSE),
                             "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "(no trainee's exercise case found)" in out
    assert json.loads((tmp_path / "out" / "cohort.json").read_text())["trainees"] == []
