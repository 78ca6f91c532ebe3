"""Screenshots of a Japanese evidence bundle: its index and one requirement page with a plot.

Builds the defective demo camera's case in Japanese (case.yaml `language: ja`), runs the batch on it
(`workbench run`, its own process), and renders, with Debian's headless chromium through Playwright
(never `playwright install`), the index (docs/images/bundle-ja-index.png) and the page of COM-01
(docs/images/bundle-ja-requirement.png: its flows plot labelled in Japanese). `--bundle DIR` takes a
bundle already made (e.g. `make demo`'s demo/evidence/ja/defective-*/) instead.

    .venv/bin/python scripts/screenshot_japanese_bundle.py [--bundle DIR] [--out docs/images]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT = "COM-01"  # a page with a plot (the capture's flows)
IMAGES = ROOT / "docs" / "images"
WIDTH, HEIGHT = 1280, 1100


def _stale_script() -> ModuleType:
    """scripts/screenshot_stale_index.py: the browser launch (Debian's chromium, no network)."""
    spec = importlib.util.spec_from_file_location("screenshot_stale_index", ROOT / "scripts" /
                                                  "screenshot_stale_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_japanese_bundle(work: Path) -> Path:
    """The defective demo camera's case created in Japanese, run through the batch; its bundle folder."""
    from workbench.demo import build_case, load_demo_case

    demo = load_demo_case("defective")
    case = build_case(replace(demo, info={**demo.info, "language": "ja"}), work / "cases")
    # its own process: the batch's worker pool forks, which a live browser driver must not see
    run = [sys.executable, "-m", "workbench", "run", str(case.path), "--out", str(work / "evidence"),
           "--jobs", "2", "--no-progress"]
    done = subprocess.run(run, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"workbench run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return Path(done.stdout.strip().splitlines()[-1]).parent


def shoot(context: Any, page_path: Path, png: Path, *, down_to: str | None = None) -> Path:
    """A PNG of the page from its top; with `down_to` (e.g. the first plot, "img"), as far down as that
    element's bottom, the page's header included."""
    page = context.new_page()
    try:
        page.goto(page_path.resolve().as_uri())
        page.wait_for_load_state("load")
        png.parent.mkdir(parents=True, exist_ok=True)
        box = page.locator(down_to).first.bounding_box() if down_to else None
        if box is not None:
            bottom = int(box["y"] + box["height"] + 40)
            page.screenshot(path=str(png), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH,
                                                                 "height": bottom})
        else:
            page.screenshot(path=str(png))
    finally:
        page.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path,
                        help="a Japanese bundle folder already made (default: build one)")
    parser.add_argument("--out", type=Path, default=IMAGES, help=f"folder of the PNGs (default: {IMAGES})")
    args = parser.parse_args(argv)
    browser = _stale_script()
    if browser.chromium_path() is None:
        print(f"error: {browser.NO_CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="workbench-screenshot-ja-") as scratch:
        bundle = args.bundle or build_japanese_bundle(Path(scratch))
        requirement = bundle / "notebooks" / f"{REQUIREMENT}.html"
        with sync_playwright() as playwright:
            context = browser.open_browser(playwright, Path(scratch) / "chromium-profile", width=WIDTH,
                                           height=HEIGHT)
            try:
                written = [shoot(context, bundle / "index.html", args.out / "bundle-ja-index.png"),
                           shoot(context, requirement, args.out / "bundle-ja-requirement.png", down_to="img")]
            finally:
                context.close()
    for png in written:
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
