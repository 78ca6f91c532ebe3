"""Real inputs of the renewal tests: firmware images made by mksquashfs, captures of the shared corpus,
cases holding them and inspector verdicts recorded as the CLI records them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from corpus_captures import CORPUS
from rootfs_builder import mksquashfs, write

from workbench.case import Case, CaseInfo
from workbench.catalog import load_catalog, requirement_sha256

REPO_SAMPLES = Path(__file__).resolve().parents[2] / "sample_captures"  # the demo's images
HTTP_AUTH = CORPUS / "zeek__http_basic-auth-with-colon.pcap"  # credentials in clear: COM-01 fails
DNS = CORPUS / "zeek__dns53.pcap"
SHADOW = "root:$1$saltsalt$2vnaRpHa6Jxjz5n83ok8Z0:19000:0:99999:7:::\n"  # md5_crypt: AUTH-02 fails
INITTAB = "::sysinit:/etc/init.d/rcS\nttyS0::respawn:/sbin/getty -L ttyS0 115200 vt100\n"
ROOTFS = {
    "/etc/passwd": ("root:x:0:0:root:/root:/bin/sh\n", 0o644),
    "/etc/shadow": (SHADOW, 0o600),
    "/etc/inittab": (INITTAB, 0o644),
    "/etc/init.d/rcS": ("#!/bin/sh\nmount -a\n", 0o755),
    "/etc/motd": ("Acme C100 2.1\n", 0o644),
}
VERDICTS = {  # requirement -> (verdict, rationale, evidence references)
    "COM-01": ("FAIL", "HTTP basic credentials in clear", ()),  # judged on the capture
    "AUTH-02": ("FAIL", "root's password is md5_crypt", ({"artefact": "fw.img", "path": "/etc/shadow"},)),
    "ATK-08": ("PASS", "the console asks for a login", ({"artefact": "fw.img", "path": "/etc/inittab"},)),
    "UPD-03": ("PASS", "the update policy is published", ()),  # judged on the declaration
}
DECLARATION = "support_period: {end: 2030-12-31}\ndisclosure: {contact: security@acme.example}\n"


def image(base: Path, name: str, changes: dict[str, str] | None = None) -> Path:
    """A squashfs root filesystem: ROOTFS with `changes` (path -> new text)."""
    root = base / f"{name}-root"
    for path, (text, mode) in ROOTFS.items():
        write(root, path, (changes or {}).get(path, text), mode)
    return mksquashfs(root, base / f"{name}.img")


def new_case(path: Path, *, capture: Path | None = HTTP_AUTH, firmware: Path | None = None,
             declaration: Path | None = None, **info: Any) -> Case:  # fmt: skip
    fields = {"device": "IP camera", "vendor": "Acme", "model": "C100", "firmware_version": "2.1",
              "level": 3, "inspectors": ["alice"], **info}  # fmt: skip
    case = Case.create(path, CaseInfo.model_validate(fields))
    if capture is not None:
        case.add_artefact(capture, "capture", "traffic.pcap")
    if firmware is not None:
        case.add_artefact(firmware, "firmware", "fw.img")
    if declaration is not None:
        case.declare(declaration)
    return case


def record(case: Case, rid: str, verdict: str, rationale: str = "examined", refs: tuple = ()) -> Any:
    """An inspector's verdict as `workbench case verdict` records it (what it judged, edition, hash)."""
    catalog = load_catalog(case.info.catalog_edition)
    requirement = catalog.get(rid)
    return case.verdicts.record(
        rid, verdict, rationale, "alice", evidence_refs=list(refs),
        artefact_hashes=case.judged_hashes(requirement.evidence, rid),
        catalog_edition=catalog.edition, requirement_sha256=requirement_sha256(requirement),
    )  # fmt: skip


def copy_case(case: Case, path: Path) -> Case:
    """A copy of a case (its cached analyses too), for a test that changes it."""
    shutil.copytree(case.path, path, symlinks=True)
    return Case.open(path)
