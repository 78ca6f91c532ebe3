"""Read one catalogue YAML file safely: size-limited, UTF-8, no duplicate keys, no aliases.

A catalogue may come from anyone (a lab's own file), so it is read as hostile input:
`yaml.safe_load` semantics (with libyaml's parser when installed), plus refusal of the two
YAML features that hide mistakes or blow up: a key given twice in one mapping (the last
silently wins) and aliases (`*name`, which can expand exponentially).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode

from workbench.errors import CatalogError
from workbench.fsutil import reading

MAX_FILE_BYTES = 4 * 1024 * 1024


class _Refused(yaml.MarkedYAMLError):
    """Well-formed YAML that a catalogue may not use."""


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ~10x faster


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    def construct_object(self, node: Node, deep: bool = False) -> Any:
        # Each node is constructed once; meeting one again means an alias (*name) refers to it.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused(
                problem="this value is reused through an alias (*name); "
                "a catalogue may not use aliases, write the value out",
                problem_mark=node.start_mark,
            )
        return super().construct_object(node, deep=deep)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _Refused(problem="a key must be plain text", problem_mark=key_node.start_mark)
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise _Refused(
                    problem=f"key {key_node.value!r} appears twice", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_bytes(path: Path, label: str) -> bytes:
    """The raw bytes of a catalogue file; `label` is how the file is named in errors."""
    with reading(label, CatalogError, folder="is a folder, expected a YAML file"):
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CatalogError(
                f"file too large ({size} bytes; a catalogue file is at most {MAX_FILE_BYTES})", path=label
            )
        return path.read_bytes()


def parse_yaml(raw: bytes, label: str) -> Any:
    """The parsed content of a catalogue file's bytes."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"not UTF-8 text (bad byte at offset {exc.start})", path=label) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        kind = "" if isinstance(exc, _Refused | ConstructorError) else "YAML syntax error: "
        raise CatalogError(f"{where}{kind}{problem}", path=label) from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"YAML syntax error: {' '.join(str(exc).split())}", path=label) from None
