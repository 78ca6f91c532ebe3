"""The inspector's command line: a verdict citing an attachment the case lacks is refused, naming those
it has; `capture analyse` on a folder says so; `case declare` lists every problem of a declaration."""

from __future__ import annotations

from pathlib import Path

from cli_invoke import Invocation, invoke_with
from ui_helpers import LAB_CATALOG

from workbench.case import Case


def invoke(*argv: str | Path) -> Invocation:
    return invoke_with({}, *(str(a) for a in argv))


def one_line_error(run: Invocation) -> str:
    assert run.code == 2, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    return lines[0].removeprefix("workbench: error: ")


def verdict(case: Case, *evidence: str) -> Invocation:
    argv: list[str | Path] = ["case", "verdict", case.path, "VULN-01", "--verdict", "FAIL",
                              "--rationale", "no disclosure policy", "--inspector", "Alice Example",
                              "--catalog", LAB_CATALOG]
    for ref in evidence:
        argv += ["--evidence", ref]
    return invoke(*argv)


def test_a_verdict_citing_an_attachment_the_case_lacks_is_refused(case, note_file, tmp_path) -> None:
    empty = one_line_error(verdict(case, "attachment: policy.pdf"))
    assert empty == (
        "--evidence 'attachment: policy.pdf': the case holds no attachment of that name; its attachments: "
        "none (add one: workbench case add CASE FILE --kind attachment)"
    )
    photo = tmp_path / "bench photo.txt"
    photo.write_text("the debug header, covered\n")
    held = [case.add_artefact(note_file, "attachment", requirement="VULN-01")]
    held.append(case.add_artefact(photo, "attachment"))
    assert held[1].name == "bench_photo.txt"  # the case's own name for it
    missing = one_line_error(verdict(case, "cam.pcap · packet 3", "attachment: policy.pdf"))
    assert missing == (
        "--evidence 'attachment: policy.pdf': the case holds no attachment of that name; its attachments: "
        "bench_photo.txt, disclosure-policy.txt"
    )
    other = one_line_error(verdict(case, f"attachment: disclosure-policy.txt (sha256 {'0' * 64})"))
    assert "the case holds it with other contents; its attachments: bench_photo.txt" in other
    assert case.verdicts.history("VULN-01") == []  # nothing recorded by a refused command

    widget_form = f"attachment: disclosure-policy.txt (sha256 {held[0].sha256})"
    accepted = verdict(case, "attachment: bench_photo.txt", widget_form, "cam.pcap · packet 3", "a note")
    assert accepted.code == 0, accepted.err
    (record,) = case.verdicts.history("VULN-01")
    assert list(record.evidence_refs) == [
        "attachment: bench_photo.txt", widget_form, "cam.pcap · packet 3", "a note"
    ]


def test_capture_analyse_on_a_folder_says_it_is_a_folder(tmp_path) -> None:
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "one.pcap").write_bytes(b"")
    assert one_line_error(invoke("capture", "analyse", folder)) == (
        f"{folder}: is a folder: give a capture file (pcap/pcapng)"
    )
    assert one_line_error(invoke("capture", "analyse", tmp_path / "gone.pcap")).endswith("not found")


def test_case_declare_lists_every_problem(case, tmp_path) -> None:
    declaration = tmp_path / "declaration.yaml"
    declaration.write_text(
        "open_ports:\n"
        "  - {proto: icmp, port: 70000, servce: telnet}\n"
        "  - {proto: tcp}\n"
        "cloud_endpoint: [a.example]\n"
        "tls: {min_version: SSLv3}\n"
        "update: {signed: perhaps}\n"
    )
    line = one_line_error(invoke("case", "declare", case.path, declaration))
    assert line.startswith(f"{declaration}: open_ports[0].proto: ") and line.endswith(" (7 problems)")
    for expected in (
        "open_ports[0].proto: ", "open_ports[0].port: ", "open_ports[0].servce: unknown field (misspelt?)",
        "open_ports[1].port: required field is missing", "cloud_endpoint: unknown field (misspelt?)",
        "tls.min_version: ", "update.signed: ",
    ):
        assert expected in line, expected
    assert "more" not in line
    assert case.declaration is None
