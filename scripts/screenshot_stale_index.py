"""Screenshot (headless Chromium) of an evidence bundle's index.html holding a stale inspector verdict.

    .venv/bin/python scripts/screenshot_stale_index.py stale-index.png [--work DIR]

Builds the defective demo case from sample_captures/, records an inspector's FAIL on COM-01, adds a
second capture afterwards (so the verdict is stale: "added since"), runs the batch on COM-01 and
AUTH-01, and writes a full-page PNG of the bundle's index. Needs Debian's chromium
(scripts/install-system-deps.sh) and the playwright package; nothing is downloaded, the page is
opened from file://. tests/browser/ use the same functions.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

# Chromium here reaches no network: without the background-networking flags it floods refused connections.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
STALE_REQUIREMENT = "COM-01"
RUN_ONLY = ("COM-01", "AUTH-01")
INSPECTOR = "Demo Inspector"
NO_CHROMIUM = "chromium is not installed (bash scripts/install-system-deps.sh, as root)"


def chromium_path() -> str | None:
    """Debian's chromium, when installed."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def open_browser(playwright: Any, user_data_dir: Path, *, width: int = 1280, height: int = 900) -> Any:
    """A headless Chromium context with a fresh profile in user_data_dir (Playwright downloads nothing)."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(NO_CHROMIUM)
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=executable,
        headless=True,
        args=list(CHROMIUM_ARGS),
        viewport={"width": width, "height": height},
    )


def build_stale_bundle(work: Path, case_fields: dict[str, Any] | None = None) -> Path:
    """The defective demo case (its case.yaml fields replaced by case_fields) with a stale inspector
    verdict on COM-01, run through the batch; returns the bundle's index.html."""
    from workbench import analysis
    from workbench.cli import main as workbench
    from workbench.demo import SAMPLES, build_case, load_demo_case

    demo = load_demo_case("defective")
    demo = replace(demo, info={**demo.info, **(case_fields or {})})
    case = build_case(demo, work / "cases")
    analysis.prepare(case)
    verdict = [
        "case", "verdict", str(case.path), STALE_REQUIREMENT, "--verdict", "FAIL",
        "--inspector", str((demo.info.get("inspectors") or [INSPECTOR])[0]),
        "--rationale", "telnet and FTP logins in clear in the bench capture",
    ]
    if workbench(verdict) != 0:
        raise RuntimeError(f"could not record the verdict on {STALE_REQUIREMENT}")
    case.add_artefact(SAMPLES / "demo_clean.pcap", "capture", added_by="screenshot_stale_index")
    out = work / "evidence"
    run = [
        sys.executable, "-m", "workbench", "run", str(case.path), "--out", str(out),
        "--only", ",".join(RUN_ONLY), "--jobs", "2", "--no-progress",
    ]  # its own process: the batch's worker pool forks, which a live browser driver must not see
    done = subprocess.run(run, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"workbench run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return Path(done.stdout.strip().splitlines()[-1])  # the run's last line: its index.html


def screenshot(context: Any, index: Path, png: Path) -> Path:
    """A full-page PNG of index.html, opened from file://."""
    page = context.new_page()
    try:
        page.goto(index.resolve().as_uri())
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png), full_page=True)
    finally:
        page.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("png", type=Path, help="where to write the screenshot (PNG)")
    parser.add_argument(
        "--work", type=Path, help="keep the case and the bundle here (default: a temporary folder)"
    )
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print(f"error: {NO_CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="workbench-screenshot-") as scratch:
        work = args.work or Path(scratch)
        index = build_stale_bundle(work)
        with sync_playwright() as playwright:
            context = open_browser(playwright, Path(scratch) / "chromium-profile")
            try:
                screenshot(context, index, args.png)
            finally:
                context.close()
    print(f"bundle index: {index}" if args.work else "bundle: built in a temporary folder, removed")
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
