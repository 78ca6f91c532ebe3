"""The training part in Japanese (issue 11): a Japanese trainee's scorecard, the key tools' problems, the
cohort report (page, plots, cohort.json, summary lines) and the refresher, each checked against the same
thing in English: no run of English words in the Japanese text (tests/i18n/english.py) outside
identifiers and evidence values, and the same figures.

A small real cohort of the shipped course (sample_captures/exercises/course.yaml): Aiko's cases are made in
Japanese (`workbench exercise start --lang ja`, case.yaml `language: ja`), Ben's in English; each verdict
cites the key's own places, with one false alarm and one missed FAIL so that the shortfalls show.
"""

from __future__ import annotations

import json
import re
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_invoke import invoke_with
from english import english_runs

from workbench import i18n
from workbench.case import Case
from workbench.training.cohort import write_report
from workbench.training.course import load_course
from workbench.training.grade import grade_case
from workbench.training.key import AnswerKey

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "sample_captures" / "exercises" / "course.yaml"
NEW_EDITION = "2026.4"  # the refresher's section: it changed requirements the course's keys grade
AIKO, BEN = "佐藤 愛子", "Ben Carter"
KANA = re.compile(r"[\u3040-\u30ff]")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


def _answer(case: Case, key: AnswerKey, name: str, wrong: frozenset[str] = frozenset()) -> None:
    """The key's verdicts (PASS <-> FAIL for the ids in `wrong`), each citing its defects' first places."""
    for rid, answer in key.answers.items():
        verdict = answer.verdict
        if rid in wrong:
            verdict = "PASS" if verdict == "FAIL" else "FAIL"
        refs = [defect.evidence[0].label() for defect in answer.defects]
        case.verdicts.record(rid, verdict, "as the evidence shows", name, evidence_refs=refs)


def _first(key: AnswerKey, verdict: str, nth: int = 0) -> str:
    return [rid for rid, answer in key.answers.items() if answer.verdict == verdict][nth]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("training-ja")
    course = load_course(COURSE)
    lock = course.exercise("lockly-l1")
    clean = course.exercise("acme-c100-clean")
    assert lock is not None and clean is not None
    trainees = work / "trainees"
    started = invoke_with({}, "exercise", "start", str(lock.key_path), str(trainees / "aiko" / "lockly-l1"),
                          "--trainee", AIKO, "--lang", "ja")
    assert started.code == 0, started.err
    aiko_lock = Case.open(trainees / "aiko" / "lockly-l1")
    # a missed FAIL and two false alarms: under the pass mark
    wrong = frozenset({_first(lock.key, "FAIL"), _first(lock.key, "PASS"), _first(lock.key, "PASS", 1)})
    _answer(aiko_lock, lock.key, AIKO, wrong)
    from workbench.training.start import start_exercise

    aiko_clean = start_exercise(clean.key, trainees / "aiko" / "acme-c100-clean", AIKO, language="ja")
    _answer(aiko_clean, clean.key, AIKO)
    ben_lock = start_exercise(lock.key, trainees / "ben" / "lockly-l1", BEN)
    _answer(ben_lock, lock.key, BEN)
    return {"work": work, "course": course, "trainees": trainees, "lock": lock, "started": started.out,
            "aiko_lock": aiko_lock}


def _japanese(text: str) -> None:
    assert KANA.search(text), text
    assert english_runs(text) == [], english_runs(text)


def _numbers(line: str) -> list[str]:
    return sorted(re.findall(r"\d+", line))


def test_exercise_start_speaks_the_case_language(cohort: dict[str, Any]) -> None:
    case = cohort["aiko_lock"]
    assert case.info.language == "ja"
    assert case.info.exercise.title == cohort["lock"].key.title_in("ja") != cohort["lock"].key.title
    _japanese(cohort["started"])
    assert "workbench lab" in cohort["started"] and "--evidence REF" in cohort["started"]  # commands stay


