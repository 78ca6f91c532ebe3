"""Device cases for the network checks: declarations, case building, running a check through
the real capture engine (EvidenceContext and the case's analysis cache), and oracles."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus_captures import CORPUS
from netpcaps import (
    DEVICE_IP,
)

from workbench.case import Case, CaseInfo
from workbench.catalog.loader import EDITIONS_DIR, newest_edition
from workbench.checks import CheckResult, get_check
from workbench.checks.context import EvidenceContext

REPO = Path(__file__).resolve().parents[3]
SERIAL = "C100-00012345"

DEFECTIVE_DECLARATION: dict[str, Any] = {
    "manufacturer": "Acme",
    "model": "C100",
    "firmware_version": "2.1",
    "open_ports": [
        {"proto": "tcp", "port": 80, "service": "http", "purpose": "local web interface"},
        {"proto": "tcp", "port": 554, "service": "rtsp", "purpose": "video stream"},
    ],
    "cloud_endpoints": ["*.acme-cloud.example"],
    "update": {
        "mechanism": "OTA from vendor cloud",
        "automatic": True,
        "signed": True,
        "transport": "https",
        "url": "https://update.acme-cloud.example/c100/",
    },
    "tls": {"min_version": "1.2"},
    "discovery_protocols": ["ssdp"],
    "personal_data": ["video", "account e-mail"],
}
CLEAN_DECLARATION: dict[str, Any] = {
    **DEFECTIVE_DECLARATION,
    "open_ports": [
        {"proto": "tcp", "port": 443, "service": "https", "purpose": "local web interface"},
        {"proto": "tcp", "port": 554, "service": "rtsp", "purpose": "video stream"},
    ],
}


def corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        pytest.skip(f"corpus capture {name} not present")
    return path


def new_case(
    root: Path,
    captures: Iterable[Path] = (),
    declaration: dict[str, Any] | None = None,
    *,
    device_ips: Iterable[str] = (DEVICE_IP,),
    device_macs: Iterable[str] = (),
    firmware: Iterable[Path] = (),
    serial: str | None = SERIAL,
    firmware_version: str = "2.1",
) -> Case:
    case = Case.create(
        root,
        CaseInfo(
            device="IP camera",
            vendor="Acme",
            model="C100",
            firmware_version=firmware_version,
            level=3,
            inspectors=["test"],
            device_ips=list(device_ips),
            device_macs=list(device_macs),
            serial_number=serial,
        ),
    )
    for capture in captures:
        case.add_artefact(capture, "capture")
    for image in firmware:
        case.add_artefact(image, "firmware")
    if declaration is not None:
        source = root.parent / f"{root.name}-declaration.yaml"
        source.write_text(yaml.safe_dump(declaration, sort_keys=False))
        case.declare(source)
    return case


def run_check(case: Case, requirement_id: str) -> CheckResult:
    ctx = EvidenceContext.for_case(case.path, requirement_id)
    return get_check(requirement_id).run(ctx)


def run_with_lab_catalogue(
    case: Case, requirement_id: str, folder: Path, edit: Callable[[dict[str, Any]], None]
) -> CheckResult:
    """Run a check with a lab's own catalogue: the bundled edition with one requirement's
    parameters edited by `edit`."""
    data = yaml.safe_load((EDITIONS_DIR / f"{newest_edition()}.yaml").read_text())
    (requirement,) = [r for r in data["requirements"] if r["id"] == requirement_id]
    edit(requirement["parameters"])
    data["edition"] = "lab-1"
    folder.mkdir(parents=True)
    path = folder / "lab-catalogue.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    ctx = EvidenceContext.for_case(case.path, requirement_id, catalog=path)
    return get_check(requirement_id).run(ctx)


def packets_of(result: CheckResult) -> set[int]:
    return {e.packet for f in result.findings for e in f.evidence if e.packet is not None}


def tshark_frames(capture: Path, display_filter: str) -> list[int]:
    """Frame numbers tshark selects: an independent oracle for packet references."""
    if not shutil.which("tshark"):
        pytest.skip("tshark not installed")
    out = subprocess.run(
        ["tshark", "-n", "-r", str(capture), "-Y", display_filter, "-T", "fields", "-e", "frame.number"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [int(line) for line in out.split()]


# --- the demo samples (sample_captures/cases/*/device.yaml, built as `workbench demo` builds them) ---


def demo_case(root: Path, which: str) -> Case:
    from workbench.demo import build_case, load_demo_case
    from workbench.errors import WorkbenchError

    try:
        demo = load_demo_case(which)
    except WorkbenchError as exc:
        pytest.skip(f"demo sample {which} not generated: {exc}")
    return build_case(demo, root)
