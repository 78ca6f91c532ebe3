"""Creating and opening a case; case.yaml validation and normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from workbench.case import Case, CaseInfo
from workbench.errors import CaseError


def test_create_writes_layout_and_open_reads_it_back(tmp_path: Path, make_info) -> None:
    info = make_info(
        device_ips=["192.168.1.20", "2001:DB8:0:0::1", "192.168.1.20"],
        device_macs=["AA-BB-CC-00-11-22", "aabb.cc00.1123", "AABBCC001124", "a:b:c:d:e:f"],
        serial_number=12345,
    )
    case = Case.create(tmp_path / "cam1", info)
    for sub in ("artefacts", "verdicts", "cache"):
        assert (case.path / sub).is_dir()
    assert case.cache_dir == case.path / "cache"
    stored = yaml.safe_load((case.path / "case.yaml").read_text())
    assert stored["device_ips"] == ["192.168.1.20", "2001:db8::1"]
    assert stored["device_macs"] == [
        "aa:bb:cc:00:11:22",
        "aa:bb:cc:00:11:23",
        "aa:bb:cc:00:11:24",
        "0a:0b:0c:0d:0e:0f",
    ]
    assert stored["serial_number"] == "12345"
    assert stored["catalog_edition"]  # the newest bundled edition (or the baseline's name)
    reopened = Case.open(case.path)
    assert reopened.info == case.info
    assert reopened.artefacts() == []
    assert reopened.declaration is None and reopened.declaration_sha256() is None
    assert reopened.current_hashes() == {}


def test_create_refuses_a_folder_that_is_not_empty(tmp_path: Path, make_info) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(CaseError, match="not empty"):
        Case.create(tmp_path / "busy", make_info())
    assert sorted(p.name for p in (tmp_path / "busy").iterdir()) == ["notes.txt"]
    (tmp_path / "empty").mkdir()
    assert Case.create(tmp_path / "empty", make_info()).path == (tmp_path / "empty").absolute()


def test_open_says_clearly_what_is_not_a_case(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="no such case folder"):
        Case.open(tmp_path / "nothing")
    (tmp_path / "plain").mkdir()
    with pytest.raises(CaseError, match="not a device case"):
        Case.open(tmp_path / "plain")


def test_open_names_the_bad_field_of_a_hand_edited_case_yaml(tmp_path: Path, make_info) -> None:
    case = Case.create(tmp_path / "c", make_info())
    data = yaml.safe_load((case.path / "case.yaml").read_text())
    data["device_ips"] = ["10.0.0.300"]
    (case.path / "case.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(CaseError) as err:
        Case.open(case.path)
    assert "case.yaml" in str(err.value) and "device_ips[0]" in str(err.value)
    assert "10.0.0.300" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("level", 4, "less than or equal to 3"),
        ("device_macs", ["00:11:22:33:44"], "not a MAC address"),
        ("device_ips", ["camera.local"], "not an IP address"),
        ("vendor", "  ", "at least 1 character"),
        ("colour", "red", "Extra inputs"),
        ("schema_version", 99, "newer than this workbench"),
    ],
)
def test_case_info_rejects(field: str, value: object, message: str, make_info) -> None:
    with pytest.raises(ValidationError, match=message):
        make_info(**{field: value})


def test_firmware_version_given_as_a_yaml_number_stays_text() -> None:
    text = "device: x\nvendor: v\nmodel: m\nfirmware_version: 2.10\nlevel: 1"
    info = CaseInfo.model_validate(yaml.safe_load(text))
    assert info.firmware_version == "2.1"  # YAML already read 2.10 as a float: quote versions in YAML
    assert info.created_at.tzinfo is not None
