"""A lab's own catalogue changes what a check looks for: the lists the checks read are parameters.

Each test writes a real lab catalogue folder from the bundled edition, edits one requirement's
parameters as a lab would, and runs the check on a real case (a corpus capture, or a squashfs
image built here with mksquashfs).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus_captures import CORPUS

from workbench.case import Case, CaseInfo
from workbench.catalog.loader import EDITIONS_DIR, newest_edition
from workbench.checks import Verdict, get_check
from workbench.checks.base import CheckResult
from workbench.checks.context import EvidenceContext

EDITION = newest_edition()
ANONYMOUS_FTP = CORPUS / "zeek__ftp_ipv4.pcap"  # a server accepts USER anonymous
FTP_SERVER = "199.233.217.249"


def lab_catalogue(folder: Path, requirement_id: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The bundled edition as a lab's folder, one requirement's parameters edited."""
    data = yaml.safe_load((EDITIONS_DIR / f"{EDITION}.yaml").read_text(encoding="utf-8"))
    (requirement,) = [r for r in data["requirements"] if r["id"] == requirement_id]
    edit(requirement["parameters"])
    data["edition"] = "lab-1"
    folder.mkdir(parents=True)
    (folder / "catalogue.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def run(case: Case, requirement_id: str, catalog: str | Path | None = None) -> CheckResult:
    ctx = EvidenceContext.for_case(case.path, requirement_id, catalog)
    return get_check(requirement_id).run(ctx)


def new_case(root: Path, *, capture: Path | None = None, firmware: Path | None = None, ips=()) -> Case:
    info = CaseInfo(device="IP camera", vendor="Acme", model="C100", firmware_version="2.1", level=3,
                    device_ips=list(ips))  # fmt: skip
    case = Case.create(root, info)
    if capture is not None:
        case.add_artefact(capture, "capture")
    if firmware is not None:
        case.add_artefact(firmware, "firmware")
    return case


def test_auth06_anonymous_user_names_come_from_the_catalogue(tmp_path: Path) -> None:
    if not ANONYMOUS_FTP.is_file():
        pytest.skip(f"corpus capture {ANONYMOUS_FTP.name} not present")
    case = new_case(tmp_path / "ftp", capture=ANONYMOUS_FTP, ips=[FTP_SERVER])
    bundled = run(case, "AUTH-06")
    assert bundled.verdict is Verdict.FAIL
    assert bundled.indicators["anonymous_users"] == ["anonymous", "ftp"]

    only_guest = lab_catalogue(tmp_path / "guest", "AUTH-06", lambda p: p.update(anonymous_users=["guest"]))
    result = run(case, "AUTH-06", only_guest)
    assert result.verdict is Verdict.NEEDS_INSPECTOR
    assert not any(f.data.get("accepted") for f in result.findings)
    assert result.indicators["anonymous_users"] == ["guest"]

    omitted = lab_catalogue(tmp_path / "omitted", "AUTH-06", lambda p: p.pop("anonymous_users"))
    fallback = run(case, "AUTH-06", omitted)
    assert fallback.verdict is Verdict.FAIL
    assert any("no parameter 'anonymous_users'" in r for r in fallback.reasons)


@pytest.fixture(scope="module")
def logging_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A squashfs root filesystem whose boot script starts syslogd and ntpd."""
    if not shutil.which("mksquashfs"):
        pytest.skip("mksquashfs not installed")
    base = tmp_path_factory.mktemp("fw")
    root = base / "root"
    (root / "etc" / "init.d").mkdir(parents=True)
    (root / "etc" / "inittab").write_text("::sysinit:/etc/init.d/rcS\n")
    rcs = root / "etc" / "init.d" / "rcS"
    rcs.write_text("#!/bin/sh\nmount -a\nsyslogd -O /var/log/messages\nntpd -p pool.ntp.org\n")
    rcs.chmod(0o755)
    (root / "etc" / "chrony.conf").write_text("pool pool.ntp.org iburst\n")
    image = base / "rootfs.squashfs"
    subprocess.run(
        ["mksquashfs", str(root), str(image), "-noappend", "-all-root", "-no-progress", "-quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return image


def test_log01_logging_and_time_programs_come_from_the_catalogue(tmp_path: Path, logging_image: Path) -> None:
    case = new_case(tmp_path / "cam", firmware=logging_image)
    observed = run(case, "LOG-01").indicators["observed"]
    assert [s.split(" ")[0] for s in observed["loggers_at_boot"]] == ["syslogd"]
    assert [s.split(" ")[0] for s in observed["time_sync_at_boot"]] == ["ntpd"]
    assert observed["configs"] == ["/etc/chrony.conf"]

    def lab_lists(parameters: dict[str, Any]) -> None:
        parameters.update(logging_daemons=["rsyslogd"], time_services=["chronyd"])
        parameters.update(time_configs=["/etc/ntp.conf"])

    lab = lab_catalogue(tmp_path / "lab", "LOG-01", lab_lists)
    result = run(case, "LOG-01", lab)
    observed = result.indicators["observed"]
    assert observed["loggers_at_boot"] == [] and observed["time_sync_at_boot"] == []
    assert observed["configs"] == []
    assert "no logging daemon is started at boot" in result.reasons
    assert "no time synchronisation service is started at boot" in result.reasons

    omitted = lab_catalogue(tmp_path / "omitted", "LOG-01", lambda p: p.pop("logging_daemons"))
    fallback = run(case, "LOG-01", omitted)
    assert fallback.indicators["observed"]["loggers_at_boot"]
    assert any("no parameter 'logging_daemons'" in r for r in fallback.reasons)


def _htdigest_image(base: Path, shadow_hash: str) -> Path:
    """A squashfs root filesystem with a lighttpd htdigest password file and one shadow entry."""
    from rootfs_builder import mksquashfs, require, write

    require("mksquashfs")
    root = base / "root"
    write(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
    write(root, "etc/shadow", f"root:{shadow_hash}:19000:0:99999:7:::\n", mode=0o600)
    digest = hashlib.md5(b"admin:camera:Sup3rS3cret").hexdigest()
    write(root, "etc/lighttpd/lighttpd-htdigest.user", f"admin:camera:{digest}\n")
    return mksquashfs(root, base / "rootfs.squashfs")


def test_auth02_judges_hash_schemes_by_the_catalogue_only(tmp_path: Path) -> None:
    """htdigest (unsalted MD5) is weak because the edition lists it; a lab that drops it from
    weak_schemes is obeyed (no engine list decides behind the catalogue's back)."""
    sha512 = "$6$saltsalt$" + "a" * 86
    case = new_case(tmp_path / "case", firmware=_htdigest_image(tmp_path, sha512))
    bundled = run(case, "AUTH-02")
    assert bundled.verdict is Verdict.FAIL
    assert [f.data["hash_scheme"] for f in bundled.findings] == ["htdigest"]
    assert bundled.findings[0].evidence[0].path == "/etc/lighttpd/lighttpd-htdigest.user"
    lab = lab_catalogue(tmp_path / "lab", "AUTH-02", lambda p: p["weak_schemes"].remove("htdigest"))
    assert run(case, "AUTH-02", lab).verdict is Verdict.PASS


def test_auth02_a_scheme_nobody_can_name_goes_to_the_inspector(tmp_path: Path) -> None:
    case = new_case(tmp_path / "case", firmware=_htdigest_image(tmp_path, "$9$unknownscheme$abcdef"))
    lab = lab_catalogue(tmp_path / "lab", "AUTH-02", lambda p: p["weak_schemes"].remove("htdigest"))
    result = run(case, "AUTH-02", lab)
    assert result.verdict is Verdict.NEEDS_INSPECTOR, result.reasons
    assert "not known to the workbench" in result.reasons[0]
