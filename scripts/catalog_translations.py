"""Put the Japanese translations into the shipped catalogue editions, as text, keeping every comment.

    python scripts/catalog_translations.py TRANSLATIONS.json [...] [--editions DIR] [--check]

Each TRANSLATIONS.json is `{"REQ-ID": {"English text": "日本語", ...}, "_edition_titles": {...}}`: every
text of every field of a requirement (each pass_criteria and inspection_method item on its own) keyed
by its English text as the catalogue loads it (folded, stripped). A text missing under its requirement
is looked up under the others (the same sentence, e.g. "Record the verdict.", in several requirements).

For every edition YAML under the editions folder (default workbench/catalog/editions/) the script
- inserts into every requirement, right after its last field, `translations: {ja: {title, statement,
  rationale, typical_failure, pass_criteria, inspection_method}}` (replacing one already there);
- sets the header's `languages: [en, ja]` and `translations: {ja: {title: ...}}` after `schema_version`.
It edits the file's text: comments, quoting and order stay as they are; the YAML is never re-dumped.
Before writing, the new text is loaded as a catalogue and checked to be the old one plus the
translations (every requirement's fingerprint unchanged); the file is re-read just before writing
and written atomically (another hand may edit `mappings:` lines meanwhile: the insertion is redone on
the text as it is then).

Every text without a translation (or whose translation has no Japanese in it) is reported; an
edition with any is left as it is and the script exits 1. --check writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.catalog.fingerprint import requirement_sha256  # noqa: E402
from workbench.catalog.loader import EDITIONS_DIR, load_catalog  # noqa: E402
from workbench.catalog.model import TEXT_FIELDS, Catalog  # noqa: E402
from workbench.errors import CatalogError  # noqa: E402

LANG = "ja"
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_ITEM = re.compile(r"^(?P<indent> *)- id:\s*(?P<id>\S+)\s*(?:#.*)?$")
_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z_][A-Za-z0-9_]*):(?:\s|$)")


class Translations:
    """The translators' files merged: per requirement, English text -> Japanese."""

    def __init__(self, paths: list[Path]) -> None:
        self.by_id: dict[str, dict[str, str]] = {}
        self.titles: dict[str, str] = {}
        for path in paths:
            data = json.loads(path.read_text(encoding="utf-8"))
            for key, table in data.items():
                target = self.titles if key == "_edition_titles" else self.by_id.setdefault(key, {})
                for english, japanese in table.items():
                    if isinstance(japanese, str) and japanese.strip():
                        target.setdefault(_norm(english), japanese.strip())
        self.anywhere: dict[str, str] = {}
        for table in self.by_id.values():
            for english, japanese in table.items():
                self.anywhere.setdefault(english, japanese)

    def of(self, requirement_id: str, english: str) -> str | None:
        key = _norm(english)
        return self.by_id.get(requirement_id, {}).get(key) or self.anywhere.get(key)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _japanese(text: str | None) -> bool:
    return bool(text) and bool(JAPANESE.search(text or ""))


def translate(catalog: Catalog, tr: Translations) -> tuple[dict[str, dict[str, Any]], str | None, list[str]]:
    """Each requirement's Japanese fields, the edition title's, and what is missing (one line each)."""
    missing: list[str] = []
    result: dict[str, dict[str, Any]] = {}

    def one(rid: str, field: str, english: str) -> str:
        japanese = tr.of(rid, english)
        if not _japanese(japanese):
            why = "no translation" if not japanese else f"translation has no Japanese ({japanese!r})"
            missing.append(f"{catalog.edition}: requirement {rid}: field '{field}': {why}: {english!r}")
        return japanese or ""

    for r in catalog.requirements:
        fields: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            value = getattr(r, name)
            if isinstance(value, list):
                fields[name] = [one(r.id, f"{name}[{i}]", item) for i, item in enumerate(value)]
            else:
                fields[name] = one(r.id, name, value)
        result[r.id] = fields
    title = tr.titles.get(_norm(catalog.title))
    if not _japanese(title):
        missing.append(f"{catalog.edition}: header: field 'title': no translation: {catalog.title!r}")
    return result, title, missing


