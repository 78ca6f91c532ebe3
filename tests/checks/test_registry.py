"""The registry of requirement units against the catalogue: one unit per requirement, each complete.

A unit is workbench/checks/<module>.py (CHECK and PAGE) with its tests in tests/checks/**/test_<module>.py.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from workbench.catalog import load_catalog
from workbench.catalog.loader import bundled_editions, newest_edition
from workbench.checks import EvidenceKind
from workbench.checks.page import PAGES_DIR, Page, columns_of, page_from_data
from workbench.checks.registry import UNITS, all_units

TESTS = Path(__file__).resolve().parent
NEWEST = load_catalog(newest_edition())
UNIT_IDS = sorted(UNITS)


def test_every_catalogue_requirement_has_exactly_one_unit() -> None:
    for edition in bundled_editions():
        assert set(load_catalog(edition).ids) <= set(UNITS), edition
    assert set(UNITS) == set(NEWEST.ids)
    assert len(set(UNITS.values())) == len(UNITS), "two ids share a module"


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_unit_is_complete(rid: str) -> None:
    unit = all_units()[rid]
    assert unit.check.requirement_id == rid
    assert unit.module_name == rid.lower().replace("-", "_")
    assert isinstance(unit.page, Page) and unit.page.intro.strip()


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_evidence_kinds_agree_with_the_catalogue(rid: str) -> None:
    """The check needs no kind the catalogue does not name, and can use every kind it names."""
    check, requirement = all_units()[rid].check, NEWEST.get(rid)
    named = {EvidenceKind(k) for k in requirement.evidence} | {EvidenceKind.INSPECTOR}
    usable = set(check.needs | check.optional) | {EvidenceKind.INSPECTOR}
    assert set(check.needs) <= named, f"{rid} needs {set(check.needs) - named} the catalogue does not name"
    assert named <= usable, f"{rid}: the catalogue names {named - usable}, which the check never reads"


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_declared_parameters_exist_in_the_catalogue_with_a_value(rid: str) -> None:
    check, requirement = all_units()[rid].check, NEWEST.get(rid)
    given = {k for k, v in (requirement.parameters or {}).items() if v is not None}
    missing = set(check.parameters) - given
    assert not missing, f"{rid} reads {sorted(missing)}, which edition {NEWEST.edition} does not give"


def _parameter_reads(module_source: str) -> set[str]:
    """Names passed as string literals to Parameters' readers (`params.get("x")`, `.strings("x")`...)."""
    readers = {"get", "strings", "lowered", "integer", "number", "flag"}
    tree = ast.parse(module_source)
    holders = {"params", "parameters"} | {  # and any name given `self.params(ctx)`
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and "self.params(" in ast.unparse(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in readers
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in holders
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_no_default_lives_in_python(rid: str) -> None:
    unit = all_units()[rid]
    source = inspect.getsource(unit.module)
    tree = ast.parse(source)
    constants = [
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name) and target.id.startswith("DEFAULT")
    ]
    assert not constants, f"{rid}: defaults belong in the catalogue, not {constants}"
    undeclared = _parameter_reads(source) - set(unit.check.parameters)
    assert not undeclared, f"{rid} reads {sorted(undeclared)} without declaring them in `parameters`"


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_tests_are_found_by_the_requirement_id(rid: str) -> None:
    name = f"test_{all_units()[rid].module_name}.py"
    assert list(TESTS.rglob(name)), f"no tests/checks/**/{name} for {rid}"


@pytest.mark.parametrize("rid", UNIT_IDS)
def test_every_column_a_page_shows_is_in_its_engine_table(rid: str) -> None:
    """The page's tables name their engine table and columns; each exists in the declared schema."""
    import yaml

    from workbench.checks.page import engine_tables

    module = all_units()[rid].module_name
    data = yaml.safe_load((PAGES_DIR / f"{module}.page.yaml").read_text())
    for step in data.get("steps") or ():
        if "table" not in step:
            continue
        spec = step["table"]
        schema = engine_tables(spec["kind"])[spec["name"]]
        shown = columns_of(spec, module)
        unknown = set(shown) - set(schema.names)
        assert not unknown, f"{rid}: {unknown} not in the {spec['name']} table"
        assert {c.rstrip("~") for c in spec.get("where") or {}} <= set(schema.names)


def test_a_malformed_page_is_refused_with_its_file_named(tmp_path: Path) -> None:
    from workbench.errors import CheckError

    with pytest.raises(CheckError, match="a step needs"):
        page_from_data({"intro": "x", "steps": [{"text": "t", "cell": "nope"}]}, "bad.page.yaml")
    with pytest.raises(CheckError, match="bad.page.yaml: unknown keys"):
        page_from_data({"intro": "x", "stepz": []}, "bad.page.yaml")
    assert page_from_data({"intro": "manual", "procedure": True}, "p").intro.startswith("This requirement")
