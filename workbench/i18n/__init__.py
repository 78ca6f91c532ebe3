"""The inspector's language: gettext catalogues (Babel-managed `.po` files) for every text a person reads.

Messages are whole sentences with named placeholders, translated before the values are put in:

    from workbench.i18n import _, tr, ntr
    tr("account {user} has an empty password", user=name)
    ntr("{n} packet", "{n} packets", count)          # n is passed to format too

`_` translates a fixed text, `N_` only marks one for extraction (translate it later with `_`).
The language is the process's (`set_language`, e.g. from the case) unless a `use_language` block
says otherwise; English is the default and the source language. The `.po` files live in
`workbench/i18n/locale/<lang>/LC_MESSAGES/workbench.po`; `scripts/i18n.py` extracts, updates,
checks and compiles them (docs/CONTRACTS.md, "Languages").
"""

from __future__ import annotations

from workbench.i18n.core import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    N_,
    _,
    check_language,
    gettext_in,
    language,
    language_name,
    ntr,
    set_language,
    tr,
    translations,
    use_language,
)
from workbench.i18n.text import PAGE_FONTS, display_width, pad, page_fonts

__all__ = [
    "PAGE_FONTS",
    "display_width",
    "pad",
    "page_fonts",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "_",
    "check_language",
    "gettext_in",
    "language",
    "language_name",
    "ntr",
    "set_language",
    "tr",
    "translations",
    "use_language",
]
