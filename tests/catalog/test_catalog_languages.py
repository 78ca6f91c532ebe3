"""The catalogue's own languages: English and Japanese in the same entry, a lab's catalogue in one.

The shipped editions carry both; a lab's may carry one (the other is shown in the catalogue's own
language, marked); a declared language must be complete, an undeclared one is refused; translations
never reach a requirement's fingerprint.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.catalog import diff_catalogs, load_catalog, requirement_sha256
from workbench.catalog.loader import EDITIONS_DIR, bundled_editions
from workbench.catalog.model import TEXT_FIELDS, Catalog
from workbench.catalog.render import Glyphs, diff_text, display_width, show_text, table, wrap
from workbench.cli import main
from workbench.errors import CatalogError
from workbench.i18n import LANGUAGES, use_language

ROOT = Path(__file__).resolve().parents[2]
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")

JA_FIELDS = {
    "title": "初期パスワードの共通化禁止",
    "statement": "機器は製品共通の初期パスワードを持たない。",
    "rationale": "共通のパスワードは公開された時点で秘密でなくなる。",
    "typical_failure": "取扱説明書に admin / admin と記載されている。",
    "pass_criteria": ["ログイン可能なアカウントに空のパスワードがない。"],
    "inspection_method": ["ファームウェアイメージを検査ケースに追加する。", "判定を記録する。"],
}


def _texts(value: Any) -> list[str]:
    return list(value) if isinstance(value, list | tuple) else [value]


# ── the shipped editions ───────────────────────────────────────────────────────────────


@pytest.fixture(scope="module")
def editions() -> list[Catalog]:
    return [load_catalog(name) for name in bundled_editions()]


def test_five_editions_ship(editions: list[Catalog]) -> None:
    assert [c.edition for c in editions] == ["2025.1", "2026.1", "2026.2", "2026.3", "2026.4"]


def test_every_shipped_requirement_has_english_and_japanese(editions: list[Catalog]) -> None:
    for catalog in editions:
        assert catalog.language == "en" and catalog.languages == ["en", "ja"], catalog.edition
        assert JAPANESE.search(catalog.title_in("ja")) and catalog.title_in("en") == catalog.title
        for r in catalog.requirements:
            en, ja = r.text("en"), r.text("ja")
            assert (en.language, en.fallback, ja.language, ja.fallback) == ("en", False, "ja", False), r.id
            assert ja.mark == "" and en.mark == ""
            for name in TEXT_FIELDS:
                english, japanese = getattr(en, name), getattr(ja, name)
                assert english == (
                    tuple(getattr(r, name)) if isinstance(english, tuple) else getattr(r, name)
                )
                # one translation per criterion and per step, in the same order
                assert len(_texts(english)) == len(_texts(japanese)), f"{catalog.edition} {r.id} {name}"
                for text in _texts(japanese):
                    where = f"{catalog.edition} {r.id} {name}: {text!r}"
                    assert text.strip(), where
                    assert JAPANESE.search(text), f"not Japanese: {where}"
                for text in _texts(english):
                    assert not JAPANESE.search(text), (
                        f"Japanese in the English field: {catalog.edition} {r.id}"
                    )


def test_japanese_uses_the_glossary_terms(editions: list[Catalog]) -> None:
    """The terms of docs/CONTRACTS.md's glossary, not their synonyms, across the newest edition."""
    newest = editions[-1]
    text = "\n".join(
        t for r in newest.requirements for name in TEXT_FIELDS for t in _texts(getattr(r.text("ja"), name))
    )
    for term in ("検査", "判定", "証跡", "製造者", "機器", "ファームウェアイメージ"):
        assert term in text, term
    assert "メーカー" not in text and "ベンダー申告" not in text


