"""Screenshot (headless Chromium) of a simulated cohort's report, `workbench exercise report`'s cohort.html.

    .venv/bin/python scripts/screenshot_cohort.py docs/images/cohort-report.png [--work DIR]

Writes a three-exercise course (small format-2 keys on the sample devices in sample_captures/cases/),
starts each trainee's exercise cases with `start_exercise`, records their verdicts with evidence
references, runs the report with `--catalog 2026.2` (the refresher's section: 2026.2 changed AUTH-02's
parameters) and writes a full-page PNG of the page. Needs Debian's chromium and the playwright package
(scripts/screenshot_stale_index.py opens the browser); nothing is downloaded, the page is opened from
file://. tests/training/test_cohort.py and tests/browser/test_cohort_page.py build the same cohort.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "sample_captures" / "cases"
CATALOG = "2026.1"
NEW_EDITION = "2026.2"  # changed AUTH-02's weak_schemes (and two requirements no exercise here keys)
HOSTILE = '<script>window.__pwned=1;document.title="PWNED"</script>'

# The course: (exercise, level, stage, device, answers); a defect's evidence as the key writes it.
SHADOW = {"kind": "firmware", "path": "/etc/shadow"}
EXERCISES = [
    ("clean-camera", 1, "basics", "clean", {
        "COM-01": {"verdict": "PASS"},
        "UPD-02": {"verdict": "PASS"},
    }),
    ("camera-passwords", 1, "basics", "defective", {
        "AUTH-02": {"verdict": "FAIL", "defects": [
            {"id": "des-crypt", "summary": "root's hash is DES crypt", "evidence": [SHADOW]}]},
        "COM-01": {"verdict": "FAIL", "defects": [
            {"id": "mqtt-login", "summary": "MQTT CONNECT with a password",
             "evidence": [{"kind": "capture", "packet": 15}]},
            {"id": "ftp-login", "summary": "FTP USER/PASS",
             "evidence": [{"kind": "capture", "packet": 72}]}]},
    }),
    ("camera-practice", 2, "practice", "defective", {
        "SEC-03": {"verdict": "FAIL", "defects": [
            {"id": "world-readable-shadow", "summary": "/etc/shadow is mode 0644", "evidence": [SHADOW]}]},
        "COM-01": {"verdict": "FAIL", "defects": [
            {"id": "mqtt-login", "summary": "MQTT CONNECT with a password",
             "evidence": [{"kind": "capture", "packet": 15}]}]},
    }),
]

# Each trainee's folder, name and verdicts: {exercise: {ID: (verdict, [evidence refs])}}; an exercise
# given as {} has a case with no verdict (not attempted), one left out has no case at all.
Roster = list[tuple[str, str, dict[str, dict[str, tuple[str, list[str]]]]]]
TRAINEES: Roster = [
    ("ada", "Ada Able", {
        "clean-camera": {"COM-01": ("PASS", []), "UPD-02": ("PASS", [])},
        "camera-passwords": {"AUTH-02": ("FAIL", ["/etc/shadow"]),
                             "COM-01": ("FAIL", ["packet 15", "demo_defective.pcap · packet 72"])},
        "camera-practice": {"SEC-03": ("FAIL", ["firmware · /etc/shadow"]), "COM-01": ("FAIL", ["#16"])},
    }),
    ("ben", "Ben Bloggs", {
        "clean-camera": {"COM-01": ("PASS", []), "UPD-02": ("PASS", [])},
        "camera-passwords": {"AUTH-02": ("FAIL", ["/etc/shadow"]), "COM-01": ("FAIL", ["packet 15"])},
    }),
    ("<img src=x onerror=alert(1)>", HOSTILE, {
        "clean-camera": {"COM-01": ("FAIL", ["packet 3"]), "UPD-02": ("PASS", [])},
        "camera-passwords": {},
        "camera-practice": {"SEC-03": ("PASS", [])},
    }),
]


def write_course(folder: Path) -> Path:
    """The course file and its keys in `folder`; the course file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for exercise, level, stage, device, answers in EXERCISES:
        key = {
            "exercise": exercise, "title": f"{exercise.replace('-', ' ').capitalize()} (simulated)",
            "schema_version": 2, "device": str(CASES / device / "device.yaml"), "catalog": CATALOG,
            "level": level, "stage": stage, "pass_mark": 0.8, "max_missed_defects": 0, "answers": answers,
        }
        (folder / f"{exercise}.key.yaml").write_text(yaml.safe_dump(key, sort_keys=False))
        entries.append({"key": f"{exercise}.key.yaml"})
    course = {"course": "simulated", "title": "Simulated inspector course", "schema_version": 1,
              "qualification": {"mark": 0.8}, "exercises": entries}
    path = folder / "course.yaml"
    path.write_text(yaml.safe_dump(course, sort_keys=False))
    return path


def build_cohort(work: Path, trainees: Roster | None = None) -> tuple[Path, Path]:
    """The course (work/course/) and the trainees' cases (work/trainees/<folder>/<exercise>/), their
    verdicts recorded with evidence references; (trainees folder, course file)."""
    from workbench.training.course import load_course
    from workbench.training.start import start_exercise

    course = load_course(write_course(work / "course"))
    root = work / "trainees"
    for folder, name, answers in trainees or TRAINEES:
        for exercise_id, verdicts in answers.items():
            exercise = course.exercise(exercise_id)
            assert exercise is not None, exercise_id
            case = start_exercise(exercise.key, root / folder / exercise_id, name)
            for rid, (verdict, refs) in verdicts.items():
                case.verdicts.record(rid, verdict, "as the evidence shows", name, evidence_refs=refs)
    return root, course.path


def stale_script() -> ModuleType:
    """scripts/screenshot_stale_index.py: the browser launch the screenshots share."""
    spec = importlib.util.spec_from_file_location("screenshot_stale_index",
                                                  ROOT / "scripts" / "screenshot_stale_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_report(work: Path, trainees: Roster | None = None) -> Path:
    """The simulated cohort's report (with the refresher for 2026.2); its cohort.html."""
    from workbench.training.cohort import write_report as report
    from workbench.training.course import load_course

    root, course = build_cohort(work, trainees)
    out = work / "cohort"
    report(root, load_course(course), out, NEW_EDITION)
    return out / "cohort.html"


def screenshot_main(argv: list[str] | None, description: str, prefix: str, build_page: Callable[[Path], Path],
                    note: Callable[[Path, bool], str] | None = None) -> int:
    """The screenshot scripts' command line: `build_page(work)` writes a report page, Chromium shoots it
    into the PNG named on the command line; `note(page, kept)` is printed before the PNG's path."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("png", type=Path, help="where to write the screenshot (PNG)")
    parser.add_argument("--work", type=Path, help="keep the cohort and its report here (default: temporary)")
    args = parser.parse_args(argv)
    browser = stale_script()
    if browser.chromium_path() is None:
        print(f"error: {browser.NO_CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        work = args.work or Path(scratch)
        page = build_page(work)
        with sync_playwright() as playwright:
            context = browser.open_browser(playwright, Path(scratch) / "chromium-profile", width=1400)
            try:
                browser.screenshot(context, page, args.png)
            finally:
                context.close()
    if note is not None:
        print(note(page, args.work is not None))
    print(args.png)
    return 0


def main(argv: list[str] | None = None) -> int:
    def note(page: Path, kept: bool) -> str:
        return f"cohort report: {page}" if kept else "cohort: built in a temporary folder, removed"

    return screenshot_main(argv, __doc__.split("\n\n")[0], "workbench-cohort-", write_report, note)


if __name__ == "__main__":
    sys.exit(main())