def _scalar(text: str) -> str:
    """`text` as one YAML flow scalar (plain when safe, else quoted), on one line."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30, default_flow_style=True)
    dumped = dumped.removesuffix("\n").removesuffix("\n...").rstrip("\n")
    if "\n" in dumped:  # never folded over lines: a Japanese line break would become a space
        dumped = json.dumps(text, ensure_ascii=False)
    return dumped


def _block(fields: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = [f"{pad}translations:", f"{pad}  {LANG}:"]
    for name in TEXT_FIELDS:
        value = fields[name]
        if isinstance(value, list):
            lines.append(f"{pad}    {name}:")
            lines += [f"{pad}      - {_scalar(item)}" for item in value]
        else:
            lines.append(f"{pad}    {name}: {_scalar(value)}")
    return lines


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _drop_field(lines: list[str], start: int, end: int, key: str, indent: int) -> tuple[list[str], int]:
    """Remove the field `key` at `indent` within lines[start:end]; the new lines and the new end."""
    for i in range(start, end):
        match = _KEY.match(lines[i])
        if match and match["key"] == key and len(match["indent"]) == indent:
            j = i + 1
            while j < end and (not _is_content(lines[j]) or _indent(lines[j]) > indent):
                j += 1
            while j > i + 1 and not _is_content(lines[j - 1]):  # keep what follows the field's content
                j -= 1
            return lines[:i] + lines[j:], end - (j - i)
    return lines, end


def insert(text: str, translations: dict[str, dict[str, Any]], title: str) -> str:
    """`text` with the translation blocks and the header's languages and title translation."""
    lines = text.split("\n")
    starts = [(i, m["id"], len(m["indent"])) for i, line in enumerate(lines) if (m := _ITEM.match(line))]
    # from the last requirement up, so earlier line numbers stay valid
    for n in range(len(starts) - 1, -1, -1):
        start, rid, item_indent = starts[n]
        field_indent = item_indent + 2
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        for k in range(start + 1, end):  # the requirements list may end before the next item
            if _is_content(lines[k]) and _indent(lines[k]) <= item_indent:
                end = k
                break
        lines, end = _drop_field(lines, start + 1, end, "translations", field_indent)
        last = end - 1  # the requirement's last line: not a blank line nor the next section's comment
        while last > start and (not lines[last].strip() or _indent(lines[last]) <= item_indent):
            last -= 1
        if rid not in translations:
            raise CatalogError(f"requirement {rid} is in the file but not in the loaded catalogue")
        lines[last + 1 : last + 1] = _block(translations[rid], field_indent)
    # the header: top-level keys before `requirements:`
    head_end = next(i for i, line in enumerate(lines) if line.startswith("requirements:"))
    for key in ("translations", "languages"):
        lines, head_end = _drop_field(lines, 0, head_end, key, 0)
    at = next(i for i in range(head_end) if lines[i].startswith("schema_version:"))
    lines[at + 1 : at + 1] = [
        "languages: [en, ja]",
        "translations:",
        f"  {LANG}:",
        f"    title: {_scalar(title)}",
    ]
    return "\n".join(lines)


def _plain(catalog: Catalog) -> dict[str, Any]:
    """The catalogue as data without its languages and translations."""
    data = catalog.model_dump(mode="json", exclude={"translations", "declared_languages"})
    for requirement in data["requirements"]:
        requirement.pop("translations", None)
    return data


def verify(path: Path, before: Catalog, new_text: str, translations: dict[str, dict[str, Any]]) -> Catalog:
    """The new text loads, declares en and ja, is the old catalogue plus the translations, and each
    translation reads back exactly as given."""
    with tempfile.TemporaryDirectory() as folder:
        probe = Path(folder) / path.name
        probe.write_text(new_text, encoding="utf-8")
        after = load_catalog(str(probe))
    if after.languages != ["en", LANG]:
        raise CatalogError(f"languages are {after.languages} after the insertion", path=str(path))
    if _plain(after) != _plain(before):
        raise CatalogError("the catalogue changed beyond its translations", path=str(path))
    for old, new in zip(before.requirements, after.requirements, strict=True):
        if requirement_sha256(old) != requirement_sha256(new):
            raise CatalogError(f"requirement {old.id}: fingerprint changed", path=str(path))
        text = new.text(LANG)
        read_back = {name: getattr(text, name) for name in TEXT_FIELDS}
        wanted = {k: tuple(v) if isinstance(v, list) else v for k, v in translations[new.id].items()}
        wanted = {
            k: tuple(x.strip() for x in v) if isinstance(v, tuple) else v.strip() for k, v in wanted.items()
        }
        if text.fallback or read_back != wanted:
            raise CatalogError(
                f"requirement {new.id}: the translation does not read back as given", path=str(path)
            )
    return after


def _write_atomically(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def process(path: Path, tr: Translations, *, check: bool) -> list[str]:
    """Insert the translations into one edition file; the missing texts (nothing written if any)."""
    for _attempt in range(5):
        text = path.read_text(encoding="utf-8")
        before = load_catalog(str(path))
        translations, title, missing = translate(before, tr)
        if missing:
            return missing
        new_text = insert(text, translations, title or "")
        verify(path, before, new_text, translations)
        if check:
            return []
        if path.read_text(encoding="utf-8") != text:  # edited meanwhile: do it again on the new text
            continue
        _write_atomically(path, new_text)
        return []
    raise CatalogError("the file kept changing while the translations were inserted", path=str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("translations", nargs="+", type=Path, metavar="TRANSLATIONS.json")
    parser.add_argument("--editions", type=Path, default=EDITIONS_DIR, help="folder of the edition files")
    parser.add_argument("--check", action="store_true", help="report and verify, write nothing")
    args = parser.parse_args(argv)
    tr = Translations(args.translations)
    missing: list[str] = []
    for path in sorted(args.editions.glob("*.yaml")):
        found = process(path, tr, check=args.check)
        if found:
            print(f"{path.name}: left as it is: {len(found)} text(s) without a translation", file=sys.stderr)
        else:
            print(f"{path.name}: {'would be' if args.check else ''} translated ({LANG})".replace("  ", " "))
        missing += found
    for line in missing:
        print(line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
