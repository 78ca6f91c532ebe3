"""The declaration's ICS and IXIT (ETSI TS 103 701): read, checked against EN 303 645's provisions and
the 29 IXIT sections, one-line errors naming the field; flat declarations stay valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.case import Case
from workbench.case.declaration import parse_declaration
from workbench.case.etsi import reference
from workbench.catalog import bundled_editions, load_catalog
from workbench.errors import CaseError

TWO_PART = """\
manufacturer: Acme
update: {mechanism: OTA, signed: true, ixit_ref: IXIT 7-1}
open_ports:
  - {proto: tcp, port: 443, service: https, ixit_ref: IXIT 15-1}
  - {proto: tcp, port: 554, service: rtsp}
ics:
  "5.1-1": {status: supported}
  5.3-2: {status: supported, justification: signed images only}
  5.3-14: {status: N/A, justification: the camera can be updated}
  "6-4": {status: Not applicable, justification: no telemetry is collected}
  5.10-1: {status: not-applicable, justification: no telemetry is collected, notes: checked by QA}
ixit:
  - id: IXIT 7-1
    section: 7
    title: Update mechanism
    text: Images are signed with Ed25519 and verified before flashing.
    provisions: ["5.3-2", "5.3-9"]
    fields: [update]
  - {id: IXIT 15-1, section: 15, title: Open ports, text: "443 and 554 only", provisions: ["5.6-1"]}