def test_scorecard_in_the_trainees_language_with_the_english_figures(cohort: dict[str, Any]) -> None:
    case, key = str(cohort["aiko_lock"].path), str(cohort["lock"].key_path)
    ja = invoke_with({}, "exercise", "grade", case, key)  # the case's language: Japanese
    en = invoke_with({}, "exercise", "grade", case, key, "--lang", "en")
    assert ja.code == en.code == 1, ja.out + ja.err
    _japanese(ja.out)
    assert "Score " in en.out and "not passed: " in en.out and "得点" in ja.out and "不合格の理由" in ja.out
    ja_lines, en_lines = ja.out.splitlines(), en.out.splitlines()
    assert len(ja_lines) == len(en_lines)
    for ja_line, en_line in zip(ja_lines, en_lines, strict=True):
        assert _numbers(ja_line) == _numbers(en_line), (ja_line, en_line)
    table = ja_lines.index(next(line for line in ja_lines if line.startswith("ID")))
    for ja_line, en_line in zip(ja_lines[table + 1:], en_lines[table + 1:], strict=True):
        if not en_line.startswith(" "):  # a requirement's row: its id and verdict codes stay as they are
            assert ja_line.split()[:3] == en_line.split()[:3]
    assert len(ja_lines[table].split()) == 5  # the columns stay apart (wide characters padded)


def test_grade_json_texts_in_japanese_figures_unchanged(cohort: dict[str, Any]) -> None:
    case, key = str(cohort["aiko_lock"].path), str(cohort["lock"].key_path)
    ja = json.loads(invoke_with({}, "exercise", "grade", case, key, "--json").out)
    en = json.loads(invoke_with({}, "exercise", "grade", case, key, "--json", "--lang", "en").out)
    assert ja["title"] == cohort["lock"].key.title_in("ja") and en["title"] == cohort["lock"].key.title
    assert len(ja["shortfalls"]) == len(en["shortfalls"]) == 2
    for reason in ja["shortfalls"]:
        _japanese(reason)
    assert (ja["language"], en["language"]) == ("ja", "en")
    texts = {"title", "shortfalls", "language"}
    assert {k: v for k, v in ja.items() if k not in texts} == {k: v for k, v in en.items() if k not in texts}


def test_shortfalls_follow_the_current_language(cohort: dict[str, Any]) -> None:
    key = cohort["lock"].key.model_copy(update={"min_defects_found": 1.0, "max_false_alarms": 0})
    with i18n.use_language("ja"):
        grade = grade_case(cohort["aiko_lock"], key)
        ja = grade.shortfalls()
    en = grade.shortfalls()
    assert len(ja) == len(en) == 4 and grade.title == key.title_in("ja")
    for ja_reason, en_reason in zip(ja, en, strict=True):
        _japanese(ja_reason)
        assert _numbers(ja_reason) == _numbers(en_reason)
    assert en[2].startswith("2 false alarm(s)") and "planted defects proven by evidence" in en[3]


def test_key_validate_problems_in_japanese(cohort: dict[str, Any]) -> None:
    lock = cohort["lock"]
    data = yaml.safe_load(lock.key_path.read_text(encoding="utf-8"))
    data["device"] = str(lock.key.device_spec())
    rid = _first(lock.key, "FAIL")
    data["answers"][rid]["defects"][0]["evidence"] = [{"kind": "capture", "packet": 999999},
                                                      {"kind": "firmware", "path": "/etc/no-such-file"},
                                                      {"kind": "declaration", "field": "no_such_field"}]
    data["answers"][_first(lock.key, "PASS")]["defects"] = [
        {"id": "not-here", "summary": "a PASS answer with a defect",
         "evidence": [{"kind": "capture", "packet": 1}]}]
    broken = cohort["work"] / "broken.key.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    case = str(cohort["aiko_lock"].path)
    ja = invoke_with({}, "exercise", "key", "validate", str(broken), "--case", case)  # the case's: ja
    en = invoke_with({}, "exercise", "key", "validate", str(broken), "--case", case, "--lang", "en")
    assert ja.code == en.code == 1, ja.out + ja.err
    assert "past the capture's" in en.out and "is not in" in en.out
    assert "only a FAIL answer has defects" in en.out
    _japanese(ja.out)
    assert ja.out.count("エラー: ") == en.out.count("error: ") >= 4
    for ja_line, en_line in zip(ja.out.splitlines(), en.out.splitlines(), strict=True):
        assert _numbers(ja_line) == _numbers(en_line), (ja_line, en_line)


