"""A case's language (issue 11): case.yaml `language` (format 5), `case new --lang`, `case status` in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from workbench.case import Case, CaseInfo
from workbench.case.info import CASE_SCHEMA_VERSION
from workbench.cli import main
from workbench.errors import CaseError

KANA = re.compile(r"[\u3040-\u30ff]")
NEW = ("case", "new", "--device", "IP camera", "--vendor", "Acme", "--model", "C100",
       "--firmware-version", "2.1", "--level", "1")


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_case_new_lang_ja_records_the_language_and_speaks_it(tmp_path, capsys):
    code, out, err = cli(capsys, *NEW[:2], tmp_path / "cam", *NEW[2:], "--lang", "ja")
    assert code == 0, err
    assert yaml.safe_load((tmp_path / "cam" / "case.yaml").read_text())["language"] == "ja"
    assert Case.open(tmp_path / "cam").info.language == "ja"
    assert out.startswith("検査ケース ") and "を作成した" in out  # its summary in the case's language
    assert CASE_SCHEMA_VERSION == 5


def test_a_case_is_english_by_default_and_its_lines_stay_as_they_were(tmp_path, capsys):
    code, out, err = cli(capsys, *NEW[:2], tmp_path / "cam", *NEW[2:])
    assert code == 0, err
    assert Case.open(tmp_path / "cam").info.language == "en"
    assert out.splitlines()[0].startswith(f"created case {tmp_path / 'cam'} (Acme C100, level 1, catalogue ")
    assert not KANA.search(out)


def test_a_case_of_an_older_format_loads_in_english(tmp_path):
    """A format-4 case.yaml (no language) opens; one naming a language the workbench does not speak fails."""
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=1)
    case = Case.create(tmp_path / "old", info)
    data = yaml.safe_load((case.path / "case.yaml").read_text())
    del data["language"]
    data["schema_version"] = 4
    (case.path / "case.yaml").write_text(yaml.safe_dump(data))
    assert Case.open(case.path).info.language == "en"
    data["language"] = "fr"
    (case.path / "case.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(CaseError, match="unknown language 'fr'"):
        Case.open(case.path)


def test_case_status_speaks_the_cases_language_and_lang_overrides_it(tmp_path, capsys):
    assert cli(capsys, *NEW[:2], tmp_path / "cam", *NEW[2:], "--lang", "ja")[0] == 0
    code, japanese, err = cli(capsys, "case", "status", tmp_path / "cam")
    assert code == 0, err
    assert KANA.search(japanese.splitlines()[0]), japanese
    code, english, err = cli(capsys, "case", "status", tmp_path / "cam", "--lang", "en")
    assert code == 0, err
    assert not KANA.search(english) and english.startswith("Case ")


def test_case_new_refuses_a_language_the_workbench_does_not_speak(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([*NEW[:2], str(tmp_path / "cam"), *NEW[2:], "--lang", "fr"])
    assert not Path(tmp_path / "cam").exists()
