"""YAML in and out of a case: safe loading (no aliases, bounded size) and one-line errors."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.errors import CaseError
from workbench.memo import MISSING, PickledMemo

MAX_YAML_BYTES = 4 << 20  # case files are small; anything bigger is not a case file
REMEMBER_BELOW = 64 << 10  # files parsed once a process when no larger than this, nor their pickles
# (a list of numbers pickles to 3x its text), and 256 of them at most: 16 MiB
_PARSED = PickledMemo(256, max_pickle=REMEMBER_BELOW)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases: a few aliases can expand into billions of nodes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not allowed in case files", event.start_mark
            )
        return super().compose_node(parent, index)


def load_yaml_bytes(data: bytes, *, name: str) -> Any:
    """The parsed content of a case file's bytes. The same bytes parsed before in this process (a check
    opens the case, its declaration and its artefact list again: 5 ms a file) are not parsed again:
    each caller gets a copy of its own; an error is raised again, never remembered."""
    key = hashlib.sha256(data).digest() if len(data) <= REMEMBER_BELOW else None
    if key is not None and (kept := _PARSED.get(key)) is not MISSING:
        return kept
    content = _parsed(data, name)
    if key is not None:
        _PARSED.put(key, content)
    return content


def _parsed(data: bytes, name: str) -> Any:
    try:
        return yaml.load(data.decode("utf-8"), Loader=_NoAliasLoader)  # noqa: S506 (safe loader subclass)
    except UnicodeDecodeError as exc:
        raise CaseError(f"not UTF-8 text (byte {exc.start})", path=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CaseError(f"invalid YAML: {where}{problem}", path=name) from None


def read_limited(path: Path, *, label: str, what: str = "YAML file") -> bytes:
    """A small file's bytes; CaseError naming the file when it is missing, a folder or too large."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
    except FileNotFoundError:
        raise CaseError("no such file", path=label) from None
    except IsADirectoryError:
        raise CaseError(f"is a folder, not a {what}", path=label) from None
    except OSError as exc:
        raise CaseError(f"cannot read: {exc.strerror}", path=label) from None
    if len(data) > MAX_YAML_BYTES:
        raise CaseError(f"larger than {MAX_YAML_BYTES >> 20} MiB; not a {what}", path=label)
    return data


def read_yaml(path: Path, *, name: str | None = None) -> Any:
    label = name or str(path)
    return load_yaml_bytes(read_limited(path, label=label), name=label)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def field_path(loc: tuple[Any, ...]) -> str:
    """('open_ports', 0, 'port') -> 'open_ports[0].port'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


MAX_PROBLEMS_LISTED = 100  # a crafted file can make thousands; a real one has a handful


def describe_validation(exc: ValidationError) -> str:
    """One line naming every problem of a pydantic error, each with where it is."""
    errors = exc.errors(include_url=False)
    problems = [_problem(error) for error in errors[:MAX_PROBLEMS_LISTED]]
    if len(problems) == 1:
        return problems[0]
    left = len(errors) - len(problems)
    more = f"; and {left} more" if left else ""
    return "; ".join(problems) + more + f" ({len(errors)} problems)"


def _problem(error: Any) -> str:
    where = field_path(tuple(error["loc"]))
    if error["type"] == "extra_forbidden":
        message = "unknown field (misspelt?)"
    elif error["type"] == "missing":
        message = "required field is missing"
    else:
        message = " ".join(str(error["msg"]).split())  # one line
        message = message.removeprefix("Value error, ")
    return f"{where}: {message}"