class _Visible(HTMLParser):
    """A page's visible text (and its `title` attributes) without style, code and identifiers (`mono`)."""

    SKIPPED = frozenset({"style", "script", "code"})
    VOID = frozenset({"br", "meta", "img", "hr", "link"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[bool] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("title"):
            self.text.append("\n" + str(values["title"]) + "\n")
        if tag in self.VOID:
            self.text.append("\n")
            return
        skipped = tag in self.SKIPPED or "mono" in (values.get("class") or "").split()
        self.open.append(skipped or (bool(self.open) and self.open[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self.open:
            self.open.pop()
        self.text.append("\n")

    def handle_data(self, data: str) -> None:
        if not (self.open and self.open[-1]):
            self.text.append(data)


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "".join(parser.text)


TEXT_FIELDS = {"title", "shortfalls", "warnings", "language"}


def _figures(value: Any) -> Any:
    """cohort.json without its texts (titles, shortfalls, warnings, language): the figures and ids."""
    if isinstance(value, dict):
        return {k: _figures(v) for k, v in value.items() if k not in TEXT_FIELDS}
    if isinstance(value, list):
        return [_figures(v) for v in value]
    return value


@pytest.fixture(scope="module")
def reports(cohort: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for lang in ("ja", "en"):
        folder = cohort["work"] / f"report-{lang}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            data = write_report(cohort["trainees"], cohort["course"], folder, NEW_EDITION, lang=lang)
        out[lang] = {"data": data, "json": json.loads((folder / "cohort.json").read_text(encoding="utf-8")),
                     "html": (folder / "cohort.html").read_text(encoding="utf-8"),
                     "warnings": [str(w.message) for w in caught]}
    return out


def test_cohort_page_in_japanese(reports: dict[str, Any]) -> None:
    ja, en = reports["ja"], reports["en"]
    assert '<html lang="ja">' in ja["html"] and '<html lang="en">' in en["html"]
    assert ja["json"]["language"] == "ja" and en["json"]["language"] == "en"
    text = _visible(ja["html"])
    _japanese(text)
    assert AIKO in text and "認定検査員" in text and "得点" in text and "更新研修" in text
    assert ja["data"]["refresher"]["affected"], "the refresher's section is on the page"
    assert "Scores" in _visible(en["html"]) and "cohort report" in _visible(en["html"])


def test_cohort_plots_japanese_without_missing_glyphs(reports: dict[str, Any]) -> None:
    ja = reports["ja"]
    assert not [w for w in ja["warnings"] if "Glyph" in w or "missing from" in w], ja["warnings"]
    for name, words in (("heatmap", "研修生・演習ごとの得点"), ("progress", "コースの進捗"),
                        ("missed", "最も多く見逃された要件")):
        svg = re.search(rf'aria-label="{name}".*?</svg>', ja["html"], re.S)
        assert svg is not None and words in svg.group(0), name
        assert "Noto Sans CJK JP" in svg.group(0)


def test_cohort_figures_equal_the_english_report(reports: dict[str, Any]) -> None:
    ja, en = reports["ja"]["json"], reports["en"]["json"]
    assert _figures(ja) == _figures(en)
    assert [t["name"] for t in ja["trainees"]] == [BEN, AIKO]
    aiko = ja["trainees"][1]["exercises"]
    assert aiko[1]["shortfalls"] and all(KANA.search(reason) for reason in aiko[1]["shortfalls"])
    assert ja["course"]["title"] != en["course"]["title"]
    assert all(r["title"] and english_runs(r["title"]) == [] for r in ja["most_missed"])


def test_report_and_refresher_lines_in_japanese(cohort: dict[str, Any]) -> None:
    runs = {}
    for lang in ("ja", "en"):
        report = invoke_with({}, "exercise", "report", str(cohort["trainees"]), "--course", str(COURSE),
                             "--out", str(cohort["work"] / f"cli-{lang}"), "--lang", lang)
        refresher = invoke_with({}, "exercise", "refresher", "--course", str(COURSE), "--catalog",
                                NEW_EDITION, "--lang", lang)
        assert report.code == refresher.code == 0, report.err + refresher.err
        runs[lang] = (report.out, refresher.out)
    for ja_text, en_text in zip(runs["ja"], runs["en"], strict=True):
        _japanese(ja_text)
        ja_lines, en_lines = ja_text.splitlines(), en_text.splitlines()
        assert len(ja_lines) == len(en_lines)
        for ja_line, en_line in zip(ja_lines, en_lines, strict=True):
            if "cli-" not in ja_line:  # the files written: their folders differ
                assert _numbers(ja_line) == _numbers(en_line), (ja_line, en_line)
    assert "Refresher for catalogue" in runs["en"][1] and "更新研修" in runs["ja"][1]
