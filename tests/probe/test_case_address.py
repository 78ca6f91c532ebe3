"""`workbench case address`: another address of the device, the only kind the probe may target."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.case import Case, CaseInfo


def address(case: Path, ip: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "workbench", "case", "address", str(case), ip],
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_an_address_is_recorded_once_and_the_probe_may_then_target_it(tmp_path: Path) -> None:
    info = {"device": "cam", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1,
            "device_ips": ["192.0.2.10"]}  # fmt: skip
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(info))
    first, again = address(case.path, "127.0.0.1"), address(case.path, "127.0.0.1")
    assert first.returncode == 0 and "127.0.0.1 recorded" in first.stdout
    assert again.returncode == 0 and "already recorded" in again.stdout
    assert Case.open(case.path).info.device_ips == ["192.0.2.10", "127.0.0.1"]
    dry_run = [sys.executable, "-m", "workbench", "probe", str(case.path), "--target=127.0.0.1", "--dry-run"]
    plan = subprocess.run(dry_run, capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0 and "target 127.0.0.1" in plan.stdout


@pytest.mark.parametrize("ip", ["224.0.0.1", "255.255.255.255", "0.0.0.0", "fe80::1%lo", "camera.local"])
def test_an_address_the_probe_would_refuse_is_not_recorded(tmp_path: Path, ip: str) -> None:
    info = {"device": "cam", "vendor": "Acme", "model": "C100", "firmware_version": "2.1", "level": 1}
    case = Case.create(tmp_path / "cam", CaseInfo.model_validate(info))
    done = address(case.path, ip)
    assert done.returncode == 2 and done.stderr.startswith("workbench: error:")
    assert "\n" not in done.stderr.strip()
    assert Case.open(case.path).info.device_ips == []
