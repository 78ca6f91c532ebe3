"""The current language and message lookup (see the package docstring)."""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
DOMAIN = "workbench"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_NAMES = {"en": "English", "ja": "日本語"}

_process_language = DEFAULT_LANGUAGE
_block_language: ContextVar[str | None] = ContextVar("workbench_language", default=None)
_loaded: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()


def check_language(lang: str | None) -> str:
    """`lang` if the workbench speaks it ('' or None: the default); a clear error otherwise."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise WorkbenchError(f"unknown language {lang!r}: the workbench speaks {', '.join(LANGUAGES)}")
    return code


def language() -> str:
    """The language texts are produced in now."""
    return _block_language.get() or _process_language


def language_name(lang: str) -> str:
    return _NAMES.get(lang, lang)


def set_language(lang: str | None) -> str:
    """Make `lang` the process's language (a command, a kernel); returns it."""
    global _process_language
    _process_language = check_language(lang)
    return _process_language


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Texts produced inside the block are in `lang` (this thread or task only)."""
    token = _block_language.set(check_language(lang))
    try:
        yield _block_language.get() or DEFAULT_LANGUAGE
    finally:
        _block_language.reset(token)


def _read(lang: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.is_file():
        return gettext.NullTranslations()
    # No compiled catalogue (a checkout without `make setup`), or an edited .po: compile in memory.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(lang: str | None = None) -> gettext.NullTranslations:
    """The gettext translations of `lang` (default: the current language); English is the identity."""
    code = check_language(lang) if lang else language()
    if code == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    with _lock:
        if code not in _loaded:
            _loaded[code] = _read(code)
        return _loaded[code]


def gettext_in(lang: str, message: str) -> str:
    return translations(lang).gettext(message) if message else message


def _(message: str) -> str:
    """`message` in the current language."""
    return translations().gettext(message) if message else message


def N_(message: str) -> str:
    """Marks `message` for extraction; translate it where it is shown, with `_`."""
    return message


def _format(template: str, source: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return source.format(**params)  # a broken translation never loses the message


def tr(message: str, **params: Any) -> str:
    """`message` translated, then its `{name}` placeholders filled from `params`."""
    return _format(_(message), message, params)


def ntr(singular: str, plural: str, n: int, **params: Any) -> str:
    """The singular or plural form for `n`, translated, placeholders filled (`n` included)."""
    source = singular if n == 1 else plural
    return _format(translations().ngettext(singular, plural, n), source, {"n": n, **params})
