"""Find and load a catalogue: a bundled edition, or a lab's own YAML file or folder.

A folder catalogue may split its requirements across several `.yaml`/`.yml` files (read in
name order, sub-folders included); exactly one of them carries the edition header.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from workbench.catalog.messages import one_line, summarise
from workbench.catalog.model import (
    EDITION_PATTERN,
    Catalog,
    CatalogFile,
    EditionHeader,
    Requirement,
    RequirementsFile,
    language_problems,
)
from workbench.catalog.yamlfile import parse_yaml, read_bytes
from workbench.errors import CatalogError
from workbench.memo import MISSING, PickledMemo

EDITIONS_DIR = Path(__file__).parent / "editions"
HEADER_FIELDS = tuple(field.alias or name for name, field in EditionHeader.model_fields.items())
YAML_SUFFIXES = (".yaml", ".yml")
MAX_FOLDER_FILES = 1000
MAX_LANGUAGE_LINES = 20  # lines of missing translations shown; then how many more
MAX_REMEMBERED_BYTES = 16 << 20  # of YAML, all files of one catalogue (the bundled one is 0.2 MiB)
_LOADED = PickledMemo(8)  # catalogues a process loaded


def _edition_key(name: str) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[._-]", name))


def bundled_editions() -> list[str]:
    """Names of the editions shipped with the workbench, oldest first."""
    return sorted((p.stem for p in EDITIONS_DIR.glob("*.yaml")), key=_edition_key)


def newest_edition() -> str:
    editions = bundled_editions()
    if not editions:
        raise CatalogError("no bundled catalogue edition found", path=str(EDITIONS_DIR))
    return editions[-1]


def load_catalog(source: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate a catalogue.

    `source`: None (or "") for the newest bundled edition; an edition name such as "2026.1";
    or the path of a YAML file or a folder of YAML files. Any problem raises CatalogError
    with one line naming the file, the requirement and the field.
    """
    if source is None or source == "":
        return _load_bundled(newest_edition())
    if isinstance(source, str) and _looks_like_edition(source):
        if (EDITIONS_DIR / f"{source}.yaml").is_file():
            return _load_bundled(source)
        if not Path(source).exists():
            known = ", ".join(bundled_editions()) or "none"
            raise CatalogError(
                f"unknown catalogue edition {source!r} (bundled editions: {known}); "
                "or give the path of a YAML file or folder"
            )
    path = Path(source).expanduser()
    label = os.fspath(source)
    if path.is_dir():
        return _load_folder(path, label)
    if not path.exists():
        raise CatalogError("no such file or folder", path=label)
    return _load_files([(path, label)], origin=label, single=True)


def _looks_like_edition(text: str) -> bool:
    return bool(re.fullmatch(EDITION_PATTERN, text)) and not text.lower().endswith(YAML_SUFFIXES)


def _load_bundled(name: str) -> Catalog:
    path = EDITIONS_DIR / f"{name}.yaml"
    catalog = _load_files([(path, str(path))], origin=str(path), single=True)
    if catalog.edition != name:
        raise CatalogError(
            f"field 'edition': bundled file {name}.yaml says edition {catalog.edition!r}", path=str(path)
        )
    return catalog


def _load_folder(folder: Path, label: str) -> Catalog:
    files = []
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() in YAML_SUFFIXES and path.is_file():
            files.append((relative.as_posix(), path))
            if len(files) > MAX_FOLDER_FILES:
                raise CatalogError(
                    f"more than {MAX_FOLDER_FILES} YAML files: is this the catalogue's folder?", path=label
                )
    if not files:
        raise CatalogError("folder has no .yaml files", path=label)
    files.sort()
    return _load_files(
        [(path, os.path.join(label, name)) for name, path in files], origin=label, single=False
    )


