"""`workbench lab --prepare-only`: parameterised walk-through copies, never overwriting the inspector's."""

from __future__ import annotations

import nbformat
from nb_helpers import all_text, execute, make_case, published

from workbench.catalog import load_catalog
from workbench.cli import main


def prepare(case, catalog_source, capsys) -> tuple[int, str]:
    argv = ["lab", str(case.path), "--prepare-only"]
    if catalog_source:
        argv += ["--catalog", catalog_source]
    code = main(argv)
    return code, capsys.readouterr().out


def test_prepares_applicable_notebooks_with_parameters(tmp_path, catalog_source, capsys) -> None:
    case = make_case(tmp_path / "cam", level=1, catalog_source=catalog_source)
    code, out = prepare(case, catalog_source, capsys)
    assert code == 0
    folder = case.path / "walkthrough"
    assert out.strip().splitlines()[-1] == str(folder)
    level_one = {r.id for r in load_catalog(catalog_source or None).for_level(1)}
    names = {p.name for p in folder.glob("*.ipynb")}
    assert names == {"00-index.ipynb", "00-case-overview.ipynb", "00-live-tests.ipynb"} | {
        f"{rid}.ipynb" for rid in level_one
    }
    nb = nbformat.read(folder / "COM-01.ipynb", as_version=4)
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'case_dir = "{case.path}"' in injected.source
    assert 'requirement_id = "COM-01"' in injected.source
    assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code")
    index = nbformat.read(folder / "00-index.ipynb", as_version=4).cells[0].source
    assert (
        "(COM-01.ipynb)" in index and "(00-case-overview.ipynb)" in index and "(00-live-tests.ipynb)" in index
    )
    assert "ATK-05" not in index  # level 3: not applicable to a level-1 case


def test_never_overwrites_an_existing_walkthrough_notebook(tmp_path, catalog_source, capsys) -> None:
    case = make_case(tmp_path / "cam", level=1, catalog_source=catalog_source)
    prepare(case, catalog_source, capsys)
    folder = case.path / "walkthrough"
    mine = folder / "COM-01.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("My notes: the telnet login at packet 12."))
    nbformat.write(nb, mine)
    noted = mine.read_bytes()
    (folder / "AUTH-01.ipynb").unlink()
    code, out = prepare(case, catalog_source, capsys)
    assert code == 0
    assert mine.read_bytes() == noted
    assert (folder / "AUTH-01.ipynb").is_file()
    assert "(1 added," in out


def test_a_prepared_notebook_runs_as_it_is(tmp_path, catalog_source, capsys) -> None:
    case = make_case(tmp_path / "cam", level=1, catalog_source=catalog_source)
    prepare(case, catalog_source, capsys)
    nb = execute(case.path / "walkthrough" / "VULN-01.ipynb", tmp_path / "run")  # no new parameters
    (payload,) = published(nb)
    assert payload["requirement_id"] == "VULN-01"
    assert "What to examine" in all_text(nb)


def test_unknown_case_is_one_line_error(tmp_path, capsys) -> None:
    assert main(["lab", str(tmp_path / "nope"), "--prepare-only"]) == 2
    assert "no such case folder" in capsys.readouterr().err


def test_a_japanese_case_gets_the_japanese_notebooks(tmp_path, catalog_source, capsys) -> None:
    import re

    from workbench import i18n
    from workbench.case import Case, CaseInfo

    info = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
            "inspectors": ["Alice Example"], "language": "ja"}
    if catalog_source:
        info["catalog_edition"] = "lab-test.1"
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(info))
    try:
        code, out = prepare(case, catalog_source, capsys)
    finally:
        i18n.set_language("en")
    assert code == 0 and "ウォークスルー" in out
    folder = case.path / "walkthrough"
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    nb = nbformat.read(folder / "COM-01.ipynb", as_version=4)
    assert nb.cells[0].source.startswith("# COM-01：検査ウォークスルー")
    (injected,) = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert 'language = "ja"' in injected.source
    overview = nbformat.read(folder / "00-case-overview.ipynb", as_version=4)
    assert japanese.search(overview.cells[0].source)
    index = nbformat.read(folder / "00-index.ipynb", as_version=4).cells[0].source
    assert index.startswith("# ウォークスルー") and "(COM-01.ipynb)" in index
