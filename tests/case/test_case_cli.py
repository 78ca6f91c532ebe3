"""`workbench case ...` end to end: the real console script in a subprocess for the main paths, and
the same dispatcher in-process (`workbench.cli.main`) for the rest, as every `workbench` start pays
for importing all command modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tests_case_paths import PCAP, PCAP_GZ

from workbench.cli import main

WORKBENCH = Path(sys.executable).with_name("workbench")


def run(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real console script."""
    return subprocess.run(
        [str(WORKBENCH), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def call(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, work: Path):
    """The same dispatcher, in this process: returns what `run` returns."""
    monkeypatch.chdir(work)

    def invoke(*args: object, cwd: Path = work) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out, err)

    return invoke


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), result.stderr
    return lines[0].removeprefix("workbench: error: ")


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".case.lock"
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not WORKBENCH.exists():
        pytest.fail(f"console script missing: {WORKBENCH} (install the project: make setup)")
    return tmp_path_factory.mktemp("cli")


@pytest.fixture(scope="module")
def cam(work: Path) -> Path:
    result = run(
        "case", "new", "cases/cam1", "--device", "IP camera", "--vendor", "Acme", "--model", "C100",
        "--firmware-version", "2.1", "--level", "2", "--inspector", "alice",
        "--device-ip", "192.168.1.20", "--device-mac", "00-11-22-AA-BB-CC", "--serial", "SN1234",
        cwd=work,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "created case" in result.stdout
    return work / "cases" / "cam1"


def test_new_writes_case_yaml(cam: Path, work: Path, call) -> None:
    text = (cam / "case.yaml").read_text()
    assert "00:11:22:aa:bb:cc" in text and "192.168.1.20" in text and "SN1234" in text
    again = call("case", "new", "cases/cam1", "--device", "x", "--vendor", "v", "--model", "m",
                "--firmware-version", "1", "--level", "1", cwd=work)  # fmt: skip
    assert (
        one_line_error(again) == "cases/cam1: refusing to create a case: already a folder that is not empty"
    )


def test_new_with_a_bad_address_says_which(work: Path, call) -> None:
    result = call("case", "new", "cases/bad", "--device", "x", "--vendor", "v", "--model", "m",
                 "--firmware-version", "1", "--level", "1", "--device-mac", "00:11:22", cwd=work)  # fmt: skip
    assert "cases/bad: device_macs[0]: not a MAC address: '00:11:22'" in one_line_error(result)
    assert not (work / "cases" / "bad").exists()


def test_add_capture_then_the_same_again(cam: Path, work: Path, call) -> None:
    result = run("case", "add", cam, PCAP, "--kind", "capture", "--by", "alice", cwd=work)
    assert result.returncode == 0, result.stderr
    assert f"added {PCAP.name} (capture" in result.stdout
    again = call("case", "add", cam, PCAP, "--kind", "capture", cwd=work)
    assert again.returncode == 0 and "nothing added" in again.stdout


def test_bad_input_gives_one_line_and_leaves_the_case_alone(
    cam: Path, work: Path, jpeg_file: Path, call
) -> None:
    call("case", "add", cam, PCAP_GZ, "--kind", "capture", cwd=work)
    before = files_of(cam)
    jpeg = one_line_error(run("case", "add", cam, jpeg_file, "--kind", "capture", cwd=work))
    assert jpeg == f"{jpeg_file}: this looks like a JPEG image, not a packet capture (pcap or pcapng)"
    missing = one_line_error(call("case", "add", cam, "nowhere.pcap", "--kind", "capture", cwd=work))
    assert missing == "nowhere.pcap: no such file"
    unknown = one_line_error(
        call("case", "add", cam, jpeg_file, "--kind", "attachment", "--requirement", "NOPE-99", cwd=work)
    )
    assert "unknown requirement id 'NOPE-99'" in unknown
    declaration = work / "ixit.yaml"
    declaration.write_text("open_ports:\n  - {proto: tcp, port: 23, servce: telnet}\n")
    invalid = one_line_error(run("case", "declare", cam, declaration, cwd=work))
    assert invalid == f"{declaration}: open_ports[0].servce: unknown field (misspelt?)"
    verdict = one_line_error(
        call("case", "verdict", cam, "NOPE-99", "--verdict", "PASS", "--inspector", "a", cwd=work)
    )
    assert "unknown requirement id 'NOPE-99'" in verdict
    no_why = one_line_error(
        call("case", "verdict", cam, "COM-01", "--verdict", "FAIL", "--inspector", "a", cwd=work)
    )
    assert "FAIL verdict needs a rationale" in no_why
    not_a_case = one_line_error(call("case", "status", work, cwd=work))
    assert "not a device case" in not_a_case
    assert files_of(cam) == before


def test_declare_record_and_status(cam: Path, work: Path, jpeg_file: Path, call) -> None:
    for capture in (PCAP, PCAP_GZ):  # already there when the tests above ran in this worker
        assert call("case", "add", cam, capture, "--kind", "capture", cwd=work).returncode == 0
    declaration = work / "declaration.yaml"
    declaration.write_text(
        "open_ports:\n  - {proto: tcp, port: 443, service: https}\ncloud_endpoints: [a.example]\n"
    )
    result = call("case", "declare", cam, declaration, cwd=work)
    assert result.returncode == 0 and "declaration set" in result.stdout, result.stderr
    photo = call("case", "add", cam, jpeg_file, "--kind", "attachment", "--requirement", "AUTH-04",
                "--note", "password change screen", cwd=work)  # fmt: skip
    assert photo.returncode == 0, photo.stderr
    recorded = run("case", "verdict", cam, "COM-01", "--verdict", "fail", "--rationale", "Basic auth",
                   "--inspector", "alice", "--evidence", f"{PCAP.name} packet 4", cwd=work)  # fmt: skip
    assert recorded.returncode == 0 and "recorded FAIL for COM-01 by alice" in recorded.stdout, (
        recorded.stderr
    )
    manual = call("case", "verdict", cam, "AUTH-04", "--verdict", "PASS", "--inspector", "bob", cwd=work)
    assert manual.returncode == 0, manual.stderr

    status = json.loads(run("case", "status", cam, "--format", "json", cwd=work).stdout)
    rows = {r["id"]: r for r in status["requirements"]}
    assert status["level"] == 2 and all(r["level"] <= 2 for r in rows.values())
    assert "ATK-05" not in rows  # a level-3 requirement
    assert (rows["COM-01"]["state"], rows["COM-01"]["verdict"], rows["COM-01"]["stale"]) == (
        "inspector",
        "FAIL",
        False,
    )
    assert rows["COM-02"]["state"] == "automatic" and rows["DEL-01"]["state"] == "pending"
    assert status["counts"]["inspector"] == 2
    assert {a["name"]: a["integrity"] for a in status["artefacts"]} == {
        PCAP.name: "ok",
        PCAP_GZ.name: "ok",
        jpeg_file.name: "ok",
    }
    assert status["declaration"]["present"] and status["integrity_ok"]
    level3 = json.loads(call("case", "status", cam, "--level", "3", "--format", "json", cwd=work).stdout)
    assert "ATK-05" in {r["id"] for r in level3["requirements"]}

    # a changed capture: COM-01's verdict (judged on captures) goes stale, AUTH-04's does not
    capture = cam / "artefacts" / PCAP.name
    capture.chmod(0o644)
    capture.write_bytes(capture.read_bytes() + b"\0")
    table = call("case", "status", cam, cwd=work)
    assert table.returncode == 0, table.stderr
    assert "2 with an inspector verdict (1 stale)" in table.stdout
    assert f"STALE: {PCAP.name} changed" in table.stdout
    assert f"{PCAP.name}: changed since it entered the case" in table.stdout
    status = json.loads(call("case", "status", cam, "--format", "json", cwd=work).stdout)
    rows = {r["id"]: r for r in status["requirements"]}
    assert rows["COM-01"]["stale"] and not rows["AUTH-04"]["stale"]
    assert not status["integrity_ok"]
