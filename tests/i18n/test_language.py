"""The language mechanism: current language, blocks, translation with placeholders, fallbacks."""

from __future__ import annotations

import threading

import pytest

from workbench import i18n
from workbench.errors import WorkbenchError
from workbench.i18n import core, po


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


def test_default_is_english_and_blocks_nest():
    assert i18n.language() == "en"
    with i18n.use_language("ja"):
        assert i18n.language() == "ja"
        with i18n.use_language("en"):
            assert i18n.language() == "en"
        assert i18n.language() == "ja"
    assert i18n.language() == "en"


def test_check_language_accepts_regional_forms_and_refuses_others():
    assert i18n.check_language("ja_JP") == "ja"
    assert i18n.check_language("") == "en"
    with pytest.raises(WorkbenchError, match="unknown language 'fr'"):
        i18n.check_language("fr")


def test_a_block_is_per_thread():
    seen = []
    with i18n.use_language("ja"):
        thread = threading.Thread(target=lambda: seen.append(i18n.language()))
        thread.start()
        thread.join()
    assert seen == ["en"]


def test_a_shipped_message_is_translated_in_japanese_only():
    catalog = po.read("ja")
    message = next(m for m in catalog if m.id and isinstance(m.id, str) and m.string and "{" not in m.id)
    assert i18n._(message.id) == message.id
    with i18n.use_language("ja"):
        assert i18n._(message.id) == message.string != message.id


def test_a_translation_with_wrong_placeholders_falls_back_to_the_source(monkeypatch):
    class Broken(core.gettext.NullTranslations):
        def gettext(self, message):
            return "{nope} だ"

    monkeypatch.setitem(core._loaded, "ja", Broken())
    with i18n.use_language("ja"):
        assert i18n.tr("account {user} is open", user="root") == "account root is open"
        assert i18n.ntr("{n} file", "{n} files", 3) == "3 files"


def test_placeholders_are_read_like_format_does():
    assert po.placeholders("{n} packets to {host!r} at {rate:.1f} {{literal}}") == {"n", "host", "rate"}
