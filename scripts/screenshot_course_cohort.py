"""Screenshot (headless Chromium) of the shipped course's cohort report, for the README.

    .venv/bin/python scripts/screenshot_course_cohort.py docs/images/cohort-report.png [--work DIR] \
        [--lang ja]

Three simulated trainees work the six exercises of sample_captures/exercises/course.yaml, each case made
with `start_exercise`, each verdict recorded with evidence references drawn from the key's own places:
Aiko answers every exercise and cites a place for every defect; Ben misses a FAIL on the hub, cites half
the defects and has not started the POS terminal; Chie fails the clean camera twice (false alarms), copies
words instead of citing on the lock, and has started nothing after the camera. The report runs with
`--catalog 2026.4` (its refresher section). Same browser launch as scripts/screenshot_cohort.py. With
`--lang ja` the report is in Japanese (`workbench exercise report --lang ja`) and Aiko's and Chie's cases are
made in Japanese.
"""

from __future__ import annotations

import sys
from pathlib import Path

from workbench.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "sample_captures" / "exercises" / "course.yaml"
NEW_EDITION = "2026.4"


def answers(key, *, cite_every: int = 1, wrong: frozenset[str] = frozenset(),
            words_only: bool = False) -> dict[str, tuple[str, list[str], str]]:
    """{ID: (verdict, refs, rationale)}: the key's verdicts (FAIL <-> PASS for ids in `wrong`), citing the
    first place of every `cite_every`-th defect, or none with the defects' summaries as the rationale."""
    given: dict[str, tuple[str, list[str], str]] = {}
    count = 0
    for rid, answer in key.answers.items():
        verdict = answer.verdict
        if rid in wrong:
            verdict = "PASS" if verdict == "FAIL" else "FAIL"
        refs, words = [], []
        for defect in answer.defects:
            words.append(defect.summary)
            if not words_only and count % cite_every == 0:
                refs.append(defect.evidence[0].label())
            count += 1
        given[rid] = (verdict, refs, "; ".join(words) or "as the evidence shows")
    return given


def build(work: Path, lang: str = "en") -> Path:
    """The trainees' cases under work/trainees/ (Aiko's and Chie's in `lang`); that folder."""
    from workbench.training.course import load_course
    from workbench.training.start import start_exercise

    course = load_course(COURSE)
    keys = {e.key.exercise: e.key for e in course.exercises}
    plan = {
        ("aiko", "Aiko Sato"): {eid: answers(k) for eid, k in keys.items()},
        ("ben", "Ben Carter"): {eid: answers(k, cite_every=2, wrong=frozenset({"UPD-04"}) if "hub" in eid
                                             else frozenset())
                                for eid, k in keys.items() if eid != "paypoint-p3"},
        ("chie", "Chie Tanaka"): {
            "acme-c100-clean": answers(keys["acme-c100-clean"], wrong=frozenset({"COM-01", "UPD-02"})),
            "lockly-l1": answers(keys["lockly-l1"], words_only=True),
            "aquaheat-r2": answers(keys["aquaheat-r2"]),
            "acme-c100-defects": answers(keys["acme-c100-defects"], cite_every=3),
        },
    }
    root = work / "trainees"
    for (folder, name), exercises in plan.items():
        language = None if folder == "ben" else lang
        for eid, given in exercises.items():
            case = start_exercise(keys[eid], root / folder / eid, name, language=language)
            for rid, (verdict, refs, rationale) in given.items():
                case.verdicts.record(rid, verdict, rationale, name, evidence_refs=refs)
    return root


def write_page(work: Path, lang: str = "en") -> Path:
    """The trainees' cases and their report in `lang` (with the refresher for NEW_EDITION); its page."""
    from workbench.training.cohort import write_report
    from workbench.training.course import load_course

    write_report(build(work, lang), load_course(COURSE), work / "cohort", NEW_EDITION, lang=lang)
    return work / "cohort" / "cohort.html"


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT / "scripts"))
    from screenshot_cohort import screenshot_main

    args = list(sys.argv[1:] if argv is None else argv)
    lang = "en"
    if "--lang" in args:  # ours; the rest is screenshot_main's
        at = args.index("--lang")
        lang = args[at + 1] if at + 1 < len(args) else ""
        del args[at: at + 2]
        if lang not in LANGUAGES:
            print(f"error: --lang is one of {', '.join(LANGUAGES)}", file=sys.stderr)
            return 2
    return screenshot_main(args, __doc__.split("\n\n")[0], "workbench-course-cohort-",
                           lambda work: write_page(work, lang))


if __name__ == "__main__":
    sys.exit(main())
