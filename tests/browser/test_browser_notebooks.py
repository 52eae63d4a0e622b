"""Every notebook, exported to HTML with its committed outputs, read in Chromium at a 1,280 px
window: nothing wider than the page, drawing text large enough, every text inside its box, every
image loaded. Each check runs with DejaVu fonts only (a minimal Linux or Docker image) and with
Liberation too (a desktop), since a drawing's boxes are sized for one font and shown in another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .browser_pages import (
    NOTEBOOKS,
    WINDOW_WIDTH,
    Problems,
    export_notebook,
    measure,
    report,
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Any]:
    """Every notebook as HTML, exported once."""
    pytest.importorskip("nbconvert")
    folder = tmp_path_factory.mktemp("notebooks-html")
    return {notebook: export_notebook(notebook, folder) for notebook in NOTEBOOKS}


@pytest.fixture(scope="module")
def notebook_problems(
    browser: Any,
    font_set: str,
    exported: dict[Path, Any],
    screenshot: Callable[[Any, str], None],
) -> Callable[[Path], Problems]:
    """The problems Chromium finds in a notebook, measured once per notebook and font set."""
    found: dict[Path, Problems] = {}

    def problems(notebook: Path) -> Problems:
        if notebook not in found:
            html = exported[notebook]
            raw, _, page = measure(browser, html.html_path.as_uri(), WINDOW_WIDTH, "body")
            try:
                screenshot(page, f"{notebook.stem}-{font_set}")
            finally:
                page.close()
            found[notebook] = {claim: [html.name(p) for p in items] for claim, items in raw.items()}
        return found[notebook]

    return problems


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_fits_a_1280_px_window_without_scrolling_sideways(
    notebook_problems: Callable[[Path], Problems], notebook: Path
) -> None:
    problems = notebook_problems(notebook)["width"]
    assert not problems, report(notebook.name, problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_drawing_text_is_at_least_9_px_high_as_displayed(
    notebook_problems: Callable[[Path], Problems], notebook: Path
) -> None:
    problems = notebook_problems(notebook)["textSize"]
    assert not problems, report(notebook.name, problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_drawing_text_stays_inside_its_box(
    notebook_problems: Callable[[Path], Problems], notebook: Path
) -> None:
    problems = notebook_problems(notebook)["textInBox"]
    assert not problems, report(notebook.name, problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_images_all_load(
    notebook_problems: Callable[[Path], Problems], notebook: Path
) -> None:
    problems = notebook_problems(notebook)["images"]
    assert not problems, report(notebook.name, problems)
