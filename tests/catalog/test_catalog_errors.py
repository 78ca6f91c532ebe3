"""A broken catalogue gives one line naming the file, the requirement and the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workbench.catalog import load_catalog, yamlfile
from workbench.errors import CatalogError, WorkbenchError


def error_of(source: Any) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog(source)
    message = str(caught.value)
    assert "\n" not in message, "the error must be one line"
    assert isinstance(caught.value, WorkbenchError)
    return message


def test_valid_lab_file_loads(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("my.yaml", catalog_data)
    catalog = load_catalog(path)
    assert catalog.edition == "lab-1"
    assert catalog.ids == ["AUTH-01", "COM-02"]
    assert catalog.source == str(path)
    assert load_catalog(str(path)).ids == catalog.ids


def test_level_out_of_range(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    catalog_data["requirements"][1]["level"] = 5
    path = write_yaml("catalog/my.yaml", catalog_data)
    assert error_of(path) == f"{path}: requirement COM-02: field 'level': must be 1, 2 or 3 (got 5)"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.pop("statement"), "requirement COM-02: field 'statement': is missing"),
        (lambda r: r.update(level=True), "requirement COM-02: field 'level': must be 1, 2 or 3 (got True)"),
        (lambda r: r.update(level="2"), "requirement COM-02: field 'level': must be 1, 2 or 3 (got '2')"),
        (
            lambda r: r.update(lvl=2),
            "requirement COM-02: field 'lvl': unknown field; did you mean 'level'?",
        ),
        (
            lambda r: r.update(evidence=["capture", "photo"]),
            "requirement COM-02: field 'evidence[1]': must be 'capture', 'firmware', 'declaration', "
            "'inspector' or 'probe' (got 'photo')",
        ),
        (
            lambda r: r.update(evidence=["capture", "capture"]),
            "requirement COM-02: field 'evidence': lists 'capture' twice",
        ),
        (
            lambda r: r.update(automation="auto"),
            "requirement COM-02: field 'automation': "
            "must be 'automatic', 'assisted' or 'manual' (got 'auto')",
        ),
        (
            lambda r: r.update(pass_criteria=[]),
            "requirement COM-02: field 'pass_criteria': must have at least 1 item(s)",
        ),
        (lambda r: r.update(title="  "), "requirement COM-02: field 'title': must not be empty"),
        (
            lambda r: r.update(title="Evil \x1b[2J title"),
            "requirement COM-02: field 'title': must be one line without control characters",
        ),
        (
            lambda r: r.update(statement=42),
            "requirement COM-02: field 'statement': must be text (got 42); quote it",
        ),
        (
            lambda r: r.update(mappings={"etsi_en_303_645": ["5.1.1"]}),
            "requirement COM-02: field 'mappings.etsi_en_303_645[0]': must be an ETSI EN 303 645 provision",
        ),
        (
            lambda r: r.update(mappings={"ts_103_701_ixit": ["IXIT 30"]}),
            "requirement COM-02: field 'mappings.ts_103_701_ixit[0]': must be a TS 103 701 IXIT section",
        ),
        (
            lambda r: r.update(mappings={"etsi": ["5.1-1"]}),
            "requirement COM-02: field 'mappings.etsi': unknown field; did you mean 'etsi_en_303_645'?",
        ),
        (
            lambda r: r.update(mappings={"nistir_8259a": ["Device Security"]}),
            "requirement COM-02: field 'mappings.nistir_8259a[0]': must be 'Device Identification'",
        ),
        (
            lambda r: r.update(parameters={"Min-TLS": "TLS 1.2"}),
            "requirement COM-02: field 'parameters.Min-TLS': "
            "must be a lower-case name like 'min_tls_version'",
        ),
        (
            lambda r: r.update(id="com 02"),
            "requirement com 02: field 'id': must be an identifier like 'AUTH-01'",
        ),
        (
            lambda r: r.update(category="Attack Surface"),
            "field 'category': must be lower-case words joined by '-'",
        ),
    ],
)
def test_one_line_error_names_file_requirement_and_field(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], mutate: Callable, expected: str
) -> None:
    mutate(catalog_data["requirements"][1])
    path = write_yaml("my.yaml", catalog_data)
    message = error_of(path)
    assert message.startswith(f"{path}: "), message
    assert expected in message, message


def test_requirement_without_id_is_named_by_position(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    del catalog_data["requirements"][1]["id"]
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path) == f"{path}: requirement #2: field 'id': is missing"


def test_several_problems_are_counted_on_the_same_line(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data["requirements"][0]["level"] = 9
    catalog_data["requirements"][1]["automation"] = "sometimes"
    path = write_yaml("my.yaml", catalog_data)
    message = error_of(path)
    assert message.startswith(f"{path}: requirement AUTH-01: field 'level': must be 1, 2 or 3 (got 9)")
    assert message.endswith("(and 1 more problem)")


def test_duplicate_id(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    catalog_data["requirements"][1]["id"] = "AUTH-01"
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path) == f"{path}: requirement AUTH-01: field 'id': duplicate id (also requirement #1)"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("edition", 2026.1, "field 'edition': must be text (got 2026.1); quote it in YAML"),
        ("schema_version", 2, "field 'schema_version': must be 1 (got 2)"),
        ("published", "next spring", "field 'published': must be a date like 2026-01-15 (got 'next spring')"),
        ("requirements", "none", "field 'requirements': must be a list (got 'none')"),
        ("editon", "x", "field 'editon': unknown field; did you mean 'edition'?"),
    ],
)
def test_header_errors(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path], field: str, value: Any, expected: str
) -> None:
    catalog_data[field] = value
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path).startswith(f"{path}: {expected}")


def test_missing_header_field(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    del catalog_data["edition"]
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path) == f"{path}: field 'edition': is missing"


def test_requirement_that_is_not_a_mapping(
    catalog_data: dict[str, Any], write_yaml: Callable[..., Path]
) -> None:
    catalog_data["requirements"].append("COM-03")
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path) == f"{path}: requirement #3: must be a mapping of fields (got 'COM-03')"


def test_yaml_syntax_error_gives_the_line(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("my.yaml", 'edition: "x"\nrequirements:\n  - id: AUTH-01\n    title: [unclosed\n')
    message = error_of(path)
    assert message.startswith(f"{path}: line 5, column 1: YAML syntax error: ")


def test_tab_indentation_gives_the_line(write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("my.yaml", "edition: x\nrequirements:\n\t- id: AUTH-01\n")
    assert error_of(path).startswith(f"{path}: line 3, column 1: YAML syntax error: ")


def test_key_given_twice_is_refused(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    path = write_yaml("my.yaml", "edition: a\ntitle: t\nedition: b\n")
    assert error_of(path) == f"{path}: line 3, column 1: key 'edition' appears twice"


def test_aliases_are_refused(write_yaml: Callable[..., Path]) -> None:
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n"
    )
    path = write_yaml("bomb.yaml", bomb)
    message = error_of(path)
    assert "a catalogue may not use aliases" in message
    assert message.startswith(f"{path}: line ")


def test_python_tags_are_not_executed(write_yaml: Callable[..., Path], tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = write_yaml("evil.yaml", f"edition: !!python/object/apply:os.system ['touch {marker}']\n")
    assert "could not determine a constructor" in error_of(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty"),
        ("# only a comment\n", "file is empty"),
        (
            "- a\n- b\n",
            "must be a mapping with 'edition', 'title', 'published', 'schema_version' and 'requirements'",
        ),
        ("just text\n", "must be a mapping with"),
    ],
)
def test_empty_or_shapeless_file(write_yaml: Callable[..., Path], content: str, expected: str) -> None:
    path = write_yaml("my.yaml", content)
    assert error_of(path).startswith(f"{path}: {expected}")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Caf\xe9\n".encode("latin-1"))
    assert error_of(path) == f"{path}: not UTF-8 text (bad byte at offset 10)"


def test_file_too_large(catalog_data: dict[str, Any], write_yaml: Callable[..., Path], monkeypatch) -> None:
    path = write_yaml("big.yaml", catalog_data)
    monkeypatch.setattr(yamlfile, "MAX_FILE_BYTES", 100)
    assert "file too large" in error_of(path)


def test_missing_file_and_unknown_edition(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert error_of(missing) == f"{missing}: no such file or folder"
    message = error_of("2031.4")
    bundled = "2025.1, 2026.1, 2026.2, 2026.3, 2026.4"
    assert message.startswith(f"unknown catalogue edition '2031.4' (bundled editions: {bundled})")


def test_empty_catalogue(catalog_data: dict[str, Any], write_yaml: Callable[..., Path]) -> None:
    catalog_data["requirements"] = []
    path = write_yaml("my.yaml", catalog_data)
    assert error_of(path) == f"{path}: the catalogue has no requirements"