"""


def declare(case: Case, tmp_path: Path, text: str) -> object:
    source = tmp_path / "declaration.yaml"
    source.write_text(text)
    declaration, _ = case.declare(source)
    return declaration


def refused(case: Case, tmp_path: Path, text: str) -> str:
    before = case.declaration_sha256()
    with pytest.raises(CaseError) as caught:
        declare(case, tmp_path, text)
    assert case.declaration_sha256() == before  # an invalid declaration changes nothing
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(tmp_path / "declaration.yaml"))
    return message


def test_a_two_part_declaration_is_read(case: Case, tmp_path: Path) -> None:
    declaration = declare(case, tmp_path, TWO_PART)
    assert list(declaration.ics) == ["5.1-1", "5.3-2", "5.3-14", "6-4", "5.10-1"]
    assert {p for p, e in declaration.ics.items() if e.not_applicable} == {"5.3-14", "6-4", "5.10-1"}
    assert declaration.ics["5.3-2"].justification == "signed images only"  # welcome when supported too
    assert declaration.ics_not_applicable(["5.10-1", "6-4", "6-5", "5.1-1"]) == {
        "5.10-1": "no telemetry is collected",
        "6-4": "no telemetry is collected",
    }
    entry = declaration.ixit_entry("IXIT 7-1")
    assert entry.section == 7 and entry.section_title == "update mechanisms" and entry.fields == ["update"]
    assert declaration.ixit_refs() == [
        ("open_ports[0].ixit_ref", "IXIT 15-1"),
        ("update.ixit_ref", "IXIT 7-1"),
    ]
    assert case.declaration == declaration


def test_a_flat_declaration_stays_valid_with_free_ixit_refs(case: Case, tmp_path: Path) -> None:
    flat = "open_ports: [{proto: tcp, port: 443, ixit_ref: IXIT 13}]\nupdate: {ixit_ref: see PDF}\n"
    declaration = declare(case, tmp_path, flat)
    assert declaration.ics == {} and declaration.ixit == []
    assert declaration.open_ports[0].ixit_ref == "IXIT 13"  # without an ixit part, any text
    assert declaration.ics_not_applicable(["5.1-1"]) == {}


@pytest.mark.parametrize(
    ("ics", "expected"),
    [
        ('"5.1-1": {status: not_applicable}', "ics.5.1-1: a provision declared not applicable needs a"),
        ('"5.1-1": {status: not_applicable, justification: "  "}', "ics.5.1-1.justification"),
        ('"5.1-1": {status: maybe}', "ics.5.1-1.status: Input should be 'supported' or 'not_applicable'"),
        ('"5.1-1": {status: supported, because: x}', "ics.5.1-1.because: unknown field"),
        ('"5.99-1": {status: supported}', "ics: '5.99-1' is not an EN 303 645 provision id"),
        ('"5.3-17": {status: supported}', "ics: '5.3-17' is not a provision of ETSI EN 303 645 v2.1.1"),
        ('passwords: {status: supported}', "ics: 'passwords' is not an EN 303 645 provision id"),
        ("5.1: {status: supported}", "ics: a provision id is text like '5.1-1', not float"),
    ],
)
def test_ics_problems_name_the_field(case: Case, tmp_path: Path, ics: str, expected: str) -> None:
    assert expected in refused(case, tmp_path, f"ics:\n  {ics}\n")


def test_ics_must_be_a_mapping(case: Case, tmp_path: Path) -> None:
    message = refused(case, tmp_path, "ics: [5.1-1]\n")
    assert "ics: the ICS maps provision ids to entries, not a list" in message


def test_a_hostile_provision_id_is_cut_short_in_the_message(case: Case, tmp_path: Path) -> None:
    message = refused(case, tmp_path, f"ics:\n  {'x' * 1000}: {{status: supported}}\n")
    assert len(message) < 300 and "..." in message


ENTRY = "{id: IXIT 7-1, section: 7, title: Updates, text: signed}"


@pytest.mark.parametrize(
    ("ixit", "expected"),
    [
        (f"[{ENTRY}, {ENTRY}]", "ixit: 'IXIT 7-1' is the id of more than one entry"),
        ("[{id: IXIT 7-1, section: 8, title: U, text: t}]", "ixit[0]: 'IXIT 7-1' is numbered in section 7"),
        ("[{id: IXIT 30-1, section: 30, title: U, text: t}]", "ixit[0].id: String should match pattern"),
        ("[{id: 7-1, section: 7, title: U, text: t}]", "ixit[0].id: String should match pattern"),
        ("[{id: IXIT 7-1, section: 7, title: U}]", "ixit[0].text: required field is missing"),
        ("[{id: IXIT 7-1, section: 7, title: U, text: t, provisions: ['9-1']}]", "provisions[0]: '9-1'"),
        ("[{id: IXIT 7-1, section: 7, title: U, text: t, fields: [firmware]}]", "fields: 'firmware' is not"),
    ],
)
def test_ixit_problems_name_the_field(case: Case, tmp_path: Path, ixit: str, expected: str) -> None:
    assert expected in refused(case, tmp_path, f"ixit: {ixit}\n")


@pytest.mark.parametrize(
    ("flat", "field"),
    [
        ("update: {signed: true, ixit_ref: IXIT 7-2}", "update.ixit_ref"),
        (
            "open_ports: [{proto: tcp, port: 1}, {proto: udp, port: 2, ixit_ref: IXIT 7}]",
            "open_ports[1].ixit_ref",
        ),
        ("ixit_ref: IXIT 2-1", "ixit_ref"),
    ],
)
def test_with_an_ixit_part_every_ixit_ref_names_an_entry(
    case: Case, tmp_path: Path, flat: str, field: str
) -> None:
    message = refused(case, tmp_path, f"{flat}\nixit: [{ENTRY}]\n")
    assert f"{field}: " in message and "is not the id of an entry of ixit" in message


def test_the_reference_data_is_the_standards_structure() -> None:
    ref = reference()
    assert len(ref.provisions) == 67 and len(set(ref.provision_ids)) == 67
    assert sorted(ref.ixit_sections) == list(range(1, 30))
    assert {p.clause for p in ref.provisions} == set(ref.clauses)
    assert set(ref.results) == {"conforms", "does_not_conform", "not_applicable", "not_assessed"}


@pytest.mark.parametrize("edition", bundled_editions())
def test_every_provision_a_bundled_catalogue_maps_is_one_an_ics_accepts(edition: str) -> None:
    mapped = {p for r in load_catalog(edition).requirements for p in r.mappings.etsi_en_303_645}
    text = "ics:\n" + "".join(f'  "{p}": {{status: supported}}\n' for p in sorted(mapped))
    assert set(parse_declaration(text.encode(), name="d.yaml").ics) == mapped
