"""Fixtures for the device case tests: real captures from the shared corpus, real images."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo


def case_info(**overrides: object) -> CaseInfo:
    fields: dict[str, object] = {
        "device": "IP camera",
        "vendor": "Acme",
        "model": "C100",
        "firmware_version": "2.1",
        "level": 2,
        "inspectors": ["alice"],
    }
    fields.update(overrides)
    return CaseInfo.model_validate(fields)


@pytest.fixture
def make_info() -> object:
    """CaseInfo of a demo camera, with fields overridden as given."""
    return case_info


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return Case.create(tmp_path / "cam1", case_info())


@pytest.fixture(scope="session")
def jpeg_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real JPEG photo, encoded by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(buffer, format="JPEG")
    path = tmp_path_factory.mktemp("img") / "device-photo.jpg"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="session")
def png_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    path = tmp_path_factory.mktemp("img") / "label.png"
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture(scope="session")
def elf_file() -> Path:
    """A real ELF binary of this machine."""
    for candidate in ("/bin/busybox", "/usr/bin/true", "/bin/true"):
        if Path(candidate).is_file():
            return Path(candidate)
    pytest.fail("no ELF binary found on this machine")
