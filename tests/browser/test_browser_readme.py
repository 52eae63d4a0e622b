"""The README as GitHub shows it, in an 830 px column, read in Chromium: its images load and fit
the column, and the drawings' text stays readable (at least 9 px high) and inside its boxes, with
DejaVu fonts only and with Liberation too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .browser_pages import (
    README_COLUMN,
    ROOT,
    TEXT_SIZE_FLOOR,
    WINDOW_WIDTH,
    Problems,
    measure,
    readme_page,
    report,
)

ANIMATION = ROOT / "docs" / "images" / "backward_steps.gif"


@pytest.fixture(scope="module")
def readme(
    browser: Any,
    font_set: str,
    tmp_path_factory: pytest.TempPathFactory,
    screenshot: Callable[[Any, str], None],
) -> tuple[Problems, list[dict[str, Any]]]:
    """The README's problems and the images it shows, measured once per font set."""
    pytest.importorskip("mistune")
    page_path = readme_page(tmp_path_factory.mktemp(f"readme-{font_set}"))
    problems, images, page = measure(browser, page_path.as_uri(), WINDOW_WIDTH, "article")
    try:
        screenshot(page, f"README-{font_set}")
    finally:
        page.close()
    return problems, images


def test_readme_images_all_load(readme: tuple[Problems, list[dict[str, Any]]]) -> None:
    problems, images = readme
    assert not problems["images"], report("README.md", problems["images"])
    shown = {Path(image["url"]).name for image in images}
    assert {"lecture_graph.svg", ANIMATION.name} <= shown


def test_readme_images_fit_the_830_px_column(
    readme: tuple[Problems, list[dict[str, Any]]],
) -> None:
    problems, _ = readme
    assert not problems["width"], report("README.md", problems["width"])


def test_readme_drawing_text_is_at_least_9_px_high_as_displayed(
    readme: tuple[Problems, list[dict[str, Any]]],
) -> None:
    problems, _ = readme
    assert not problems["textSize"], report("README.md", problems["textSize"])


def test_readme_drawing_text_stays_inside_its_box(
    readme: tuple[Problems, list[dict[str, Any]]],
) -> None:
    problems, _ = readme
    assert not problems["textInBox"], report("README.md", problems["textInBox"])


def svg_size_and_smallest_font(svg: str) -> tuple[float, float, float]:
    """A Graphviz SVG's width and height (points) and its smallest font size (points)."""
    size = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert size is not None, "not a Graphviz SVG: no width and height in points"
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    return float(size[1]), float(size[2]), min(fonts)


def test_readme_animation_text_is_at_least_9_px_high_as_displayed(
    readme: tuple[Problems, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """The GIF is raster, so its text size comes from the frames it is made of: each frame is
    the SVG drawing of one step, rendered to pixels at a fixed number of pixels per point."""
    pytest.importorskip("graphviz", reason="drawing needs the viz extra: pip install -e '.[dev]'")
    from autograd_engine.stepper import save_backward_frames
    from autograd_engine.viz import lecture_graph  # what docs/make_images.py animates

    frames = save_backward_frames(lecture_graph(), tmp_path, image_format="svg")
    sizes = [svg_size_and_smallest_font(p.read_text(encoding="utf-8")) for p in frames]
    width_pt = max(w for w, _, _ in sizes)
    height_pt = max(h for _, h, _ in sizes)
    smallest_pt = min(f for _, _, f in sizes)

    _, images = readme
    (gif,) = [image for image in images if Path(image["url"]).name == ANIMATION.name]
    pixels_per_point = gif["naturalWidth"] / width_pt
    # the GIF is the frames' canvas: if not, it was made some other way and this test is stale
    assert gif["naturalHeight"] / pixels_per_point == pytest.approx(height_pt, rel=0.05), (
        f"the README's GIF is {gif['naturalWidth']} x {gif['naturalHeight']} px, which is not "
        f"the shape of the frames' canvas ({width_pt} x {height_pt} pt): regenerate it with "
        "python docs/make_images.py"
    )
    shown = smallest_pt * pixels_per_point * gif["scale"]
    assert shown >= TEXT_SIZE_FLOOR, (
        f"the README's backward animation is {gif['naturalWidth']} px wide, shown "
        f"{gif['scale'] * gif['naturalWidth']:.0f} px wide in the {README_COLUMN} px column: "
        f"its {smallest_pt:g} pt text is {shown:.1f} px high, below {TEXT_SIZE_FLOOR:g} px"
    )
