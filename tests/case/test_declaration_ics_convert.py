"""`workbench case declare CASE --convert [FLAT] --out NEW`: a flat declaration in TS 103 701's two
parts, validated, written to a new file; the case is never changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.case import Case
from workbench.case.declaration import load_declaration
from workbench.case.etsi import reference
from workbench.catalog import load_catalog
from workbench.cli import main

FLAT = """\
# a flat declaration, as manufacturers wrote them before the ICS/IXIT parts
manufacturer: Acme
model: C100
declared_on: 2026-01-10
open_ports:
  - {proto: tcp, port: 443, service: https, purpose: web UI, ixit_ref: "IXIT 13"}
  - {proto: tcp, port: 554, service: rtsp}
services: [https, rtsp]
cloud_endpoints: [api.acme-cloud.example]
update: {mechanism: OTA, automatic: true, signed: true}
disclosure: {contact: security@acme.example}
tls: {min_version: "1.2"}
default_passwords: user-set
debug_interfaces: []
erase: {method: hold reset 10 s}
notes: answered in the attached PDF
"""


@pytest.fixture
def flat(tmp_path: Path) -> Path:
    path = tmp_path / "flat.yaml"
    path.write_text(FLAT)
    return path


def cli(*args: object, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mapped_provisions() -> set[str]:
    return {p for r in load_catalog().requirements for p in r.mappings.etsi_en_303_645}


def test_convert_writes_the_two_parts_and_leaves_the_case_alone(case: Case, flat: Path, tmp_path, capsys):
    case.declare(flat)
    before = snapshot(case.path)
    out = tmp_path / "two-part.yaml"
    code, printed, err = cli("case", "declare", case.path, "--convert", "--out", out, capsys=capsys)
    assert code == 0, err
    assert snapshot(case.path) == before  # the case is unchanged
    assert "the case is unchanged" in printed and "to confirm" in printed
    converted = load_declaration(out)  # valid
    sections = reference().declaration_fields
    # every flat field an IXIT entry in its section (the manufacturer's own "IXIT 13" kept for the ports)
    described = {f: e for e in converted.ixit for f in e.fields}
    stated = {"open_ports", "services", "cloud_endpoints", "update", "disclosure", "tls", "default_passwords",
              "debug_interfaces", "erase"}
    assert set(described) == stated
    assert described["open_ports"].section == 13 and described["open_ports"].id == "IXIT 13-1"
    assert all(described[f].section == sections[f].section for f in stated - {"open_ports"})
    assert described["update"].provisions == list(sections["update"].provisions)
    assert described["debug_interfaces"].text == "none"
    assert "mechanism: OTA" in described["update"].text and "automatic: yes" in described["update"].text
    # the fields that can hold an ixit_ref name their entry
    assert [p.ixit_ref for p in converted.open_ports] == ["IXIT 13-1", "IXIT 13-1"]
    assert converted.update.ixit_ref == described["update"].id and converted.erase.ixit_ref == "IXIT 25-1"
    # the ICS: every provision of EN 303 645 (those the catalogue maps among them), supported, to confirm
    assert set(converted.ics) == set(reference().provision_ids) >= mapped_provisions()
    assert all(e.status == "supported" and e.to_confirm for e in converted.ics.values())
    assert list(converted.ics) == sorted(converted.ics, key=reference().order)
    # the flat statements stay as they were
    original = load_declaration(flat)
    assert converted.services == original.services and converted.notes == original.notes
    assert converted.declared_on == original.declared_on and converted.tls.min_version == "1.2"
    assert out.read_text().startswith("# Converted to ETSI TS 103 701's two parts")


def test_both_command_forms_and_what_is_already_two_part_is_kept(case: Case, flat: Path, tmp_path, capsys):
    first = tmp_path / "first.yaml"
    assert cli("case", "declare", case.path, flat, "--convert", "--out", first, capsys=capsys)[0] == 0
    data = yaml.safe_load(first.read_text())
    data["ics"]["5.1-1"] = {"status": "not_applicable", "justification": "no passwords at all"}
    data["ixit"].append({"id": "IXIT 11-9", "section": 11, "title": "Endpoints", "text": "api only",
                         "fields": ["cloud_endpoints"]})
    data["ixit"] = [e for e in data["ixit"] if e["fields"] != ["cloud_endpoints"] or e["id"] == "IXIT 11-9"]
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, sort_keys=False))
    second = tmp_path / "second.yaml"
    code, printed, err = cli("case", "declare", case.path, "--convert", edited, "--out", second,
                             capsys=capsys)
    assert code == 0, err
    assert "IXIT:" not in printed and "ICS:" not in printed  # nothing left to add
    again = load_declaration(second)
    assert again.ics["5.1-1"].justification == "no passwords at all"  # the manufacturer's statements kept
    assert [e.id for e in again.ixit if "cloud_endpoints" in e.fields] == ["IXIT 11-9"]
    assert again.ixit == sorted(again.ixit, key=lambda e: (e.section, int(e.id.rsplit("-", 1)[1])))
    assert load_declaration(first).ixit[0].id == "IXIT 1-1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--convert",), "--convert writes a new file: give it with --out"),
        (("--out", "x.yaml"), "--out goes with --convert"),
        ((), "name the declaration FILE to set"),
        (("--convert", "--out", "new.yaml"), "the case has no declaration"),
    ],
)
def test_usage_errors_are_one_line(case: Case, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli("case", "declare", case.path, *args, capsys=capsys)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "new.yaml").exists()


def test_never_overwrites_never_writes_into_the_case(case: Case, flat: Path, tmp_path, capsys):
    existing = tmp_path / "existing.yaml"
    existing.write_text("mine\n")
    code, _, err = cli("case", "declare", case.path, "--convert", flat, "--out", existing, capsys=capsys)
    assert code == 2 and "already exists; not overwritten" in err and existing.read_text() == "mine\n"
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "nowhere.yaml")
    assert cli("case", "declare", case.path, "--convert", flat, "--out", link, capsys=capsys)[0] == 2
    assert not (tmp_path / "nowhere.yaml").exists()
    before = snapshot(case.path)
    inside = case.path / "artefacts" / "new.yaml"
    code, _, err = cli("case", "declare", case.path, "--convert", flat, "--out", inside, capsys=capsys)
    assert code == 2 and "inside the case folder" in err and snapshot(case.path) == before


def test_an_invalid_flat_declaration_is_refused_and_nothing_written(case: Case, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("open_ports: [{proto: tcp, port: 99999}]\n")
    out = tmp_path / "out.yaml"
    code, _, err = cli("case", "declare", case.path, "--convert", bad, "--out", out, capsys=capsys)
    assert code == 2 and "open_ports[0].port" in err and not out.exists()


def test_the_converted_declaration_is_declared_and_read_by_the_checks(case: Case, flat, tmp_path, capsys):
    from workbench.checks import get_check
    from workbench.checks.context import EvidenceContext

    out = tmp_path / "two-part.yaml"
    assert cli("case", "declare", case.path, "--convert", flat, "--out", out, capsys=capsys)[0] == 0
    assert cli("case", "declare", case.path, out, capsys=capsys)[0] == 0
    result = get_check("VULN-01").run(EvidenceContext.for_case(case.path, "VULN-01"))
    assert "security@acme.example" in " ".join(result.reasons)


def test_declaring_an_unconfirmed_ics_warns(case: Case, flat: Path, tmp_path, capsys):
    out = tmp_path / "two-part.yaml"
    assert cli("case", "declare", case.path, flat, "--convert", "--out", out, capsys=capsys)[0] == 0
    code, _, err = cli("case", "declare", case.path, out, capsys=capsys)
    assert code == 0 and "ICS entries still marked 'to confirm'" in err, err
    code, _, err = cli("case", "declare", case.path, flat, capsys=capsys)  # a flat one: nothing to confirm
    assert code == 0 and "to confirm" not in err
