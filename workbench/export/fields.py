"""Typed reads of the JSON and YAML records of a bundle: a value of the wrong type is a BundleError
naming the record and the field, never a KeyError or a TypeError further on."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from workbench.errors import BundleError

_MISSING = object()
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$")  # a requirement id (an XML NCName too)
_NAMES = {str: "text", int: "an integer", float: "a number", bool: "true or false", dict: "a mapping",
          list: "a list"}


def field(data: dict[str, Any], key: str, kind: type, where: str, default: Any = _MISSING) -> Any:
    """`data[key]`, which must be of `kind` (None allowed when the default is None)."""
    value = data.get(key, default)
    if value is _MISSING:
        raise BundleError(f"{key} is missing", path=where)
    if value is None and default is None:
        return None
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not ok:
        raise BundleError(f"{key} should be {_NAMES.get(kind, kind.__name__)}, not {type(value).__name__}",
                          path=where)
    return value


def texts(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A list of strings (absent: empty)."""
    values = field(data, key, list, where, default=[]) or []
    if not all(isinstance(v, str) for v in values):
        raise BundleError(f"{key} should be a list of text", path=where)
    return tuple(values)


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BundleError(f"expected a mapping, not {type(value).__name__}", path=where)
    return value


def timestamp(data: dict[str, Any], key: str, where: str) -> datetime:
    """An ISO 8601 time with its UTC offset."""
    text = field(data, key, str, where)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise BundleError(f"{key} is not an ISO 8601 time: {text[:60]!r}", path=where) from None
    if when.tzinfo is None:
        raise BundleError(f"{key} has no UTC offset: {text[:60]!r}", path=where)
    return when


def identifier(value: str, where: str) -> str:
    if not IDENTIFIER.match(value):
        raise BundleError(f"{value[:60]!r} is not a requirement identifier", path=where)
    return value
