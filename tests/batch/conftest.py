"""Fixtures of the batch tests: a real case, real fixture notebooks, real kernels, one run per session."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo
from workbench.cli import main as workbench_main

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "catalog.yaml"
NOTEBOOKS = FIXTURES / "notebooks"
HOSTILE_DEVICE = '<script>alert("device")</script> camera'


@dataclass
class Invocation:
    code: int
    out: str
    err: str


def invoke(*argv: str) -> Invocation:
    """Run the workbench CLI in-process, as a user would from the shell."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = workbench_main(list(argv))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return Invocation(code, out.getvalue(), err.getvalue())


def make_fixture_case(root: Path) -> Case:
    """A case whose device name is hostile markup, with an attachment, a declaration, a verdict."""
    info = CaseInfo(
        device=HOSTILE_DEVICE,
        vendor="Acme",
        model="C100",
        firmware_version="2.1",
        level=2,
        catalog_edition="test.1",
        serial_number="C100-00012345",
        inspectors=["Ines Inspector"],
    )
    case = Case.create(root / "case", info)
    note = root / "bench-photo.txt"
    note.write_text("photo of the debug header: covered\n")
    case.add_artefact(note, "attachment")
    declaration = root / "declaration.yaml"
    declaration.write_text("open_ports:\n  - {proto: tcp, port: 443, service: https}\n")
    case.declare(declaration)
    case.verdicts.record(
        "FIX-04",
        "PASS",
        "markup is shown as text; nothing executes",
        "Ines Inspector",
        artefact_hashes=case.current_hashes(),  # judged everything the case holds
    )
    return case


@dataclass
class RunOutput:
    case: Case
    out_dir: Path
    invocation: Invocation

    @property
    def index(self) -> Path:
        return Path(self.invocation.out.strip().splitlines()[-1])

    @property
    def bundle(self) -> Path:
        return self.index.parent

    @property
    def zip(self) -> Path:
        return self.bundle.with_suffix(".zip")


def run_fixture(root: Path, *extra: str, case: Case | None = None) -> RunOutput:
    case = case or make_fixture_case(root)
    out_dir = root / "evidence"
    invocation = invoke(
        "run", str(case.path), "--out", str(out_dir), "--catalog", str(CATALOG),
        "--notebooks", str(NOTEBOOKS), "--jobs", "2", "--no-progress", *extra,
    )
    return RunOutput(case, out_dir, invocation)


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory) -> RunOutput:
    """The fixture catalogue at level 2 (FIX-01..08), code hidden: run once per session."""
    run = run_fixture(tmp_path_factory.mktemp("batch"), "--timeout", "120")
    assert run.invocation.code == 0, run.invocation.err
    return run


@pytest.fixture(scope="session")
def audit_batch(tmp_path_factory: pytest.TempPathFactory) -> RunOutput:
    """Two notebooks with --with-code."""
    run = run_fixture(tmp_path_factory.mktemp("audit"), "--with-code", "--only", "FIX-01,FIX-04")
    assert run.invocation.code == 0, run.invocation.err
    return run
