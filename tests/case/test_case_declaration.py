"""The manufacturer's declaration: strict schema, one-line errors, never silently lost."""

from __future__ import annotations

import hashlib
import stat
from datetime import date
from pathlib import Path

import pytest
import yaml

from workbench.case import Case, Declaration
from workbench.errors import CaseError

FULL = """\
manufacturer: Acme
model: C100
firmware_version: 2.1
declared_by: Jane Roe, Acme product security
declared_on: 2026-03-01
open_ports:
  - {proto: TCP, port: 443, service: https, purpose: local web UI, ixit_ref: "IXIT 13"}
  - {proto: udp, port: 1900, service: ssdp, purpose: discovery}
services: [httpd, ssdp]
cloud_endpoints: [api.acme.example, "*.cdn.acme.example", 203.0.113.7, 198.51.100.0/24, Upd.Acme.Example.]
update: {mechanism: OTA from vendor cloud, automatic: true, signed: true, transport: https,
         url: "https://upd.acme.example/c100"}
support_period: {end: 2030-12-31, published_at: "https://acme.example/support"}
disclosure: {contact: security@acme.example, policy_url: "https://acme.example/.well-known/security.txt"}
tls: {min_version: TLSv1.2}
default_passwords: unique-per-device
debug_interfaces: []
discovery_protocols: [ssdp, mdns]
personal_data: [video, account e-mail]
sensors: [camera, microphone]
erase: {method: hold reset 10 s}
wireless: [WPA2-PSK, WPA3-SAE]
logging: {enabled: true, time_source: ntp}
notes: IXIT sections 1-29 answered in the attached PDF
"""


def write(tmp_path: Path, text: str, name: str = "declaration.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_full_declaration_is_read_and_normalised(case: Case, tmp_path: Path) -> None:
    source = write(tmp_path, FULL)
    declaration, changed = case.declare(source, added_by="alice")
    assert changed
    assert isinstance(declaration, Declaration)
    assert declaration.open_ports[0].proto == "tcp" and declaration.open_ports[0].ixit_ref == "IXIT 13"
    assert declaration.declared_port("UDP", 1900).service == "ssdp"
    assert declaration.declared_port("tcp", 23) is None
    assert declaration.cloud_endpoints == [
        "api.acme.example",
        "*.cdn.acme.example",
        "203.0.113.7",
        "198.51.100.0/24",
        "upd.acme.example",
    ]
    assert declaration.tls.min_version == "1.2"
    assert declaration.support_period.end == date(2030, 12, 31)
    assert declaration.firmware_version == "2.1"
    # stored verbatim, read-only, hash recorded
    stored = case.path / "declaration.yaml"
    assert stored.read_bytes() == source.read_bytes()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert case.declaration_sha256() == digest
    assert case.current_hashes() == {"declaration": digest}
    registry = yaml.safe_load((case.path / "artefacts.yaml").read_text())
    assert registry["declarations"][0]["sha256"] == digest
    assert registry["declarations"][0]["added_by"] == "alice"
    assert Case.open(case.path).declaration == declaration
    assert case.verify_artefacts().ok


def test_an_empty_declaration_declares_nothing(case: Case, tmp_path: Path) -> None:
    declaration, _ = case.declare(write(tmp_path, ""))
    assert declaration == Declaration()


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("open_ports:\n  - {proto: tcp, prot: 80}\n", "open_ports[0].port", "required field is missing"),
        ("open_ports:\n  - {proto: tcp, port: 80, purpse: web}\n", "open_ports[0].purpse", "unknown field"),
        ("open_ports:\n  - {proto: tcp, port: 70000}\n", "open_ports[0].port", "less than or equal to 65535"),
        ("open_ports:\n  - {proto: icmp, port: 1}\n", "open_ports[0].proto", "'tcp', 'udp' or 'sctp'"),
        ("cloud_endpoint: [a.example]\n", "cloud_endpoint", "unknown field (misspelt?)"),
        ("cloud_endpoints: [ok.example, 'bad host!']\n", "cloud_endpoints[1]", "not a host name"),
        ("tls: {min_version: SSLv3}\n", "tls.min_version", "unknown TLS version"),
        ("default_passwords: admin\n", "default_passwords", "'unique-per-device', 'user-set' or 'none'"),
        ("support_period: {end: someday}\n", "support_period.end", "valid date"),
        ("update: {signed: perhaps}\n", "update.signed", "valid boolean"),
    ],
)
def test_invalid_declaration_names_file_and_field(
    case: Case, tmp_path: Path, text: str, field: str, message: str
) -> None:
    source = write(tmp_path, text, "ixit.yaml")
    with pytest.raises(CaseError) as err:
        case.declare(source)
    line = str(err.value)
    assert line.startswith(f"{source}: {field}: ")
    assert message in line and "\n" not in line
    assert not (case.path / "declaration.yaml").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("open_ports: [\n", "invalid YAML: line 2"),
        ("- a\n- b\n", "a declaration is a mapping of fields, not a list"),
        ("base: &a [1, 2]\nservices: *a\n", "aliases are not allowed"),
    ],
)
def test_unreadable_declarations(case: Case, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CaseError, match=message):
        case.declare(write(tmp_path, text))


def test_binary_and_missing_declarations(case: Case, tmp_path: Path, jpeg_file: Path) -> None:
    with pytest.raises(CaseError, match="not UTF-8 text"):
        case.declare(jpeg_file)
    with pytest.raises(CaseError, match="no such file"):
        case.declare(tmp_path / "missing.yaml")


def test_redeclaring_archives_the_previous_declaration(case: Case, tmp_path: Path) -> None:
    first = write(tmp_path, "services: [httpd]\n", "v1.yaml")
    second = write(tmp_path, "services: [httpd, sshd]\n", "v2.yaml")
    case.declare(first)
    old_digest = case.declaration_sha256()
    assert case.declare(first) == (Declaration(services=["httpd"]), False)  # same content: no change
    invalid = write(tmp_path, "servics: [x]\n", "bad.yaml")
    with pytest.raises(CaseError):
        case.declare(invalid)
    assert case.declaration == Declaration(services=["httpd"])  # an invalid one changes nothing
    case.declare(second)
    assert case.declaration.services == ["httpd", "sshd"]
    archived = case.path / "declarations" / f"{old_digest}.yaml"
    assert archived.read_bytes() == first.read_bytes()
    registry = yaml.safe_load((case.path / "artefacts.yaml").read_text())["declarations"]
    assert [e["original_name"] for e in registry] == ["v1.yaml", "v2.yaml"]
    assert registry[1]["replaces"] == old_digest


def test_a_hand_edited_declaration_is_detected(case: Case, tmp_path: Path) -> None:
    case.declare(write(tmp_path, "services: [httpd]\n"))
    stored = case.path / "declaration.yaml"
    stored.chmod(0o644)
    stored.write_text("services: [httpd, telnetd]\n")
    report = case.verify_artefacts()
    assert [(i.name, i.status) for i in report.items] == [("declaration", "changed")]
    assert case.declaration.services == ["httpd", "telnetd"]  # what the checks now read
    stored.write_text("servces: []\n")
    with pytest.raises(CaseError, match=r"declaration.yaml: servces: unknown field"):
        _ = case.declaration
