"""The pages of the probe-judged checks show the probe's tables (ui.evidence_table, kind probe)."""

from __future__ import annotations

from pathlib import Path

from probecases import SCRIPT

from workbench import ui
from workbench.case import Case
from workbench.checks.page import load_page
from workbench.notebook import open_check
from workbench.ui.tables import frame_html

PAGES = {"auth_01": "logins", "auth_05": "bruteforce", "auth_06": "access", "atk_01": "ports",
         "com_02": "tls", "upd_06": "http", "input_01": "robustness"}  # fmt: skip


def test_each_page_shows_its_probe_table() -> None:
    for module, table in PAGES.items():
        code = "\n".join(c for _text, c in load_page(module).steps)
        assert f'ui.evidence_table(\n    session, "probe", "{table}",' in code, module


def test_the_probe_table_is_shown_typed_and_escaped(probed: dict[str, Case]) -> None:
    session = open_check(probed["hostile"].path, "AUTH-01")
    frame = ui.evidence_table(session, "probe", "logins", columns=["port", "user", "accepted", "packets"])
    assert frame.to_dict("records") == [{"port": 8081, "user": SCRIPT, "accepted": True, "packets": [4, 5]}]
    html = frame_html(frame)
    assert SCRIPT not in html and "&lt;script&gt;" in html


def test_a_case_without_a_probe_says_how_to_add_one(tmp_path: Path) -> None:
    from workbench.case import CaseInfo

    info = CaseInfo(device="cam", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    case = Case.create(tmp_path / "unprobed", info)
    frame = ui.evidence_table(open_check(case.path, "AUTH-05"), "probe", "bruteforce", columns=["port"])
    assert frame.empty and list(frame.columns) == ["port"]
