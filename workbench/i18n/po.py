"""The message catalogues' life cycle: extract, update, compile, check (driven by scripts/i18n.py).

Sources: the package's Python (keywords `_`, `N_`, `tr`, `ntr`), the Jinja templates in
`templates/` (`{% trans %}`, `_()`), the notebook pages (`*.page.yaml`) and the notebook
builder (`scripts/build_notebooks.py`). One domain, `workbench`; the template is
`workbench/i18n/messages.pot`, each language's catalogue `locale/<lang>/LC_MESSAGES/workbench.po`.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from workbench.i18n.core import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parents[2]
POT = Path(__file__).resolve().parent / "messages.pot"
KEYWORDS = {"_": None, "N_": None, "tr": None, "ntr": (1, 2), "gettext": None, "ngettext": (1, 2)}
JINJA = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "silent": "false"}
SOURCES: list[tuple[str, list[tuple[str, str]], dict[str, dict[str, str]]]] = [
    ("workbench", [("**.page.yaml", "workbench.i18n.extract:extract_page_yaml"), ("**.py", "python"),
                   ("**.j2", "jinja2.ext:babel_extract")], {"**.j2": JINJA}),
    ("templates", [("**.j2", "jinja2.ext:babel_extract")], {"**.j2": JINJA}),
    ("scripts", [("build_notebooks.py", "python")], {}),
]  # fmt: skip
# Fixed dates and header: a catalogue changes only when its messages do.
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = "# Messages of Inspector Workbench. Edit translations here; scripts/i18n.py update re-extracts."
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}(?!\})")


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every message in the sources, with where it is used."""
    catalog = Catalog(
        project="inspector-workbench", domain=DOMAIN, charset="utf-8", fuzzy=False,
        creation_date=FIXED_DATE, revision_date=FIXED_DATE, header_comment=HEADER,
    )  # fmt: skip
    found = []
    # Babel warns on stderr about every f-string among a call's arguments, values included; the rule
    # that a message itself is never built at run time is tests/i18n/test_message_calls.py's.
    with redirect_stderr(io.StringIO()):
        for folder, methods, options in SOURCES:
            found.extend((folder, item) for item in extract_from_dir(
                ROOT / folder, methods, options, KEYWORDS, comment_tags=("i18n:",), strip_comment_tags=True
            ))  # fmt: skip
    for folder, (filename, lineno, message, comments, context) in found:
        where = [(f"{folder}/{filename}", lineno)]
        catalog.add(message, None, where, auto_comments=comments, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + f".tmp{os.getpid()}")
    temp.write_bytes(buffer.getvalue())
    os.replace(temp, path)


def read(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.is_file():
        return Catalog(
            locale=lang, domain=DOMAIN, project="inspector-workbench", fuzzy=False,
            creation_date=FIXED_DATE, revision_date=FIXED_DATE, header_comment=HEADER,
        )  # fmt: skip
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


@contextmanager
def _locked() -> Iterator[None]:
    """One update at a time (several developers' tools may update the same catalogue)."""
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (LOCALE_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def update(additions: dict[str, dict[str, str]] | None = None) -> dict[str, int]:
    """Re-extract, bring each language's catalogue in line (no fuzzy matching: a changed message
    must be translated again), add the given translations {lang: {msgid: msgstr}}; obsolete
    entries are dropped. Returns the number of untranslated messages per language."""
    template = extract()
    with _locked():
        _write(template, POT)
        left: dict[str, int] = {}
        for lang in LANGUAGES:
            if lang == DEFAULT_LANGUAGE:
                continue
            catalog = read(lang)
            catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
            catalog.obsolete.clear()
            catalog.revision_date = FIXED_DATE
            catalog.header_comment = HEADER
            for msgid, msgstr in (additions or {}).get(lang, {}).items():
                entry = catalog.get(msgid)
                if entry is not None and msgstr:
                    if entry.pluralizable and isinstance(msgstr, str):  # one form given: every form
                        msgstr = (msgstr,) * catalog.num_plurals
                    entry.string = msgstr
                    entry.flags.discard("fuzzy")
            _write(catalog, po_path(lang))
            left[lang] = sum(1 for m in catalog if m.id and not _translated(m))
        return left


def _translated(message) -> bool:  # noqa: ANN001 - babel's Message
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(s for s in strings) and "fuzzy" not in message.flags


def untranslated(lang: str) -> list[str]:
    """The msgids (singular) of `lang`'s catalogue still without a translation."""
    return [m.id if isinstance(m.id, str) else m.id[0] for m in read(lang) if m.id and not _translated(m)]


def compile_all() -> list[Path]:
    """Write `workbench.mo` beside each `.po` (what `make setup` runs)."""
    written = []
    for lang in LANGUAGES:
        path = po_path(lang)
        if lang == DEFAULT_LANGUAGE or not path.is_file():
            continue
        buffer = io.BytesIO()
        write_mo(buffer, read(lang), use_fuzzy=False)
        target = path.with_suffix(".mo")
        temp = target.with_name(target.name + f".tmp{os.getpid()}")
        temp.write_bytes(buffer.getvalue())
        os.replace(temp, target)
        written.append(target)
    return written


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems(lang: str) -> list[str]:
    """What keeps `lang`'s catalogue from being complete and in line with the sources."""
    found: list[str] = []
    catalog = read(lang)
    source_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    for missing in sorted(source_ids - have):
        found.append(f"{lang}: not in the catalogue (run scripts/i18n.py update): {missing[:70]!r}")
    for obsolete in sorted(have - source_ids):
        found.append(f"{lang}: no longer in the sources (run scripts/i18n.py update): {obsolete[:70]!r}")
    for message in catalog:
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        label = ids[0][:70]
        if not _translated(message):
            found.append(f"{lang}: untranslated or fuzzy: {label!r}")
            continue
        strings = (message.string,) if isinstance(message.string, str) else tuple(message.string)
        wanted = set().union(*(placeholders(i) for i in ids))
        for string in strings:
            if placeholders(string) != wanted:
                found.append(
                    f"{lang}: placeholders differ in {label!r}: "
                    f"{sorted(placeholders(string))} vs {sorted(wanted)}"
                )
    return found