def test_translations_do_not_change_any_fingerprint(editions: list[Catalog], tmp_path: Path) -> None:
    """Each edition with its translations stripped (the file as it was before them) hashes the same."""
    for catalog in editions:
        data = yaml.safe_load((EDITIONS_DIR / f"{catalog.edition}.yaml").read_text(encoding="utf-8"))
        assert data.pop("languages") == ["en", "ja"]
        data.pop("translations")
        for requirement in data["requirements"]:
            assert set(requirement.pop("translations")) == {"ja"}
        path = tmp_path / f"{catalog.edition}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        english_only = load_catalog(path)
        assert english_only.languages == ["en"]
        for before, after in zip(english_only.requirements, catalog.requirements, strict=True):
            assert requirement_sha256(before) == requirement_sha256(after), after.id
        # the catalogue's diff sees no criterion change, only translations
        diff = diff_catalogs(english_only, catalog)
        assert diff.is_empty and [t.id for t in diff.translated] == catalog.ids
        assert {t.languages for t in diff.translated} == {("ja",)}


def test_fingerprint_ignores_translations_but_not_the_text(editions: list[Catalog]) -> None:
    r = editions[-1].get("AUTH-01")
    bare = r.model_copy(update={"translations": {}})
    reworded = r.model_copy(
        update={"translations": {"ja": r.translations["ja"].model_copy(update={"title": "別"})}}
    )
    assert requirement_sha256(bare) == requirement_sha256(r) == requirement_sha256(reworded)
    assert requirement_sha256(r.model_copy(update={"title": "Something else"})) != requirement_sha256(r)


def test_language_literal_is_what_the_workbench_speaks() -> None:
    from workbench.catalog.model import Language

    assert tuple(Language.__args__) == LANGUAGES


# ── the command line ───────────────────────────────────────────────────────────────────


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_show_in_japanese(capsys: pytest.CaptureFixture[str], editions: list[Catalog]) -> None:
    requirement = editions[-1].get("AUTH-01")
    code, out, _ = run(["catalog", "show", "auth-01", "--lang", "ja"], capsys)
    assert code == 0
    ja = requirement.text("ja")
    assert out.startswith(f"AUTH-01  {ja.title}\nレベル ★（1）")
    for heading in ("要件の内容", "この要件が必要な理由", "不適合となる機器の典型例", "適合基準", "評価手法"):
        assert f"\n{heading}\n" in out
    assert "（英語のみ）" not in out
    flat = "".join(out.split())
    assert "".join(ja.statement.split()) in flat
    assert "".join(ja.inspection_method[0].split()) in flat
    assert requirement.statement.split()[0] + " " not in out  # not the English statement
    code, english, _ = run(["catalog", "show", "AUTH-01"], capsys)
    assert english.startswith(f"AUTH-01  {requirement.title}\nLevel ★ (1) · automatic")
    assert not JAPANESE.search(english)


def test_list_in_japanese(capsys: pytest.CaptureFixture[str], editions: list[Catalog]) -> None:
    code, out, _ = run(["catalog", "list", "--lang", "ja"], capsys)
    assert code == 0
    newest = editions[-1]
    assert out.startswith(f"要件カタログ 2026.4 · {newest.title_in('ja')}（")
    for r in newest.requirements:
        assert re.search(rf"^{r.id} +★+ +\S+ +{re.escape(r.text('ja').title[:10])}", out, re.M), r.id
    assert out.rstrip().endswith("要件 39 件（★ 17 · ★★ 14 · ★★★ 8）")
    code, out, _ = run(["catalog", "list", "--lang", "ja", "--format", "csv"], capsys)
    assert newest.get("COM-02").text("ja").title in out


def test_show_json_with_lang_carries_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    code, out, _ = run(["catalog", "show", "COM-02", "--format", "json", "--lang", "ja"], capsys)
    data = json.loads(out)
    assert data["text"]["language"] == "ja" and data["text"]["fallback"] is False
    assert JAPANESE.search(data["text"]["title"]) and set(data["translations"]) == {"ja"}


