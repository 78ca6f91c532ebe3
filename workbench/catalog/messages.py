"""Turn a pydantic validation error into one line a catalogue author can act on.

`catalog/my.yaml: requirement COM-02: field 'level': must be 1, 2 or 3 (got 5)`
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from workbench.catalog import model

PATTERN_HINTS = {
    model.ID_PATTERN: (
        "must be an identifier like 'AUTH-01' (capital letters and digits joined by '-' or '.')"
    ),
    model.EDITION_PATTERN: "must be an edition name like '2026.1' (letters, digits, '.', '_', '-')",
    model.SLUG_PATTERN: "must be lower-case words joined by '-', like 'attack-surface'",
    model.PARAMETER_NAME_PATTERN: "must be a lower-case name like 'min_tls_version'",
    model.LINE_PATTERN: "must be one line without control characters",
    model.TEXT_PATTERN: "must not contain control characters",
    model.EN_303_645_PATTERN: "must be an ETSI EN 303 645 provision like '5.1-1' or '6-1'",
    model.IXIT_PATTERN: "must be a TS 103 701 IXIT section from 'IXIT 1' to 'IXIT 29'",
    model.JC_STAR_PATTERN: "must be a JC-STAR item like 'S1.1-02'",
    model.CCDS_PATTERN: "must be a CCDS guideline item like '1-1-1' or '2-1'",
    model.UK_PSTI_PATTERN: "must be a UK PSTI requirement: '1', '2' or '3'",
}

_TYPE_WORDS = {
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "date_type": "must be a date like 2026-01-15",
    "date_parsing": "must be a date like 2026-01-15",
    "date_from_datetime_parsing": "must be a date like 2026-01-15",
    "date_from_datetime_inexact": "must be a date like 2026-01-15, without a time",
}


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _shown(value)


def _field_path(parts: tuple[Any, ...]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else str(part)
    return text


def _model_at(root: type[BaseModel], parts: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class whose field list applies at `parts` (for 'did you mean' hints)."""
    current: type[BaseModel] = root
    keyed = False  # the next part is a key of a mapping of models (e.g. translations.ja)
    for part in parts:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        field = current.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        keyed = getattr(annotation, "__origin__", None) is dict
        if keyed:  # a mapping of names to models: its values' fields
            candidates = [annotation.__args__[1]]  # type: ignore[union-attr]
        nested = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
        if not nested:
            return None
        current = nested[0]
    return current


def _describe(error: dict[str, Any], root: type[BaseModel]) -> str:
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        owner = _model_at(root, tuple(error["loc"][:-1]))
        allowed = list(owner.model_fields) if owner else []
        name = str(error["loc"][-1])
        close = difflib.get_close_matches(name, allowed, n=1)
        close = close or [field for field in allowed if field.startswith(name)][:1]
        if close:
            return f"unknown field; did you mean '{close[0]}'?"
        return f"unknown field (allowed: {', '.join(allowed)})" if allowed else "unknown field"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')} (got {_shown(value)})"
    if kind == "string_pattern_mismatch":
        hint = PATTERN_HINTS.get(ctx.get("pattern", ""), f"must match {ctx.get('pattern')}")
        return f"{hint} (got {_shown(value)})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or error["msg"])
    if kind in _TYPE_WORDS:
        hint = "; quote it in YAML" if kind == "string_type" and isinstance(value, int | float) else ""
        return f"{_TYPE_WORDS[kind]} (got {_kind(value)}){hint}"
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def _requirement_label(data: Any, index: int) -> str:
    try:
        raw_id = data["requirements"][index].get("id")
    except (TypeError, KeyError, IndexError, AttributeError):
        raw_id = None
    if isinstance(raw_id, str) and raw_id.strip() and raw_id.isprintable() and len(raw_id) <= 40:
        return f"requirement {raw_id.strip()}"
    return f"requirement #{index + 1}"


def locate(data: Any, loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Split a location into 'requirement X' (or '') and the field path inside it."""
    if len(loc) >= 2 and loc[0] == "requirements" and isinstance(loc[1], int):
        return _requirement_label(data, loc[1]), tuple(loc[2:])
    return "", tuple(loc)


def one_line(file_label: str, where: str, field: str, problem: str) -> str:
    parts = [file_label]
    if where:
        parts.append(where)
    if field:
        parts.append(f"field '{field}'")
    parts.append(problem)
    return ": ".join(parts)


def summarise(exc: ValidationError, data: Any, file_label: str, root: type[BaseModel]) -> str:
    """The first problem, in words, and how many more there are."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    if first["type"] == "missing":
        # a misspelt field shows up as "missing" plus "unknown": the unknown one explains both
        parent = tuple(first["loc"][:-1])
        misspelt = [e for e in errors if e["type"] == "extra_forbidden" and tuple(e["loc"][:-1]) == parent]
        first = misspelt[0] if misspelt else first
    where, rest = locate(data, tuple(first["loc"]))
    field = _field_path(rest)
    line = one_line(file_label, where, field, _describe(first, root))
    if len(errors) > 1:
        more = len(errors) - 1
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return line
