"""The notebooks are uniform, thin, parameterised, output-free, and agree with the catalogue."""

from __future__ import annotations

import re

import nbformat
import pytest
from nb_helpers import NOTEBOOKS, load_generator

OVERVIEW = "00-case-overview.ipynb"
LIVE = "00-live-tests.ipynb"
REQUIREMENT_PARAMETERS = {
    "case_dir": "str",
    "requirement_id": "str",
    "catalog": "str",
    "interactive": "bool",
    "outcome_path": "str",  # the batch's outcome to show; the overview has none
    "language": "str",  # the notebook's own language
}
STEPS = [
    "## 1. The requirement",
    "## 2. Pass criteria and inspection method",
    "## 3. Evidence",
    "## 4. Analysis",
    "## 5. Declared versus observed",
    "## 6. Proposed verdict",
    "## 7. Your verdict",
    "## 8. Publish",
]
ID_LIKE = re.compile(r"\b[A-Z]{2,8}-\d{2}\b")


def notebook_files() -> list:
    """Every committed notebook: the English ones and the Japanese ones (notebooks/ja/)."""
    return sorted(NOTEBOOKS.glob("*.ipynb")) + sorted((NOTEBOOKS / "ja").glob("*.ipynb"))


def language_of(path) -> str:
    return "ja" if path.parent.name == "ja" else "en"


def steps_in(language: str) -> list[str]:
    """The requirement notebooks' step headings in `language`, as the generator translates them."""
    from workbench.i18n import _, use_language

    generator = load_generator()
    texts = [getattr(generator, f"STEP{n}") for n in range(1, 9)]
    with use_language(language):
        return [_(text).splitlines()[0] for text in texts]


def test_step_headings_are_the_same_in_english() -> None:
    assert steps_in("en") == STEPS


def requirement_files() -> list:
    return [p for p in notebook_files() if p.name not in (OVERVIEW, LIVE)]


def read(path):
    return nbformat.read(path, as_version=4)


def test_committed_notebooks_equal_the_generator() -> None:
    texts = load_generator().render_all()
    committed = {p.relative_to(NOTEBOOKS).as_posix(): p.read_text() for p in notebook_files()}
    assert sorted(committed) == sorted(texts), "run scripts/build_notebooks.py"
    differing = [name for name, text in texts.items() if committed[name] != text]
    assert not differing, f"edited by hand, or generator changed without regenerating: {differing}"


def test_every_catalogue_requirement_has_a_notebook_and_back(catalog) -> None:
    for language in ("en", "ja"):
        notebooks = {p.stem for p in requirement_files() if language_of(p) == language}
        assert notebooks == set(catalog.ids), language
    from workbench.checks.registry import UNITS

    assert set(UNITS) == set(catalog.ids)


def test_no_notebook_refers_to_an_unknown_requirement(catalog) -> None:
    known = set(catalog.ids)
    for path in notebook_files():
        text = "\n".join(cell.source for cell in read(path).cells)
        unknown = set(ID_LIKE.findall(text)) - known
        assert not unknown, f"{path.name} refers to {sorted(unknown)}"


def test_no_requirement_text_is_hard_coded(catalog) -> None:
    sources = {p.relative_to(NOTEBOOKS).as_posix(): "\n".join(c.source for c in read(p).cells)
               for p in notebook_files()}
    for requirement in catalog.requirements:
        texts = [requirement.text(lang) for lang in ("en", "ja")]
        for name, text in sources.items():
            for own in texts:  # the Japanese notebooks render the catalogue's Japanese text: never copy it
                assert own.statement not in text, f"{name} copies the statement of {requirement.id}"
                for criterion in own.pass_criteria:
                    assert criterion not in text, f"{name} copies a pass criterion of {requirement.id}"


def test_analysis_uses_only_evidence_the_requirement_names(catalog) -> None:
    for path in requirement_files():
        requirement = catalog.get(path.stem)
        text = "\n".join(c.source for c in read(path).cells if c.cell_type == "code")
        used = set(re.findall(r'ui\.evidence_table\(\s*session, "(\w+)"', text))
        assert used <= set(requirement.evidence), f"{path.name} shows {used - set(requirement.evidence)}"


@pytest.mark.parametrize("path", notebook_files(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_parameters_cell_is_tagged_and_every_parameter_annotated(path) -> None:
    import papermill

    nb = read(path)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [1], "the second cell, and only it, is the parameters cell"
    parameters = papermill.inspect_notebook(str(path))
    expected = dict(REQUIREMENT_PARAMETERS)
    if path.name == LIVE:
        names = {n: p["inferred_type_name"] for n, p in parameters.items()}
        assert names == {
            "case_dir": "str",
            "target": "str",
            "profile": "str",
            "catalog": "str",
            "interactive": "bool",
            "language": "str",
        }
        assert parameters["interactive"]["default"] == "True"
        assert parameters["language"]["default"] == f'"{language_of(path)}"'
        return
    if path.name == OVERVIEW:
        del expected["requirement_id"], expected["outcome_path"]
        expected["states_path"] = "str"  # the batch's judged states; empty: the overview judges them
    assert {n: p["inferred_type_name"] for n, p in parameters.items()} == expected
    assert all(p["help"].strip() for p in parameters.values())
    assert parameters["language"]["default"] == f'"{language_of(path)}"'
    if path.name == OVERVIEW:
        assert parameters["states_path"]["default"] == '""'  # interactively the overview judges
    if path.name != OVERVIEW:
        assert parameters["requirement_id"]["default"] == f'"{path.stem}"'
        assert parameters["interactive"]["default"] == "True"
        assert parameters["outcome_path"]["default"] == '""'  # interactively the check runs in the notebook


@pytest.mark.parametrize("path", notebook_files(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_committed_without_outputs_and_thin(path) -> None:
    nb = read(path)
    nbformat.validate(nb)
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.outputs == [] and cell.execution_count is None
        assert len(cell.source.splitlines()) <= 15, cell.source
        imports = [line for line in cell.source.splitlines() if re.match(r"\s*(import|from)\s", line)]
        assert all(re.match(r"from workbench(\.notebook)? import", line) for line in imports), imports


@pytest.mark.parametrize("path", requirement_files(), ids=lambda p: p.relative_to(NOTEBOOKS).as_posix())
def test_requirement_notebooks_have_the_same_shape(path) -> None:
    nb = read(path)
    headings = [
        c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")
    ]
    assert headings == steps_in(language_of(path))
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    call = "case_dir, requirement_id, catalog, interactive=interactive, outcome_path=outcome_path,"
    assert f"session = open_check(\n    {call}\n    language=language,\n)" in code[1]
    assert code[2:5] == [
        "ui.show_requirement(session.requirement)",
        "ui.show_criteria(session.requirement)",
        "ui.show_evidence(session)",
    ]
    assert code[-4].startswith("ui.show_declared_vs_observed(session")
    assert code[-3:] == [
        "ui.show_proposal(session)",
        "verdict_form = ui.verdict_panel(session)",
        "outcome = session.publish()",
    ]
    assert len(code) > 7, "an analysis section with at least one cell"


def test_procedural_requirements_get_the_checklist(catalog) -> None:
    for requirement in catalog.requirements:
        for folder in (NOTEBOOKS, NOTEBOOKS / "ja"):
            text = "\n".join(c.source for c in read(folder / f"{requirement.id}.ipynb").cells)
            if requirement.automation == "manual":
                assert "ui.show_checklist(session)" in text
                assert f"--requirement {requirement.id}" in text
