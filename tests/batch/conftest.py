"""Fixtures of the batch tests: a real case, real fixture notebooks, real kernels, one run per session.

The fixture catalogue's requirements (FIX-01..09) have checks of their own, below: each a real
Check the batch runs in its worker pool, as it runs the registered ones.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_invoke import Invocation, checks_beside, invoke_with
from fixture_checks import FixtureCheck, fixture_check  # noqa: F401  (FixtureCheck: for the tests)

from workbench.case import Case, CaseInfo
from workbench.checks.base import EvidenceRef, Finding, Verdict

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "catalog.yaml"
NOTEBOOKS = FIXTURES / "notebooks"
HOSTILE_DEVICE = '<script>alert("device")</script> camera'


FIXTURE_CHECKS = {
    "FIX-01": fixture_check(
        "FIX-01", Verdict.FAIL, "telnet answers on 2323", "FTP accepts anonymous", findings=(
            Finding("telnet open", evidence=(EvidenceRef("demo.pcap", packet=12),)),
            Finding("anonymous FTP", evidence=(EvidenceRef("demo.pcap", packet=40),)),
        ),
    ),
    "FIX-02": fixture_check("FIX-02"),  # its notebook raises
    "FIX-03": fixture_check("FIX-03", Verdict.NEEDS_INSPECTOR, "look at the device"),
    "FIX-04": fixture_check("FIX-04", Verdict.NEEDS_INSPECTOR, "hostile names seen"),
    "FIX-05": fixture_check("FIX-05"),  # its notebook kills its kernel
    "FIX-06": fixture_check("FIX-06"),  # it has no notebook
    "FIX-07": fixture_check("FIX-07", None),  # the check raises
    "FIX-08": fixture_check("FIX-08"),
    "FIX-09": fixture_check("FIX-09"),  # its notebook sleeps
}


def fixture_checks() -> contextlib.AbstractContextManager[None]:
    """The fixture checks stand beside the registered ones while the batch runs (its forked workers
    inherit them)."""
    return checks_beside(FIXTURE_CHECKS)


def invoke(*argv: str) -> Invocation:
    """Run the workbench CLI in-process, as a user would from the shell (with the fixture checks)."""
    return invoke_with(FIXTURE_CHECKS, *argv)


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
