"""Every requirement unit, in one explicit table: requirement id -> its module in workbench.checks.

A unit is the module with the requirement's check (`CHECK`, a Check subclass), beside it the
notebook page `<module>.page.yaml` (workbench.checks.page), and its tests
`tests/checks/**/test_<module>.py`. Modules
are imported on first use, so asking for one check does not import all of them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from workbench.checks.base import Check
from workbench.checks.page import Page, load_page
from workbench.errors import WorkbenchError

UNITS: dict[str, str] = {
    "ATK-01": "atk_01",
    "ATK-02": "atk_02",
    "ATK-03": "atk_03",
    "ATK-04": "atk_04",
    "ATK-05": "atk_05",
    "ATK-06": "atk_06",
    "ATK-07": "atk_07",
    "ATK-08": "atk_08",
    "AUTH-01": "auth_01",
    "AUTH-02": "auth_02",
    "AUTH-03": "auth_03",
    "AUTH-04": "auth_04",
    "AUTH-05": "auth_05",
    "AUTH-06": "auth_06",
    "COM-01": "com_01",
    "COM-02": "com_02",
    "COM-03": "com_03",
    "COM-04": "com_04",
    "COM-05": "com_05",
    "DATA-01": "data_01",
    "DATA-02": "data_02",
    "DEL-01": "del_01",
    "INPUT-01": "input_01",
    "INST-01": "inst_01",
    "INT-01": "int_01",
    "LOG-01": "log_01",
    "RES-01": "res_01",
    "SEC-01": "sec_01",
    "SEC-02": "sec_02",
    "SEC-03": "sec_03",
    "TEL-01": "tel_01",
    "UPD-01": "upd_01",
    "UPD-02": "upd_02",
    "UPD-03": "upd_03",
    "UPD-04": "upd_04",
    "UPD-05": "upd_05",
    "UPD-06": "upd_06",
    "VULN-01": "vuln_01",
    "WIFI-01": "wifi_01",
}


@dataclass(frozen=True)
class Unit:
    """One requirement's home: its id, module, check class and notebook page."""

    requirement_id: str
    module: ModuleType
    check: type[Check]
    page: Page

    @property
    def module_name(self) -> str:
        return self.module.__name__.rsplit(".", 1)[-1]


def unit(requirement_id: str) -> Unit:
    """The unit of `requirement_id` (a WorkbenchError naming it when none is registered)."""
    try:
        name = UNITS[requirement_id]
    except KeyError:
        raise WorkbenchError(f"unknown check id {requirement_id!r}") from None
    module = importlib.import_module(f"workbench.checks.{name}")
    check, page = module.CHECK, load_page(name)
    if check.requirement_id != requirement_id:
        raise WorkbenchError(f"{module.__name__} checks {check.requirement_id}, not {requirement_id}")
    return Unit(requirement_id, module, check, page)


def all_units() -> dict[str, Unit]:
    return {rid: unit(rid) for rid in sorted(UNITS)}


def all_checks() -> dict[str, type[Check]]:
    return {rid: u.check for rid, u in all_units().items()}


def get_check(requirement_id: str) -> Check:
    return unit(requirement_id).check()
