"""The capture engine's reasons for listing a download, rendered in Japanese when shown.

The engine writes a download's `reason` in English (its notes joined by "; ") into the cached analysis;
UPD-02 quotes it in its finding summary through `enginetext.detail_text`. Real things: the demo captures of
sample_captures/ through the capture engine, and UPD-02 on the demo defective case (`workbench demo`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from english import english_runs

from workbench.capture import analyse_capture
from workbench.checks import Verdict, get_check
from workbench.checks.context import EvidenceContext
from workbench.enginetext import detail_text, warning_template
from workbench.i18n import use_language

SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"


def japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


def reasons(capture: str) -> set[str]:
    return {r for r in analyse_capture(SAMPLES / capture).tables["downloads"]["reason"] if r}


def without_values(text: str, values: list[str]) -> str:
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, " | ")
    return text


@pytest.mark.parametrize("capture", ["demo_defective.pcap", "demo_clean.pcap"])
def test_every_download_reason_of_a_demo_capture_renders_in_japanese(capture: str) -> None:
    found = reasons(capture)
    assert found, capture  # the demo captures list a download (in clear; over TLS)
    for reason in found:
        notes = reason.split("; ")
        values: list[str] = []
        for note in notes:
            matched = warning_template(note)
            if matched is None:  # a note spanning "; " (the TLS one): the whole reason is one template
                matched = warning_template(reason)
            assert matched is not None, note
            values += matched[1].values()
        assert detail_text(reason) == reason == detail_text(reason, "en")  # English: as stored
        ja = detail_text(reason, "ja")
        assert japanese(ja), ja
        assert english_runs(without_values(ja, values)) == [], ja
        assert english_runs(ja) == [], ja  # its values (.bin, a content type, uImage, a host): no words


def test_the_defective_demos_reason_says_each_note_in_japanese() -> None:
    (reason,) = reasons("demo_defective.pcap")
    assert reason == (
        "path ends with .bin; content type application/octet-stream; body starts with uImage magic;"
        " path names an update"
    )
    assert detail_text(reason, "ja") == (
        "パスが .bin で終わる; Content-Type が application/octet-stream;"
        " 本体が uImage のマジックナンバーで始まる; パスがアップデートを示す語を含む"
    )


def test_upd_02_says_the_engines_reason_in_japanese(tmp_path: Path) -> None:
    from workbench.demo import build_case, load_demo_case

    case = build_case(load_demo_case("defective"), tmp_path)
    results = {}
    for lang in ("en", "ja"):
        with use_language(lang):
            results[lang] = get_check("UPD-02").run(EvidenceContext.for_case(case.path, "UPD-02"))
    assert results["en"].verdict == results["ja"].verdict == Verdict.FAIL
    english = [f.summary for f in results["en"].findings if "path names an update" in f.summary]
    assert english  # the clear download, with the engine's reason
    japanese_summaries = [f.summary for f in results["ja"].findings if "uImage" in f.summary]
    assert japanese_summaries and all(
        "パスがアップデートを示す語を含む" in s and "path names" not in s and english_runs(s) == []
        for s in japanese_summaries
    ), japanese_summaries
