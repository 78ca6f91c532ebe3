"""The TS 103 701 page in Japanese (issue 11): the provisions' wording (workbench/catalog/ts_103_701.yaml)
carries its own Japanese, as the requirement catalogue does, and the loader refuses an entry without it;
the page's reasons and notes are gettext sentences. A real `workbench run --lang ja` of the export tests'
case (tests/export/test_ts103701.py) writes the page in Japanese, and exporting it again, whatever the
process's language, gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from english import english_runs
from export.test_ts103701 import DECLARATION, MAPPINGS, REPORT_NAME, Page, _bundle

from workbench.case import etsi
from workbench.case.etsi import reference
from workbench.errors import CaseError
from workbench.export.ts103701 import build_report
from workbench.export.ts103701_groups import Conceptual, Functional, summary
from workbench.i18n import use_language
from workbench.sealed import BundleView, open_bundle

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
FOLDED = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff、。] [\u3040-\u30ff\u4e00-\u9fff]")


def _texts_ja() -> Iterator[tuple[str, str, str]]:
    """(where, English, Japanese) for every text of the page's data."""
    ref = reference()
    for provision in ref.provisions:
        yield f"provision {provision.id}", provision.title, provision.title_in("ja")
    for clause, titled in ref.clauses.items():
        yield f"clause {clause}", titled.title, titled.title_in("ja")
    for section in ref.ixit_sections:
        yield f"IXIT {section}", ref.section_title(section, "en"), ref.section_title(section, "ja")
    for key in ref.results:
        yield f"result {key}", ref.result_word(key, "en"), ref.result_word(key, "ja")
    for kind in ref.test_cases:
        en, ja = ref.test_case(kind, "en"), ref.test_case(kind, "ja")
        yield f"{kind} name", en.name, ja.name
        yield f"{kind} purpose", en.purpose, ja.purpose
        yield f"{kind} verdict", en.verdict, ja.verdict
        assert set(en.units) == set(ja.units), kind
        for unit in en.units:
            yield f"{kind} unit {unit}", en.units[unit], ja.units[unit]


def test_every_text_of_the_reference_data_has_japanese() -> None:
    ref = reference()
    assert ref.language == "en" and set(ref.languages) == {"en", "ja"} and ref.untranslated() == []
    texts = list(_texts_ja())
    assert len(texts) == 67 + 14 + 29 + 4 + 2 * 3 + 3
    for where, en, ja in texts:
        assert ja != en and JAPANESE.search(ja), f"{where}: {ja!r}"
        assert not english_runs(ja), f"{where}: {ja!r}"
        assert not FOLDED.search(ja), f"{where}: a line break folded into a space between Japanese words"
    assert reference().provision_title("5.1-1", "en") == "passwords unique per device or set by the user"
    with use_language("ja"):  # the current language by default
        assert ref.clause_title("5.1-1") == "パスワード" and ref.result_word("does_not_conform") == "不適合"
        assert ref.provision_title("5.3-2") == "安全な更新メカニズム"
        assert ref.section_title(7) == "更新メカニズム"
    assert ref.clause_title("5.1-1") == "Passwords" and ref.section_title(7) == "update mechanisms"


@pytest.mark.parametrize("where", ["provisions", "clauses", "ixit_sections", "results", "test_cases"])
def test_the_loader_refuses_a_text_without_its_japanese(where: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    data = yaml.safe_load(etsi.DATA_FILE.read_text(encoding="utf-8"))
    owners = data[where] if isinstance(data[where], list) else list(data[where].values())
    del owners[-1]["translations"]
    broken = tmp_path / "ts_103_701.yaml"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(etsi, "DATA_FILE", broken)
    reference.cache_clear()
    try:
        with pytest.raises(CaseError, match=rf"no translation for {where}\[[^]]+\]\.ja") as refused:
            reference()
        assert str(broken) in str(refused.value.path)
    finally:
        reference.cache_clear()


def test_the_reasons_and_notes_are_whole_japanese_sentences() -> None:
    concept = Conceptual("5.1-1-1", None, (), True, "INCONCLUSIVE", "x")
    func = Functional("5.1-1-2", (), "PENDING", "y")
    with use_language("ja"):
        assert summary(concept, None) == ("not_assessed", "要件カタログにこれを試験する要件がない。概念: x")
        assert summary(concept, func) == ("not_assessed", "概念: x。機能: y")
    assert summary(concept, func) == ("not_assessed", "conceptual: x; functional: y")
    assert summary(concept, None) == ("not_assessed",
                                      "no requirement of the catalogue tests it; conceptual: x")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _bundle(tmp_path_factory.mktemp("ts103701-ja"), MAPPINGS, DECLARATION,
                   {"FIX-04": ("PASS", "seen on the device")}, "FIX-01,FIX-03,FIX-04,FIX-08", "--lang", "ja")


def test_the_page_of_a_japanese_bundle_is_in_japanese(bundle: Path) -> None:
    html = (bundle / "formats" / REPORT_NAME).read_text(encoding="utf-8")
    page = Page(html)
    assert '<html lang="ja">' in html
    title, clause = "機器ごとに固有のパスワード、又はユーザが設定するパスワード", "パスワード"
    assert page.rows["5.1-1"][2] == title + clause
    assert page.rows["5.1-1"][3] == "不適合" and page.rows["5.1-1"][6] == "機能: FIX-01 が不適合である"
    assert page.rows["5.2-1"][3] == "未評価"
    assert page.rows["5.2-1"][6] == "要件カタログにこれを試験する要件がない。概念: ICS に 5.2-1 の記載がない"
    assert page.rows["5.10-1"][6] == ("概念: 正当な理由を付けて対象外と申告されている。"
                                      "機能: ICS で対象外と申告されている。"
                                      "検査員が確認する（FIX-03 は検査員の判定待ちである）")
    assert page.rows["5.5-1"][3] == "適合" and page.rows["5.5-1"][6] == "両方のテストケースが適合した"
    assert "テストグループ 5.6-1（M）: 未使用インタフェースの無効化" in html
    assert "目的: 機器が申告どおりに動作すること。" in html and "<td>11 通信メカニズム</td>" in html
    for english in ("does not conform", "awaits the inspector", "unused interfaces disabled",
                    '<span class="small">Passwords</span>', "communication mechanisms",
                    "The device behaves as declared"):
        assert english not in html


def test_exporting_the_page_again_gives_the_same_bytes_in_any_language(bundle: Path) -> None:
    sealed = (bundle / "formats" / REPORT_NAME).read_text(encoding="utf-8")
    for lang in ("en", "ja"):
        with use_language(lang), open_bundle(bundle) as source:
            assert build_report(BundleView(source)) == sealed, lang
