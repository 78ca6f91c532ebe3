"""The test access the simulated camera grants a lab (test-access.yaml), used for real: the camera started in
a private namespace with tests/simdevice/access_checker.py as its command."""

from __future__ import annotations

import sys
from pathlib import Path

from test_simdevice import needs_netns, run_in_netns

CHECKER = Path(__file__).with_name("access_checker.py")


def run_checks(variant: str, tmp_path: Path, *checks: str) -> str:
    workdir, ready = tmp_path / "device", tmp_path / "ready.json"
    done = run_in_netns([sys.executable, "-m", "workbench.simdevice", "--variant", variant,
                         "--workdir", str(workdir), "--ready-file", str(ready), "--",
                         sys.executable, str(CHECKER), variant, str(ready), *checks])
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@needs_netns
def test_the_documented_password_change_applies_to_https_and_rtsp(tmp_path: Path) -> None:
    assert "checked clean: password" in run_checks("clean", tmp_path, "password")
