"""The bundle's HTML: self-contained (no external load, no script), code hidden unless audited,
widgets as a static note, and every string from the evidence escaped."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import HOSTILE_DEVICE

EXTERNAL_LOAD = re.compile(
    r"""<(?:script|img|iframe|embed|video|audio|source|object)\b[^>]*\b(?:src|data)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//"""
    r"""|@import\s""",
    re.IGNORECASE,
)
SCRIPT_TAG = re.compile(r"<script\b", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def pages(run) -> list[Path]:
    found = sorted(run.bundle.rglob("*.html"))
    assert len(found) >= 9  # index + overview + 7 notebook pages at least
    return found


def test_no_page_loads_anything_from_the_network(batch, audit_batch):
    for page in pages(batch) + sorted(audit_batch.bundle.rglob("*.html")):
        html = page.read_text()
        match = EXTERNAL_LOAD.search(html)
        assert match is None, f"{page.name} loads {match.group(0)!r}"
        assert "cdnjs" not in html and "unpkg" not in html and "require.js" not in html, page.name
        assert "Content-Security-Policy" in html and "default-src 'none'" in html, page.name


def test_no_page_contains_a_script(batch, audit_batch):
    for page in pages(batch) + sorted(audit_batch.bundle.rglob("*.html")):
        html = page.read_text()
        assert SCRIPT_TAG.search(html) is None, f"{page.name} has a <script>"
        assert EVENT_HANDLER.search(html) is None, page.name


def test_the_scanner_catches_what_the_lab_template_would_emit():
    # the stock template's CDN loads must be caught by the same expressions the test relies on
    for html in ('<script src="https://cdnjs.cloudflare.com/mathjax.js"></script>',
                 "<link rel=stylesheet href='http://cdn.example/x.css'>",
                 '<img src="//tracker.example/p.png">', "<style>@import url(https://x/y.css)</style>"):
        assert EXTERNAL_LOAD.search(html), html
    assert EXTERNAL_LOAD.search('<a href="https://www.etsi.org/">ETSI</a>') is None  # a link is not a load


def test_code_is_hidden_by_default_and_shown_with_code(batch, audit_batch):
    hidden = (batch.bundle / "notebooks" / "FIX-01.html").read_text()
    shown = (audit_batch.bundle / "notebooks" / "FIX-01.html").read_text()
    for html in (hidden, shown):
        assert "BATCH-FIXTURE-OUTPUT-MARKER" in html  # the printed output is always there
    assert "CODE-ONLY-MARKER" not in hidden and "hl-ipython3" not in hidden
    assert "CODE-ONLY-MARKER" in shown and "hl-ipython3" in shown


def test_error_pages_show_the_error(batch):
    page = (batch.bundle / "notebooks" / "FIX-02.html").read_text()
    assert "did not complete" in page and "deliberate failure in FIX-02" in page
    assert "about to fail" in page  # the output of the cells that ran
    assert "Traceback" in page or "ValueError" in page
    assert "Kernel died" in (batch.bundle / "notebooks" / "FIX-05.html").read_text()


def test_markdown_and_tables_keep_their_structure(batch):
    page = (batch.bundle / "notebooks" / "FIX-01.html").read_text()
    assert "<h1" in page and "&lt;h1" not in page
    assert "<p>A fixture notebook of the batch tests.</p>" in page


def test_widgets_render_as_a_static_note(batch):
    page = (batch.bundle / "notebooks" / "FIX-03.html").read_text()
    assert "interactive widget — verdict recorded in the case" in page
    assert "widget-state" not in page and "widget-view" not in page


def test_hostile_output_is_text_not_markup(batch):
    page = (batch.bundle / "notebooks" / "FIX-04.html").read_text()
    assert '&lt;script&gt;alert("printed")&lt;/script&gt;' in page  # print() is text
    assert "<b>bold</b>" in page  # harmless HTML output survives sanitising
    assert '&lt;script&gt;alert("html")&lt;/script&gt;' in page  # a script in HTML output is shown as text
    assert "tracker.example" not in page  # an external image is dropped, not loaded
    assert "JavaScript output — not rendered" in page


def test_index_escapes_the_device_name(batch):
    index = batch.index.read_text()
    assert HOSTILE_DEVICE not in index
    assert "&lt;script&gt;alert(&#34;device&#34;)&lt;/script&gt; camera" in index
    assert SCRIPT_TAG.search(index) is None


def test_index_lists_every_requirement_with_its_page(batch):
    index = batch.index.read_text()
    for n in range(1, 9):
        rid = f"FIX-0{n}"
        assert f'id="{rid}"' in index
        if rid != "FIX-06":
            assert f'href="notebooks/{rid}.html"' in index
    assert "EN 303 645: 5.1-1" in index and "UK PSTI: 1" in index
    assert "test.1" in index and "C100-00012345" in index
    assert "inspector" in index and "automatic" in index and "PENDING" in index
    assert "What is pending" in index and "an inspector&#39;s verdict is needed" in index
