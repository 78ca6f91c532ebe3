"""The live probe's plan in Japanese: each test's description and the test-access line (its grants, its
warnings) say no English but values, and the English plan is as it was.

Real things: a case and a manufacturer's test-access.yaml as the probe tests write them
(tests/probe/test_vendor_access.py), planned by `workbench.probing.plan_for` from the bundled catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from english import english_runs

from workbench.case import Case, CaseInfo
from workbench.i18n import use_language
from workbench.probing import plan_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "probe"))
from test_vendor_access import INFO, write_access  # noqa: E402


def planned(tmp_path: Path, with_access: bool):
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(INFO))
    if with_access:
        change = {"documented_in": "manual 4.2", "port": 80, "user": "admin", "password": "pw",
                  "applies_to": ["http"], "tls": False}  # fmt: skip
        write_access(case.path, password_change=change)
    return plan_for(case)


def test_the_plan_in_english_is_as_it_was(tmp_path: Path) -> None:
    plan = planned(tmp_path, with_access=True)
    assert plan.access_line() == (
        "Test access: shell: ssh root@tcp/22; logs: /var/log/messages;"
        " update: update-2.1.1.bin via `/sbin/fw_upgrade {image}`;"
        " password change: web tcp/80/password (manual 4.2)\n"
        "warning: the update test installs the manufacturer's update (the unit is left at its version), and"
        " first an image with one byte changed, which a unit that does not check may install\n"
        "warning: the device password crosses the network in clear (the capture holds it)"
    )
    described = {t.name: t.describe(plan.profile) for t in plan.tests}
    assert described["access"] == "each service without credentials"
    assert described["port_scan"].startswith("top ") and described["port_scan"].endswith(
        " ports, versions; + declared"
    )


def test_the_plan_in_japanese(tmp_path: Path) -> None:
    for with_access in (True, False):
        plan = planned(tmp_path / str(with_access), with_access)
        with use_language("ja"):
            texts = [plan.access_line(), *(t.describe(plan.profile) for t in plan.tests)]
        assert all(texts) and english_runs("\n".join(texts)) == [], texts
        line = texts[0]
        if with_access:
            assert line.startswith("テストアクセス：シェル：ssh root@tcp/22") and "警告：" in line
            assert "`/sbin/fw_upgrade {image}`" in line  # a value, as written
        else:
            assert line == "テストアクセス：許可なし（test-access.yaml）。機器上のテストは実施しない"
