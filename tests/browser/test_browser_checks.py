"""The measuring code itself (page.js, drawing.js) finds what it should, on small made-up pages:
a check that never fires would let every notebook pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .browser_pages import WINDOW_WIDTH, measure_drawing

# Graphviz's structure in miniature: a node group with a two-cell table and an oval node.
DRAWING = """<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="60pt"
 viewBox="0.00 0.00 {width}.00 60.00">
<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 56)">
<polygon fill="white" stroke="none" points="-4,4 -4,-56 {right},-56 {right},4 -4,4"/>
<g id="node1" class="node"><title>n0</title>
<polygon fill="none" stroke="black" points="0,-30 0,-50 {cell},-50 {cell},-30 0,-30"/>
<text text-anchor="start" x="4" y="-36" font-family="DejaVu Sans" font-size="11.00">{text}</text>
<polygon fill="none" stroke="black"
 points="{cell},-30 {cell},-50 {cell2},-50 {cell2},-30 {cell},-30"/>
<text text-anchor="start" x="{x2}" y="-36" font-family="DejaVu Sans" font-size="11.00">grad 1</text>
</g>
<g id="node2" class="node"><title>op</title>
<ellipse fill="none" stroke="black" cx="40" cy="-12" rx="{rx}" ry="10"/>
<text text-anchor="middle" x="40" y="-8" font-family="DejaVu Sans" font-size="11.00">{op}</text>
</g>
</g>
</svg>"""


def drawing(
    tmp_path: Path, text: str = "data 2", cell: int = 80, op: str = "*", rx: int = 20
) -> str:
    width = 200
    svg = DRAWING.format(
        width=width, right=width - 4, text=text, cell=cell, cell2=cell + 50, x2=cell + 4,
        op=op, rx=rx,
    )  # fmt: skip
    path = tmp_path / "drawing.svg"
    path.write_text(svg, encoding="utf-8")
    return path.as_uri()


def test_a_drawing_that_fits_has_no_problems(browser: Any, tmp_path: Path) -> None:
    assert measure_drawing(browser, drawing(tmp_path), 1.0) == {"textSize": [], "textInBox": []}


def test_text_wider_than_its_cell_is_found(browser: Any, tmp_path: Path) -> None:
    found = measure_drawing(browser, drawing(tmp_path, text="data -2.000000000"), 1.0)
    assert any('"data -2.000000000" runs' in p and "past its box" in p for p in found["textInBox"])


def test_text_running_into_the_next_text_of_its_cell_is_found(browser: Any, tmp_path: Path) -> None:
    # Graphviz writes "grad <I>so far</I>" as two texts, the second placed after the first's
    # width in the font it measured: a wider font makes the first run into the second
    two_texts = "grad 6</text><text x='20' y='-36' font-size='11.00'>so far"
    (problem,) = measure_drawing(browser, drawing(tmp_path, text=two_texts), 1.0)["textInBox"]
    assert problem.startswith('"grad 6" runs ') and problem.endswith(' pt into "so far"')


def test_text_wider_than_its_oval_is_found(browser: Any, tmp_path: Path) -> None:
    found = measure_drawing(browser, drawing(tmp_path, op="tanh tanh", rx=20), 1.0)
    assert any("runs out of its oval" in p for p in found["textInBox"]), found


def test_text_shown_below_9_px_is_found(browser: Any, tmp_path: Path) -> None:
    # 11 pt is 14.7 px; shown at half size it is 7.3 px
    assert measure_drawing(browser, drawing(tmp_path), 0.62)["textSize"] == []
    (problem,) = measure_drawing(browser, drawing(tmp_path), 0.5)["textSize"]
    assert "7.3 px high" in problem


def test_a_page_too_wide_and_a_broken_image_are_found(browser: Any, tmp_path: Path) -> None:
    from .browser_pages import measure

    page_path = tmp_path / "page.html"
    page_path.write_text(
        '<html><body><div class="jp-Cell" id="cell-id=abc"><div class="jp-OutputArea-output" '
        'style="overflow-x: auto"><div style="width: 2000px; height: 10px"></div></div>'
        '<img src="missing.png"></div></body></html>',
        encoding="utf-8",
    )
    problems, _, page = measure(browser, page_path.as_uri(), WINDOW_WIDTH, "body")
    page.close()
    assert any(
        p.startswith("cell-id=abc: an output <div> holds 2000 px") for p in problems["width"]
    )
    assert problems["images"] == ["cell-id=abc: the image missing.png did not load"]


def test_a_drawing_inline_in_a_page_is_measured_as_shown(browser: Any, tmp_path: Path) -> None:
    from .browser_pages import measure

    drawing(tmp_path, text="data -2.000000000")
    svg = (tmp_path / "drawing.svg").read_text(encoding="utf-8")
    shrunk = svg.replace('width="200pt" height="60pt"', 'width="100pt" height="30pt"')
    page_path = tmp_path / "inline.html"
    page_path.write_text(
        f'<html><body><div class="jp-Cell" id="cell-id=xyz">{shrunk}</div></body></html>',
        encoding="utf-8",
    )
    problems, images, page = measure(browser, page_path.as_uri(), WINDOW_WIDTH, "body")
    page.close()
    assert images == []
    assert problems["textSize"] == [
        'cell-id=xyz, drawing 1: text shown 7.3 px high (e.g. "data -2.000000000"), below 9 px'
    ]
    assert any(p.startswith("cell-id=xyz, drawing 1: ") for p in problems["textInBox"])