def test_lines_fit_the_width_in_japanese(editions: list[Catalog]) -> None:
    with use_language("ja"):
        for r in editions[-1].requirements:
            text = show_text(r, editions[-1], Glyphs(), width=72, lang="ja")
            long = [
                line for line in text.splitlines() if display_width(line) > 72 and "  " not in line.strip()
            ]
            assert not long, (r.id, long)
            # a closing bracket, comma or full stop never starts a line (the character before goes along)
            assert not [line for line in text.splitlines() if line.strip()[:1] in set("、。）」』：；")], r.id
        listing = table(editions[-1], list(editions[-1].requirements), Glyphs(), width=90, lang="ja")
    assert all(display_width(line) <= 90 for line in listing.splitlines())


def test_wrap_keeps_english_as_textwrap_and_japanese_by_columns() -> None:
    english = "one two three four five six seven eight nine ten " * 3
    import textwrap

    assert wrap(english, 30, "  ", "  ") == textwrap.wrap(
        english, 30, initial_indent="  ", subsequent_indent="  "
    )
    japanese = "機器は製品共通の初期パスワードを持たない。TLS 1.2 以上を使用し、" * 4
    lines = wrap(japanese, 30, "  ", "  ")
    assert all(display_width(line) <= 30 for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == japanese.replace(" ", "")
    assert not any(line.strip()[0] in "、。" for line in lines)  # no line starts with a comma or full stop
    assert any("TLS 1.2" in line for line in lines)  # a word of Latin letters is not cut


# ── a lab's catalogue ──────────────────────────────────────────────────────────────────


def _japanese_only(catalog_data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(catalog_data)
    data.update(language="ja", title="検査機関の要件カタログ")
    for requirement in data["requirements"]:
        requirement.update(copy.deepcopy(JA_FIELDS))
    return data


def test_lab_catalogue_in_japanese_only_shows_the_mark(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml("lab-ja.yaml", _japanese_only(catalog_data))
    catalog = load_catalog(path)
    assert (catalog.language, catalog.languages, catalog.title_in("en")) == (
        "ja",
        ["ja"],
        "検査機関の要件カタログ",
    )
    text = catalog.get("AUTH-01").text("en")
    assert (text.language, text.fallback, text.requested, text.title) == (
        "ja",
        True,
        "en",
        JA_FIELDS["title"],
    )
    assert text.mark == "(Japanese only)"
    assert catalog.get("AUTH-01").text("ja").fallback is False
    code, out, _ = run(["catalog", "show", "AUTH-01", "--catalog", str(path)], capsys)
    assert code == 0 and out.startswith(f"AUTH-01  {JA_FIELDS['title']} (Japanese only)\nLevel ★ (1)")
    code, out, _ = run(["catalog", "show", "AUTH-01", "--catalog", str(path), "--lang", "ja"], capsys)
    assert out.startswith(f"AUTH-01  {JA_FIELDS['title']}\nレベル") and "のみ" not in out


def test_lab_catalogue_in_english_only_shows_the_japanese_mark(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_yaml("lab-en.yaml", catalog_data)
    code, out, _ = run(["catalog", "show", "AUTH-01", "--catalog", str(path), "--lang", "ja"], capsys)
    assert out.startswith("AUTH-01  Test requirement AUTH-01 （英語のみ）\nレベル ★（1）")
    code, out, _ = run(["catalog", "list", "--catalog", str(path), "--lang", "ja"], capsys)
    assert "Test requirement COM-02 （英語のみ）" in out
    code, out, _ = run(["catalog", "show", "AUTH-01", "--catalog", str(path)], capsys)  # unchanged
    assert out.startswith("AUTH-01  Test requirement AUTH-01\nLevel ★ (1) · automatic") and "only" not in out


def test_bilingual_lab_catalogue(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    catalog_data.update(languages=["en", "ja"], translations={"ja": {"title": "検査機関のカタログ"}})
    for requirement in catalog_data["requirements"]:
        requirement["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    catalog = load_catalog(write_yaml("lab.yaml", catalog_data))
    assert catalog.languages == ["en", "ja"] and catalog.title_in("ja") == "検査機関のカタログ"
    assert catalog.get("COM-02").text("ja").pass_criteria == tuple(JA_FIELDS["pass_criteria"])
    with use_language("ja"):  # the default is the current language
        assert (
            catalog.get("COM-02").text().title == JA_FIELDS["title"]
            and catalog.title_in() == "検査機関のカタログ"
        )
    assert catalog.get("COM-02").text().title == "Test requirement COM-02"


def test_a_missing_translation_field_is_refused_one_line_each(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data.update(languages=["en", "ja"], translations={"ja": {"title": "検査機関のカタログ"}})
    partial = {k: v for k, v in JA_FIELDS.items() if k not in ("rationale", "inspection_method")}
    catalog_data["requirements"][0]["translations"] = {"ja": partial}
    path = write_yaml("lab.yaml", catalog_data)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    declares = "is missing (the catalogue declares languages en, ja)"
    assert str(caught.value).splitlines() == [
        f"{path}: requirement AUTH-01: field 'translations.ja.rationale': {declares}",
        f"{path}: requirement AUTH-01: field 'translations.ja.inspection_method': {declares}",
        f"{path}: requirement COM-02: field 'translations.ja': {declares}",
    ]


def test_the_header_title_translation_is_required(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data["languages"] = ["en", "ja"]
    for requirement in catalog_data["requirements"]:
        requirement["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    path = write_yaml("lab.yaml", catalog_data)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value) == (
        f"{path}: field 'translations.ja.title': is missing (the catalogue declares languages en, ja)"
    )


def test_a_translation_into_an_undeclared_language_is_refused(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data["requirements"][1]["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    path = write_yaml("lab.yaml", catalog_data)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert str(caught.value) == (
        f"{path}: requirement COM-02: field 'translations.ja': language 'ja' is not declared in the header's"
        " languages (en); declare it there or remove the translation"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"translations": {"de": {"title": "x"}}}, "field 'translations.de': must be 'en' or 'ja'"),
        ({"languages": ["ja"]}, "must include the catalogue's own language 'en' (got ja)"),
        ({"languages": ["en", "en"]}, "field 'languages': lists 'en' twice"),
        ({"language": "fr"}, "field 'language': must be 'en' or 'ja' (got 'fr')"),
    ],
)
def test_header_language_mistakes(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], change: dict[str, Any], expected: str
) -> None:
    catalog_data.update(change)
    with pytest.raises(CatalogError) as caught:
        load_catalog(write_yaml("lab.yaml", catalog_data))
    assert expected in str(caught.value)


def test_a_translation_keeps_the_field_constraints_and_strictness(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data.update(languages=["en", "ja"], translations={"ja": {"title": "検査機関のカタログ"}})
    for requirement in catalog_data["requirements"]:
        requirement["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    broken = copy.deepcopy(catalog_data)
    broken["requirements"][0]["translations"]["ja"]["title"] = "一行目\n二行目"
    path = write_yaml("a.yaml", broken)
    with pytest.raises(
        CatalogError, match=r"requirement AUTH-01: field 'translations\.ja\.title': must be one line"
    ):
        load_catalog(path)
    broken = copy.deepcopy(catalog_data)
    broken["requirements"][0]["translations"]["ja"]["pass_criteria"] = []
    with pytest.raises(
        CatalogError, match=r"field 'translations\.ja\.pass_criteria': must have at least 1 item"
    ):
        load_catalog(write_yaml("b.yaml", broken))
    broken = copy.deepcopy(catalog_data)
    broken["requirements"][0]["translations"]["ja"]["statment"] = "誤記"
    with pytest.raises(
        CatalogError, match=r"field 'translations\.ja\.statment': unknown field; did you mean 'statement'"
    ):
        load_catalog(write_yaml("c.yaml", broken))


def test_a_folder_names_the_file_of_the_requirement_missing_its_translation(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], tmp_path: Path
) -> None:
    header = {k: v for k, v in catalog_data.items() if k != "requirements"}
    header.update(languages=["en", "ja"], translations={"ja": {"title": "検査機関のカタログ"}})
    first, second = catalog_data["requirements"]
    first["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    write_yaml("lab/00-header.yaml", {**header, "requirements": [first]})
    path = write_yaml("lab/10-more.yaml", {"requirements": [second]})
    with pytest.raises(CatalogError) as caught:
        load_catalog(tmp_path / "lab")
    assert str(caught.value).startswith(f"{path}: requirement COM-02: field 'translations.ja': is missing")


def test_diff_reports_translation_changes_apart(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data.update(languages=["en", "ja"], translations={"ja": {"title": "検査機関のカタログ"}})
    for requirement in catalog_data["requirements"]:
        requirement["translations"] = {"ja": copy.deepcopy(JA_FIELDS)}
    old = load_catalog(write_yaml("old.yaml", catalog_data))
    catalog_data["requirements"][1]["translations"]["ja"]["title"] = "TLS の最低版"
    new = load_catalog(write_yaml("new.yaml", catalog_data))
    diff = diff_catalogs(old, new)
    assert diff.is_empty and not diff.changed
    assert [t.to_dict() for t in diff.translated] == [{"id": "COM-02", "languages": ["ja"]}]
    assert diff.to_dict()["translated"] == [{"id": "COM-02", "languages": ["ja"]}]
    assert diff_text(diff, Glyphs()).endswith(
        "\nTranslations changed (not criteria: verdicts stay current)\n  ~ COM-02    ja\n"
    )


# ── the insertion script ───────────────────────────────────────────────────────────────


def test_insertion_script_keeps_comments_and_reports_gaps(tmp_path: Path) -> None:
    """The script on a copy of one edition: a gap is reported and nothing written; complete, the
    file gains only the translation lines (every other line, comments included, kept) and loads."""
    import json

    source = (EDITIONS_DIR / "2026.4.yaml").read_text(encoding="utf-8")
    catalog = load_catalog("2026.4")
    stripped = _strip_translations(source)
    folder = tmp_path / "editions"
    folder.mkdir()
    (folder / "2026.4.yaml").write_text(stripped, encoding="utf-8")
    table_: dict[str, dict[str, str]] = {"_edition_titles": {catalog.title: catalog.title_in("ja")}}
    for r in catalog.requirements:
        en, ja = r.text("en"), r.text("ja")
        entries = table_.setdefault(r.id, {})
        for name in TEXT_FIELDS:
            for english, japanese in zip(_texts(getattr(en, name)), _texts(getattr(ja, name)), strict=True):
                entries[english] = japanese
    gap = copy.deepcopy(table_)
    del gap["UPD-01"][catalog.get("UPD-01").inspection_method[1]]
    del gap["SEC-01"][catalog.get("SEC-01").title]
    (tmp_path / "gap.json").write_text(json.dumps(gap, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "full.json").write_text(json.dumps(table_, ensure_ascii=False), encoding="utf-8")
    script = [sys.executable, str(ROOT / "scripts" / "catalog_translations.py"), "--editions", str(folder)]

    done = subprocess.run([*script, str(tmp_path / "gap.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "2026.4: requirement UPD-01: field 'inspection_method[1]': no translation" in done.stderr
    assert "2026.4: requirement SEC-01: field 'title': no translation" in done.stderr
    assert (folder / "2026.4.yaml").read_text(encoding="utf-8") == stripped

    done = subprocess.run([*script, str(tmp_path / "full.json")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    written = (folder / "2026.4.yaml").read_text(encoding="utf-8")
    assert written == source  # exactly the shipped file: same lines, same places
    again = subprocess.run(
        [*script, str(tmp_path / "full.json")], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0 and (folder / "2026.4.yaml").read_text(encoding="utf-8") == source


def _strip_translations(text: str) -> str:
    """The edition's text without the lines the script inserts."""
    lines, out, skip_indent = text.split("\n"), [], None
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if skip_indent is not None:
            if line.strip() and indent > skip_indent:
                continue
            skip_indent = None
        if line.strip() in ("translations:",) and not line.lstrip().startswith("#"):
            skip_indent = indent
            continue
        if line == "languages: [en, ja]":
            continue
        out.append(line)
    return "\n".join(out)