def _validate(model: type[BaseModel], data: Any, label: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(summarise(exc, data, label, model)) from None


def _load_files(files: list[tuple[Path, str]], *, origin: str, single: bool) -> Catalog:
    """The catalogue of these files. One already loaded from the same bytes, names and origin in this
    process is not parsed and validated again (a check's context loads it once per requirement: 25 ms
    each): each caller gets a copy of its own. Files are read one at a time, never held."""
    key = _key_of(files, origin, single)
    if key is not None and (kept := _LOADED.get(key)) is not MISSING:
        return kept
    catalog = _validated(files, origin=origin, single=single)
    if key is not None and key[-1] == catalog.sha256:  # no file changed between the two readings
        _LOADED.put(key, catalog)
    return catalog


def _key_of(files: list[tuple[Path, str]], origin: str, single: bool) -> tuple[Any, ...] | None:
    """What a loaded catalogue is remembered by (its digest last, as `Catalog.sha256`); None when a file
    cannot be read (the validation then says so, in file order) or the files are larger than any real
    catalogue (they are not remembered)."""
    try:
        if sum(path.stat().st_size for path, _ in files) > MAX_REMEMBERED_BYTES:
            return None
    except OSError:
        return None
    digest = hashlib.sha256()
    for path, label in files:
        try:
            _add(digest, read_bytes(path, label))
        except CatalogError:
            return None
    return (origin, single, tuple(label for _, label in files), digest.hexdigest())


def _add(digest: Any, raw: bytes) -> None:
    """One file's bytes into a catalogue's digest (its length first: files cannot trade bytes)."""
    digest.update(f"{len(raw)}\0".encode() + raw)


def _validated(files: list[tuple[Path, str]], *, origin: str, single: bool) -> Catalog:
    digest = hashlib.sha256()
    header: CatalogFile | None = None
    header_label = ""
    requirements: list[Requirement] = []
    first_seen: dict[str, tuple[str, int]] = {}
    for path, label in files:
        raw = read_bytes(path, label)
        _add(digest, raw)
        data = parse_yaml(raw, label)
        if data is None:
            raise CatalogError("file is empty", path=label)
        if not isinstance(data, dict):
            shown = "a list" if isinstance(data, list) else repr(data)[:40]
            raise CatalogError(
                "must be a mapping with 'edition', 'title', 'published', 'schema_version' and "
                f"'requirements' (got {shown})",
                path=label,
            )
        has_header = single or any(name in data for name in HEADER_FIELDS)
        parsed = _validate(CatalogFile if has_header else RequirementsFile, data, label)
        if has_header:
            if header is not None:
                raise CatalogError(
                    f"a second edition header (the first is in {header_label}); "
                    "only one file of a catalogue folder carries edition, title, published, schema_version",
                    path=label,
                )
            header, header_label = parsed, label
        for index, requirement in enumerate(parsed.requirements):
            if requirement.id in first_seen:
                other_label, other_index = first_seen[requirement.id]
                other = f"requirement #{other_index + 1}" + (
                    "" if other_label == label else f" of {other_label}"
                )
                raise CatalogError(
                    one_line(label, f"requirement {requirement.id}", "id", f"duplicate id (also {other})")
                )
            first_seen[requirement.id] = (label, index)
            requirements.append(requirement)
    if header is None:
        raise CatalogError(
            "no file of the folder carries the edition header (edition, title, published, schema_version)",
            path=origin,
        )
    if not requirements:
        raise CatalogError("the catalogue has no requirements", path=origin)
    labels = {requirement_id: label for requirement_id, (label, _index) in first_seen.items()}
    _check_languages(header, header_label, requirements, labels)
    catalog = Catalog.model_validate(
        {**header.model_dump(exclude={"requirements"}, by_alias=True), "requirements": requirements}
    )
    catalog._source = origin
    catalog._sha256 = digest.hexdigest()
    return catalog


def _check_languages(
    header: CatalogFile, header_label: str, requirements: list[Requirement], labels: dict[str, str]
) -> None:
    """Every declared language complete, no translation into an undeclared one: one line per problem."""
    problems = language_problems(header, requirements)
    if not problems:
        return
    lines = [
        one_line(labels.get(where.removeprefix("requirement "), header_label), where, field, problem)
        for where, field, problem in problems[:MAX_LANGUAGE_LINES]
    ]
    if len(problems) > MAX_LANGUAGE_LINES:
        lines.append(f"(and {len(problems) - MAX_LANGUAGE_LINES} more problems)")
    raise CatalogError("\n".join(lines))
