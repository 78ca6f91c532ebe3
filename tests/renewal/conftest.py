"""Fixtures of the renewal tests: the images of three firmware versions, an old case judged and
decided by an inspector (built once per session; a test that changes it takes a copy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from renewal_helpers import DECLARATION, HTTP_AUTH, INITTAB, VERDICTS, copy_case, image, new_case, record

from workbench.analysis import prepare
from workbench.case import Case


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
    declaration.write_text(DECLARATION)
    case = new_case(base / "cam-2.1", capture=HTTP_AUTH, firmware=images["v1"], declaration=declaration)
    prepare(case)
    for rid, (verdict, rationale, refs) in VERDICTS.items():
        record(case, rid, verdict, rationale, refs)
    return case


@pytest.fixture
def old(old_case: Case, tmp_path: Path) -> Case:
    """A copy of the old case this test may change (moved, verdicts added)."""
    return copy_case(old_case, tmp_path / "cam-2.1")
