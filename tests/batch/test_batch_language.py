"""The run's language (issue 11): each case's own (case.yaml), or --lang; its notebooks (notebooks/ja/),
the `language` parameter, the checks judged in it, results.json's `language`, the pages; through one
shared worker pool and on a Dask cluster, where two cases of one run may speak different languages."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import run_fixture

from workbench.batch.cases import run_cases
from workbench.batch.runner import BatchOptions, notebook_sources
from workbench.demo import build_case, load_demo_case

pytestmark = pytest.mark.slow

ONLY = ["AUTH-01"]
KANA = re.compile(r"[\u3040-\u30ff]")


def options(out: Path, **more: Any) -> BatchOptions:
    return BatchOptions(**{"case_dir": Path("."), "out_dir": out, "only": ONLY, "progress": False, "jobs": 2,
                           **more})


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The defective demo camera twice: its case in English, and in Japanese."""
    demo = load_demo_case("defective")
    built = {}
    for lang in ("en", "ja"):
        spec = replace(demo, name=f"cam-{lang}", info={**demo.info, "language": lang})
        built[lang] = Path(build_case(spec, tmp_path_factory.mktemp(lang)).path)
    return built


def page_text(bundle: Path, name: str) -> str:
    return (bundle / "notebooks" / f"{name}.html").read_text(encoding="utf-8")


def assert_speaks(bundle: Path, lang: str) -> None:
    """results.json, the index and the notebook pages are in `lang` (their narrative from that
    language's notebook, which received `language`)."""
    results = json.loads((bundle / "results.json").read_text(encoding="utf-8"))
    assert results["language"] == lang
    for page in ("AUTH-01", "00-case-overview"):
        html = page_text(bundle, page)
        assert f'<html lang="{lang}">' in html[:500], page
        assert bool(KANA.search(html)) == (lang == "ja"), page
    index = (bundle / "index.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in index and ("証跡バンドル" in index) == (lang == "ja")


def test_cases_of_two_languages_share_one_worker_pool(cases, tmp_path):
    outcomes = run_cases([cases["en"], cases["ja"]], options(tmp_path))
    assert [o.error for o in outcomes] == [None, None]
    english, japanese = (o.result for o in outcomes)
    assert (english.language, japanese.language) == ("en", "ja")
    assert_speaks(english.bundle_dir, "en")
    assert_speaks(japanese.bundle_dir, "ja")
    assert [r.verdict for r in english.rows] == [r.verdict for r in japanese.rows] == ["FAIL"]


def test_lang_overrides_every_cases_language(cases, tmp_path):
    outcomes = run_cases([cases["ja"]], options(tmp_path, language="en"))
    assert_speaks(outcomes[0].result.bundle_dir, "en")


def test_a_cluster_run_gives_each_case_its_language(cases, tmp_path):
    from workbench.batch.distributed import run_on_cluster

    outcomes = run_on_cluster([cases["ja"], cases["en"]], options(tmp_path), "local:2")
    assert [o.error for o in outcomes] == [None, None]
    assert_speaks(outcomes[0].result.bundle_dir, "ja")
    assert_speaks(outcomes[1].result.bundle_dir, "en")


def test_a_requirement_without_a_japanese_notebook_runs_the_english_one_and_says_so(tmp_path):
    """The fixture notebooks have no ja/ folder: each runs in English, one warning names them, in
    Japanese, and the page's own texts are Japanese all the same."""
    run = run_fixture(tmp_path, "--lang", "ja", "--only", "FIX-01,FIX-03")
    assert run.invocation.code == 0, run.invocation.err
    results = json.loads((run.bundle / "results.json").read_text(encoding="utf-8"))
    assert results["language"] == "ja"
    fallback = [w for w in results["warnings"] if "日本語ノートブックがない" in w]
    assert len(fallback) == 1 and "00-case-overview, FIX-01, FIX-03" in fallback[0], results["warnings"]
    page = (run.bundle / "notebooks" / "FIX-01.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and "判定:" in page and "BATCH-FIXTURE-OUTPUT-MARKER" in page
    assert "証跡バンドル:" in run.invocation.err  # the summary lines, in the bundle's language


def test_notebook_sources_prefer_the_languages_own_and_fall_back_to_english(tmp_path):
    (tmp_path / "ja").mkdir()
    for name in ("A.ipynb", "B.ipynb", "ja/A.ipynb"):
        (tmp_path / name).write_text("{}")
    sources, untranslated = notebook_sources(tmp_path, ["A", "B", "C"], "ja")
    assert sources == {"A": tmp_path / "ja" / "A.ipynb", "B": tmp_path / "B.ipynb"}
    assert untranslated == ["B"]
    assert notebook_sources(tmp_path, ["A", "B"], "en") == ({"A": tmp_path / "A.ipynb",
                                                             "B": tmp_path / "B.ipynb"}, [])
