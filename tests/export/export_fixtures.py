"""Real bundles for the export tests, made by the real `workbench run` on a fixture catalogue whose
checks propose fixed verdicts with findings pointing into an image, a capture, the declaration and
an attachment (as tests/batch does; its fixture notebooks are reused, copied under these ids)."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
from pathlib import Path

from cli_invoke import Invocation, checks_beside, invoke_with
from fixture_checks import fixture_check

from workbench.case import Case, CaseInfo
from workbench.checks.base import EvidenceRef, Finding, Severity, Verdict

HERE = Path(__file__).parent
CATALOG = HERE / "fixtures" / "catalog.yaml"
PASSING = HERE / "fixtures" / "passing.yaml"
BATCH_NOTEBOOKS = HERE.parent / "batch" / "fixtures" / "notebooks"

HOSTILE = ('<script>alert("x")</script> "quoted" \'single\' & <b>bold</b>\n'
           "second line: ünïcödé ✓ \x1b[31mred\x07")
HOSTILE_DEVICE = '<script>alert("device")</script> camera'
FORMULA_VENDOR = '=HYPERLINK("http://evil.example","Acme")'
FW_SHA = hashlib.sha256(b"camera firmware image").hexdigest()
PCAP_SHA = hashlib.sha256(b"camera traffic").hexdigest()
KEY_PATH = "/etc/ssl/private/dévice key.pem"


CHECKS = {
    "EXP-01": fixture_check(
        "EXP-01", Verdict.FAIL, "a shared private key in the image", f"hostile reason: {HOSTILE}",
        findings=(
            Finding(f"private key: {HOSTILE}", Severity.HIGH,
                    (EvidenceRef("camera-fw.img", FW_SHA, path=KEY_PATH, offset=0x40, note="PEM block"),)),
            Finding("telnet login in clear", Severity.HIGH,
                    (EvidenceRef("traffic.pcap", PCAP_SHA, packet=7, note="telnet login"),
                     EvidenceRef("traffic.pcap", PCAP_SHA, packet=9))),
            Finding("port 23 not declared", Severity.MEDIUM,
                    (EvidenceRef("declaration", note="open_ports"),)),
            Finding("a second image header", Severity.LOW,
                    (EvidenceRef("camera-fw.img", FW_SHA, offset=4096),)),
        ),
    ),
    "EXP-02": fixture_check("EXP-02", Verdict.PASS, "the photo shows the header covered", findings=(
        Finding("debug header covered", Severity.INFO, (EvidenceRef("bench-photo.txt"),)),)),
    "EXP-03": fixture_check("EXP-03", Verdict.NEEDS_INSPECTOR, "look at the device"),
    "EXP-04": fixture_check("EXP-04", None),
    "EXP-05": fixture_check("EXP-05", Verdict.NEEDS_INSPECTOR, "no radio seen"),
    "PASS-01": fixture_check("PASS-01", Verdict.PASS),
    "PASS-02": fixture_check("PASS-02", Verdict.PASS),
}
NOTEBOOK_OF = {"EXP-04": "FIX-07"}  # the others show the outcome (FIX-08's notebook)


def fixed_checks() -> contextlib.AbstractContextManager[None]:
    """The fixture checks stand beside the registered ones while the batch runs (its forked workers
    inherit them)."""
    return checks_beside(CHECKS)


def invoke(*argv: str) -> Invocation:
    """The workbench CLI in-process, as a user runs it (with the fixture checks)."""
    return invoke_with(CHECKS, *argv)


def notebooks(root: Path, ids: list[str]) -> Path:
    folder = root / "notebooks"
    folder.mkdir()
    shutil.copyfile(BATCH_NOTEBOOKS / "00-case-overview.ipynb", folder / "00-case-overview.ipynb")
    for rid in ids:
        shutil.copyfile(BATCH_NOTEBOOKS / f"{NOTEBOOK_OF.get(rid, 'FIX-08')}.ipynb", folder / f"{rid}.ipynb")
    return folder


def make_case(root: Path, edition: str, vendor: str, level: int) -> Case:
    info = CaseInfo(device=HOSTILE_DEVICE, vendor=vendor, model="C100", firmware_version="2.1", level=level,
                    catalog_edition=edition, serial_number="C100-00012345", inspectors=["Ines Inspector"])
    case = Case.create(root / "case", info)
    photo = root / "bench-photo.txt"
    photo.write_text("photo of the debug header: covered\n")
    case.add_artefact(photo, "attachment")
    declaration = root / "declaration.yaml"
    declaration.write_text("open_ports:\n  - {proto: tcp, port: 443, service: https}\n")
    case.declare(declaration)
    return case


def run_bundle(root: Path, case: Case, catalog: Path, ids: list[str], *extra: str) -> Path:
    """`workbench run` of the case; the bundle folder."""
    invocation = invoke("run", str(case.path), "--out", str(root / "evidence"), "--catalog", str(catalog),
                        "--notebooks", str(notebooks(root, ids)), "--jobs", "2", "--no-progress", *extra)
    assert invocation.code == 0, invocation.err
    return Path(invocation.out.strip().splitlines()[-1]).parent
