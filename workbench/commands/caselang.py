"""A command bound to a case speaks the case's language (case.yaml `language`, or `--lang`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.i18n import use_language

if TYPE_CHECKING:
    from workbench.case.case import Case


@contextlib.contextmanager
def in_case_language(path: str | Path, lang: str | None = None) -> Iterator[Case]:
    """The case at `path`, opened; while the block runs, the language is `lang` or the case's (its
    messages, and the texts a check produces, are in it). An error opening the case stays English."""
    from workbench.case.case import Case

    case = Case.open(path)
    with use_language(lang or case.info.language):
        yield case
