"""Plots with Japanese labels: drawn to PNG with the font fallback list ending in Noto Sans CJK JP, they raise
no missing-glyph warning; the same labels with matplotlib's own font alone do (the check can fail)."""

from __future__ import annotations

import base64
import warnings

import pandas as pd
import pytest

from workbench import i18n
from workbench.ui import plots

pytest.importorskip("matplotlib")
NEEDS_FONT = pytest.mark.skipif(
    not any(path.is_file() for path in plots.CJK_FONT_FILES),
    reason="fonts-noto-cjk is not installed (scripts/install-system-deps.sh)",
)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


@pytest.fixture
def drawn(monkeypatch):
    """The figures drawn (their texts) and the PNG images displayed."""
    figures: list[list[str]] = []
    images: list[bytes] = []
    show = plots._show

    def keep(fig, alt):
        from matplotlib.text import Text

        figures.append([t.get_text() for t in fig.findobj(Text) if t.get_text()])
        show(fig, alt)

    def display(obj, raw=False):
        if "image/png" in obj:
            images.append(base64.b64decode(obj["image/png"]))

    monkeypatch.setattr(plots, "_show", keep)
    monkeypatch.setattr("IPython.display.display", display)
    return figures, images


def glyph_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if "Glyph" in str(w.message) and "missing" in str(w.message)]


FRAME = pd.DataFrame({"protocol": ["ftp", "telnet", "ftp", "mqtt"]})


@NEEDS_FONT
def test_japanese_labels_draw_without_missing_glyphs(drawn) -> None:
    figures, images = drawn
    with i18n.use_language("ja"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.value_counts(FRAME, "protocol", "Credentials in clear, per protocol")  # a page's plot title
        tls = pd.DataFrame({"offered_versions": [[771, 772]], "chosen_version": [772]})
        plots.tls_versions(tls)
    assert glyph_warnings(caught) == []
    assert len(images) == 2 and all(image.startswith(PNG) for image in images)
    texts = [text for figure in figures for text in figure]
    assert "平文の認証情報（プロトコル別）" in texts and "件数" in texts  # title and axis label, translated
    assert "TLS バージョン" in texts and "ハンドシェイク数" in texts
    assert plots.font_families()[-1] == "Noto Sans CJK JP"


@NEEDS_FONT
def test_without_the_cjk_font_the_same_labels_miss_glyphs(drawn, monkeypatch) -> None:
    monkeypatch.setattr(plots, "font_families", lambda: (plots.LATIN_FONT,))
    with i18n.use_language("ja"), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plots.value_counts(FRAME, "protocol", "Credentials in clear, per protocol")
    assert glyph_warnings(caught), "matplotlib's own font has no Japanese: the check above can fail"


def test_english_plots_keep_their_labels(drawn) -> None:
    figures, images = drawn
    plots.value_counts(FRAME, "protocol", "Credentials in clear, per protocol")
    assert "Credentials in clear, per protocol" in figures[0] and "count" in figures[0]
    assert images[0].startswith(PNG)
