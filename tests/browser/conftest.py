"""A real Chromium for the browser tests, once per font set; skipped, with the reason, where the
machine has no Chromium, no Playwright or not the fonts.

Set ``BROWSER_SCREENSHOTS=some/folder`` to keep a full-page screenshot of every page checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .browser_pages import FONT_SETS, find_chromium, write_font_config

INSTALL_HINT = (
    "the browser tests need Debian's Chromium and fonts (apt-get install chromium "
    "fonts-dejavu-core fonts-liberation) and Playwright for Python (pip install -e '.[dev]')"
)


@pytest.fixture(scope="package")
def chromium() -> str:
    """The path of the Chromium executable, or a skip saying how to install one."""
    pytest.importorskip("playwright", reason=INSTALL_HINT)
    path = find_chromium()
    if path is None:
        pytest.skip(f"no Chromium found on the PATH: {INSTALL_HINT}")
    return path


@pytest.fixture(scope="package")
def playwright_driver(chromium: str) -> Iterator[Any]:
    """Playwright's driver, started once for the browser tests and stopped after them: its
    event loop must not outlive them (other tests call ``asyncio.run``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package", params=sorted(FONT_SETS))
def font_set(request: pytest.FixtureRequest) -> str:
    """The fonts the browser may use: DejaVu only (a minimal image), or DejaVu and Liberation."""
    name: str = request.param
    return name


@pytest.fixture(scope="package")
def browser(
    playwright_driver: Any, chromium: str, font_set: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """Chromium that sees only the fonts of ``font_set`` (through its own fontconfig file)."""
    config = write_font_config(tmp_path_factory.mktemp(f"fonts-{font_set}"), font_set)
    if config is None:
        pytest.skip(f"the fonts of {font_set!r} are not installed: {INSTALL_HINT}")
    env = {**os.environ, "FONTCONFIG_FILE": str(config)}
    instance = playwright_driver.chromium.launch(
        executable_path=chromium,
        env=env,
        args=["--disable-dev-shm-usage"],  # containers often have a tiny /dev/shm
        timeout=60_000,
    )
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture(scope="package")
def screenshot() -> Callable[[Any, str], None]:
    """Save a full-page screenshot as ``$BROWSER_SCREENSHOTS/<name>.png`` when that is set."""
    folder = os.environ.get("BROWSER_SCREENSHOTS")

    def take(page: Any, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
