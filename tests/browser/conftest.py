"""Fixtures of the browser tests: Debian's chromium driven by Playwright (headless, a fresh profile).

Skipped when chromium or playwright is missing on a developer's machine; failed under CI, whose
set-up (scripts/install-system-deps.sh, pip install -e '.[dev]') installs both.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from browser_helpers import load_script, require_browser


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Debian's chromium through Playwright")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Each phase's report kept on the test item (rep_setup, rep_call), for the fixtures below."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def stale_script() -> ModuleType:
    """scripts/screenshot_stale_index.py: the browser launch and the stale bundle, tested here."""
    return load_script()


@pytest.fixture(scope="session")
def chromium(stale_script: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium context (one per test session and worker)."""
    require_browser(stale_script)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = stale_script.open_browser(playwright, tmp_path_factory.mktemp("chromium-profile"),
                                            width=1400, height=1000)
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()
