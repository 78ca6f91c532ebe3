"""Fixtures of the renewal tests: the images of three firmware versions, an old case judged and
decided by an inspector (built once per session; a test that changes it takes a copy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from renewal_helpers import HTTP_AUTH, INITTAB, copy_case, image, new_case, record

from workbench.analysis import prepare
from workbench.case import Case

VERDICTS = {  # requirement -> (verdict, rationale, evidence references)
    "COM-01": ("FAIL", "HTTP basic credentials in clear", ()),  # judged on the capture
    "AUTH-02": ("FAIL", "root's password is md5_crypt", ({"artefact": "fw.img", "path": "/etc/shadow"},)),
    "ATK-08": ("PASS", "the console asks for a login", ({"artefact": "fw.img", "path": "/etc/inittab"},)),
    "UPD-03": ("PASS", "the update policy is published", ()),  # judged on the declaration
}


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """v1; `motd`: only /etc/motd differs; `inittab`: /etc/inittab starts a root shell on the console."""
    base = tmp_path_factory.mktemp("images")
    return {
        "v1": image(base, "v1"),
        "motd": image(base, "motd", {"/etc/motd": "Acme C100 2.2\n"}),
        "inittab": image(base, "inittab", {"/etc/inittab": INITTAB + "::respawn:/bin/sh\n"}),
    }


@pytest.fixture(scope="session")
def old_case(tmp_path_factory: pytest.TempPathFactory, images: dict[str, Path]) -> Case:
    """Firmware 2.1: the capture, the image, a declaration, four inspector verdicts; analysed."""
    base = tmp_path_factory.mktemp("old")
    declaration = base / "declaration.yaml"
    declaration.write_text("support_period: {end: 2030-12-31}\n")
    case = new_case(base / "cam-2.1", capture=HTTP_AUTH, firmware=images["v1"], declaration=declaration)
    prepare(case)
    for rid, (verdict, rationale, refs) in VERDICTS.items():
        record(case, rid, verdict, rationale, refs)
    return case


@pytest.fixture
def old(old_case: Case, tmp_path: Path) -> Case:
    """A copy of the old case this test may change (moved, verdicts added)."""
    return copy_case(old_case, tmp_path / "cam-2.1")
