"""Babel extraction from the notebook pages (`workbench/checks/<module>.page.yaml`).

Every value of a key in `TEXT_KEYS`, anywhere in the page, is a message (`intro: manual` is a
keyword, not a text), and so is every quoted text in a `code` line that is not an identifier (a plot's
title; column names are identifiers): workbench.checks.page translates them in the notebooks.
Used by `workbench.i18n.po` as a Babel extraction method.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

TEXT_KEYS = frozenset({"intro", "text", "title", "empty", "label", "caption"})
KEYWORDS_NOT_TEXT = frozenset({"manual"})
QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TEXT_KEYS and isinstance(value, str) and value not in KEYWORDS_NOT_TEXT:
                yield value
            elif key == "code" and isinstance(value, str):
                quoted = (json.loads(q) for q in QUOTED.findall(value))
                yield from (q for q in quoted if q and not q.isidentifier())
            else:
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def page_texts(text: str) -> list[str]:
    """The messages of one page's YAML text, in reading order, each once."""
    seen: dict[str, None] = {}
    for message in _walk(yaml.safe_load(text)):
        seen.setdefault(message, None)
    return list(seen)


def extract_page_yaml(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction protocol: (line number, function name, message, comments)."""
    text = fileobj.read().decode("utf-8")
    lines = text.splitlines()
    for message in page_texts(text):
        first = message.splitlines()[0][:40] if message else ""
        lineno = next((i + 1 for i, line in enumerate(lines) if first and first in line), 1)
        yield lineno, None, message, []
