"""The Japanese notebooks, executed by papermill in a real kernel on the defective demo device: their
narrative, the ui's texts and the widget labels are Japanese (no run of English words outside code,
identifiers and evidence values); the English notebooks stay English."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from english import english_runs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
from nb_helpers import NOTEBOOKS, all_text, bundled_catalog, execute, published  # noqa: E402

from workbench import i18n  # noqa: E402

DEMO = Path(__file__).resolve().parents[2] / "sample_captures" / "cases" / "defective" / "device.yaml"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory):
    import yaml

    from workbench.analysis import prepare
    from workbench.case import Case, CaseInfo

    if bundled_catalog() is None or not DEMO.is_file():
        pytest.skip("the bundled catalogue or the demo device is not there")
    described = yaml.safe_load(DEMO.read_text())
    files = [DEMO.parent / a["file"] for a in described["artefacts"]]
    if not all(f.is_file() for f in files):
        pytest.skip("the demo device's sample files are not generated yet")
    case = Case.create(tmp_path_factory.mktemp("demo-ja") / "cam", CaseInfo.model_validate(described["case"]))
    for artefact in described["artefacts"]:
        case.add_artefact(DEMO.parent / artefact["file"], artefact["kind"])
    case.declare(DEMO.parent / described["declaration"])
    prepare(case)
    return case


def visible(html: str) -> str:
    """The text a reader sees, without code, evidence references and tables of evidence (device data)."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.select("style, script, code, pre, ul.evidence, table.wb-evidence"):
        node.decompose()
    return soup.get_text(" ")


def reader_texts(nb) -> list[tuple[int, str]]:
    """(cell index, text) of every markdown cell and every output a person reads (HTML when there is
    HTML; printed text); code cells' sources are not among them."""
    texts = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            texts.append((index, cell.source))
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output.get("evalue")
            data = output.get("data", {})
            if output.get("output_type") == "stream":
                texts.append((index, output.get("text", "")))
            elif "text/html" in data:
                texts.append((index, visible(data["text/html"])))
            elif "text/plain" in data:
                texts.append((index, data["text/plain"]))
    return texts


def english_in(nb) -> list[str]:
    return [f"cell {i}: {run}" for i, text in reader_texts(nb) for run in english_runs(text)]


def run(demo_case, name: str, folder: Path, out: Path, **parameters):
    params = {"case_dir": str(demo_case.path), "interactive": False, **parameters}
    return execute(folder / f"{name}.ipynb", out, **params)


@pytest.mark.parametrize("name", ["COM-01", "ATK-05", "VULN-01", "00-case-overview"])
def test_japanese_notebook_reads_in_japanese(name, demo_case, tmp_path) -> None:
    nb = run(demo_case, name, NOTEBOOKS / "ja", tmp_path)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown and all(JAPANESE.search(text) for text in markdown)
    assert sum(bool(JAPANESE.search(t)) for _i, t in reader_texts(nb)) > len(markdown)  # outputs too
    assert english_in(nb) == []
    html = all_text(nb)
    if name == "COM-01":
        (payload,) = published(nb)
        assert payload["result"]["verdict"] == "FAIL"  # the same judgement as in English
        assert "平文で見えた認証情報" in html  # the page's table title, translated in the notebook's code
        assert 'class="dataframe wb-evidence"' in html  # device data marked as evidence
        assert "平文の認証情報（プロトコル別）" in all_text(nb, "text/plain")  # the plot's title
    if name == "00-case-overview":
        assert "レベル別" in html and "要件別" in html


def test_live_tests_notebook_reads_in_japanese_with_the_probes_plan(demo_case, tmp_path) -> None:
    nb = run(demo_case, "00-live-tests", NOTEBOOKS / "ja", tmp_path)
    html = all_text(nb)
    assert "実施計画" in html and "機器はまだプローブされていない" in html
    assert "テストアクセス：許可なし" in html and "各サービスに認証情報なしで接続" in html  # the probe's plan
    assert english_in(nb) == []


def test_english_notebook_is_unchanged(demo_case, tmp_path) -> None:
    nb = run(demo_case, "COM-01", NOTEBOOKS, tmp_path)
    texts = [t for _i, t in reader_texts(nb)]
    assert not [t for t in texts if JAPANESE.search(t)]
    html = all_text(nb)
    assert "Credentials seen in clear" in html and "Evidence this requirement uses" in html
    assert "## 1. The requirement" in "\n".join(c.source for c in nb.cells)


def test_the_english_notebook_speaks_japanese_when_told(demo_case, tmp_path) -> None:
    """`language` is a parameter: the batch may run either set in either language; the ui follows it."""
    nb = run(demo_case, "COM-01", NOTEBOOKS, tmp_path, language="ja")
    html = all_text(nb)
    assert "この要件が用いる証跡" in html and "平文で見えた認証情報" in html  # titles translated at runtime


def test_the_detector_sees_english_ui_texts(demo_case, tmp_path) -> None:
    """The check above can fail: the English notebook's outputs are full of English runs."""
    nb = run(demo_case, "COM-01", NOTEBOOKS, tmp_path)
    assert len(english_in(nb)) > 20


def test_widget_labels_and_messages_are_japanese(demo_case) -> None:
    pytest.importorskip("ipywidgets")
    from workbench.notebook import open_check
    from workbench.ui.widget import VerdictWidget

    session = open_check(demo_case.path, "DEL-01", language="ja")  # VULN-01 stays unrecorded (below)
    assert i18n.language() == "ja"
    widget = VerdictWidget(session)
    labels = [widget.verdict.description, widget.rationale.description, widget.evidence.description,
              widget.inspector.description, widget.button.description, widget.rationale.placeholder]
    assert all(JAPANESE.search(label) for label in labels), labels
    assert [run for label in labels for run in english_runs(label)] == []
    widget._record()  # no verdict chosen: the refusal is said in Japanese
    assert "記録されていない" in widget.message.value and english_runs(visible(widget.message.value)) == []
    widget.verdict.value = "PASS"
    widget.rationale.value = "脆弱性フィードと照合した。"
    widget.inspector.value = "検査 太郎"
    widget._record()
    assert "検査ケースへ記録した" in widget.message.value
    assert english_runs(visible(widget.message.value)) == []
    assert english_runs(visible(widget.status.value)) == []


def test_open_check_and_open_case_take_the_case_language_when_none_is_given(demo_case, tmp_path) -> None:
    from workbench.case import Case, CaseInfo
    from workbench.notebook import case_language, open_case, open_check

    assert case_language(demo_case) == "en"
    i18n.set_language("ja")
    open_check(demo_case.path, "COM-01")  # "": the case's language
    assert i18n.language() == "en"
    info = {"device": "IP カメラ", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
            "language": "ja"}
    japanese = Case.create(tmp_path / "cam-ja", CaseInfo.model_validate(info))
    assert case_language(japanese) == "ja"
    open_case(japanese.path)
    assert i18n.language() == "ja"
    open_check(japanese.path, "COM-01", language="en")  # given: it wins
    assert i18n.language() == "en"


def test_interactive_japanese_notebook_shows_the_widget_in_japanese(demo_case, tmp_path) -> None:
    """Interactively (JupyterLab, `workbench lab`) the notebook builds the verdict widget; its static
    view and every output read in Japanese."""
    nb = run(demo_case, "VULN-01", NOTEBOOKS / "ja", tmp_path, interactive=True)
    widget_views = [o for c in nb.cells for o in c.get("outputs", [])
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget_views, "the verdict widget was displayed"
    assert english_in(nb) == []
    assert "検査員の判定はまだ記録されていない。" in all_text(nb)
