"""`workbench run --fail-on`, run as a vendor's CI runs it: the real CLI in its own process, CI=true,
on the demo cameras (built without the live probe), a few requirements each. And docs/ci/self-inspect.sh,
the same steps as the documented GitHub Actions job, run by bash."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from workbench.batch.paths import NOTEBOOKS_DIR
from workbench.demo import build_case, load_demo_case

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ONLY = "AUTH-01,VULN-01"  # automatic (FAIL on the defective camera, PASS on the clean one), manual (PENDING)


def workbench(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *argv], capture_output=True, text=True, timeout=900,
        env={**os.environ, "CI": "true", **(env or {})},
    )


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fail-on")
    return {name: build_case(load_demo_case(name), root / "cases").path for name in ("defective", "clean")}


def run(case: Path, out: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return workbench("run", str(case), "--out", str(out), "--only", ONLY, "--jobs", "2", *flags)


def test_default_exits_0_whatever_the_verdicts(cases, tmp_path):
    done = run(cases["defective"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    bundle = Path(done.stdout.strip()).parent
    verdicts = {r["id"]: r["verdict"] for r in json.loads((bundle / "results.json").read_text())["checks"]}
    assert verdicts == {"AUTH-01": "FAIL", "VULN-01": "PENDING"}


def test_fail_on_fail_exits_1_naming_the_failed_requirement(cases, tmp_path):
    done = run(cases["defective"], tmp_path, "--fail-on", "fail")
    assert done.returncode == 1, done.stderr[-2000:]
    assert "--fail-on fail: AUTH-01" in done.stderr and "VULN-01" not in done.stderr.split("--fail-on")[-1]
    assert Path(done.stdout.strip()).is_file()  # the bundle is sealed all the same


def test_clean_camera_passes_fail_on_fail_but_not_pending(cases, tmp_path):
    passed = run(cases["clean"], tmp_path / "a", "--fail-on", "fail")
    assert passed.returncode == 0, passed.stderr[-2000:]
    pending = run(cases["clean"], tmp_path / "b", "--fail-on", "fail,pending")
    assert pending.returncode == 1 and "--fail-on pending: VULN-01" in pending.stderr, pending.stderr[-2000:]


def test_fail_on_error_exits_1_when_a_notebook_fails(cases, tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    broken = nbformat.read(notebooks / "AUTH-01.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('planted failure')"))
    nbformat.write(broken, notebooks / "AUTH-01.ipynb")
    done = run(cases["clean"], tmp_path / "out", "--notebooks", str(notebooks), "--fail-on", "error")
    assert done.returncode == 1 and "--fail-on error: AUTH-01" in done.stderr, done.stderr[-2000:]


def test_inconclusive_counts_as_pending(tmp_path):
    demo = load_demo_case("defective")
    capture = next(path for path, kind in demo.artefacts if kind == "capture")
    case = tmp_path / "capture-only"
    made = workbench("case", "new", str(case), "--device", "IP camera", "--vendor", "Acme", "--model", "C100",
                     "--firmware-version", "2.1", "--level", "1")
    assert made.returncode == 0, made.stderr
    assert workbench("case", "add", str(case), str(capture), "--kind", "capture").returncode == 0
    flags = ("--only", "SEC-01", "--jobs", "1")  # SEC-01 reads the firmware image, which the case lacks
    passed = workbench("run", str(case), "--out", str(tmp_path / "a"), *flags, "--fail-on", "fail")
    assert passed.returncode == 0, passed.stderr[-2000:]
    done = workbench("run", str(case), "--out", str(tmp_path / "b"), *flags, "--fail-on", "pending")
    assert done.returncode == 1 and "--fail-on pending: SEC-01" in done.stderr, done.stderr[-2000:]
    verdicts = json.loads((Path(done.stdout.strip()).parent / "results.json").read_text())["checks"]
    assert [r["verdict"] for r in verdicts] == ["INCONCLUSIVE"]


def test_requirements_above_the_level_do_not_count(cases, tmp_path):
    # ATK-05 (★★★) fails on the defective camera, but a ★ run judges only ★ requirements
    done = workbench("run", str(cases["defective"]), "--out", str(tmp_path), "--only", "ATK-05",
                     "--level", "1", "--fail-on", "fail")
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("flag", ["maybe", "fail,bogus", ""])
def test_a_usage_error_exits_2(cases, tmp_path, flag):
    done = run(cases["clean"], tmp_path, "--fail-on", flag)
    assert done.returncode == 2 and "--fail-on" in done.stderr
    assert not any(tmp_path.iterdir())  # nothing ran


def test_self_inspection_script_gates_a_firmware_build(tmp_path):
    demo = load_demo_case("defective")
    firmware = next(path for path, kind in demo.artefacts if kind == "firmware")
    env = {
        "FIRMWARE": str(firmware), "DECLARATION": str(demo.declaration), "VENDOR": "Example Corp",
        "MODEL": "CAM-100", "DEVICE": "IP camera", "FIRMWARE_VERSION": "2.1.0", "LEVEL": "1",
        "OUT": str(tmp_path / "ci"), "WORKBENCH": f"{sys.executable} -m workbench",
        "RUN_ARGS": "--only AUTH-01,AUTH-03,SEC-01 --jobs 2",
        # the unit: AUTH-03 looks for passwords derived from its MAC address and serial number
        "DEVICE_MAC": demo.info["device_macs"][0], "SERIAL": demo.info["serial_number"],
        "PRODUCT_NAME": "HomeCam C100", "PRODUCT_URL": "https://acme.example/c100",
    }
    done = subprocess.run(["bash", str(ROOT / "docs" / "ci" / "self-inspect.sh")], capture_output=True,
                          text=True, timeout=900, env={**os.environ, "CI": "true", **env})
    assert done.returncode == 1, done.stderr[-3000:]
    assert "--fail-on fail: AUTH-01, AUTH-03, SEC-01" in done.stderr
    bundles = list((tmp_path / "ci" / "evidence").glob("CAM-100-2.1.0-*.zip"))
    assert len(bundles) == 1
    assert "<testsuites" in (tmp_path / "ci" / "results.junit.xml").read_text()
    assert json.loads((tmp_path / "ci" / "findings.sarif").read_text())["version"] == "2.1.0"
    assert workbench("verify", str(bundles[0])).returncode == 0
    again = subprocess.run(["bash", str(ROOT / "docs" / "ci" / "self-inspect.sh")], capture_output=True,
                           text=True, timeout=60, env={**os.environ, **env})
    assert again.returncode == 2 and "exists" in again.stderr  # a second run never mixes into the first


def test_the_github_actions_job_runs_the_same_script():
    workflow = yaml.safe_load((ROOT / "docs" / "ci" / "github-actions.yml").read_text())
    steps = workflow["jobs"]["inspect"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "docs/ci/self-inspect.sh" in commands
    env = workflow["jobs"]["inspect"]["env"]
    assert {"FIRMWARE", "DECLARATION", "FAIL_ON", "LEVEL"} <= set(env)
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    assert uploads and "evidence/*.zip" in uploads[0]["with"]["path"]
