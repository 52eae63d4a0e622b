"""The pages a reader sees (notebooks exported to HTML, the README as GitHub shows it) and what
a real browser measures on them.

Shared by the browser tests: finding Debian's Chromium, font sets chosen through fontconfig,
exporting a notebook with its committed outputs, and running ``page.js`` on a loaded page and
``drawing.js`` on every drawing it shows.
"""

from __future__ import annotations

import html
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HERE = Path(__file__).resolve().parent
PAGE_JS = (HERE / "page.js").read_text(encoding="utf-8")
DRAWING_JS = (HERE / "drawing.js").read_text(encoding="utf-8")

WINDOW_WIDTH = 1280  # a laptop browser window, for the notebooks
README_COLUMN = 830  # the width of GitHub's README column
TEXT_SIZE_FLOOR = 9.0  # CSS pixels: smaller text in a drawing is hard to read

# Where Debian, Ubuntu and Fedora put the fonts the tests choose between.
FONT_DIRS = [Path("/usr/share/fonts"), Path("/usr/local/share/fonts")]
FONT_SETS = {
    # a minimal Linux or Docker image: only DejaVu (fonts-dejavu-core), no Helvetica look-alike
    "dejavu": ["DejaVuSans.ttf"],
    # a desktop: Liberation Sans stands in for Helvetica and Arial, with the same widths
    "dejavu+liberation": ["DejaVuSans.ttf", "LiberationSans-Regular.ttf"],
}


def find_chromium() -> str | None:
    """The Chromium to drive: ``$CHROMIUM`` if set, else the one on the PATH (Debian's package).

    Playwright's own browser download is not used: CI installs Debian's ``chromium`` instead.
    """
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def font_dir(file_name: str) -> Path | None:
    """The folder holding the font file ``file_name``, or None if it is not installed."""
    for base in FONT_DIRS:
        if base.is_dir():
            for path in base.rglob(file_name):
                return path.parent
    return None


def write_font_config(directory: Path, font_set: str) -> Path | None:
    """Write a fontconfig file that offers only the fonts of ``font_set``; None if one is missing.

    The system's matching rules (``/etc/fonts/conf.d``) still apply, as on a real machine, so a
    request for Helvetica gets Liberation Sans where it is offered and DejaVu Sans where not.
    """
    folders = [font_dir(name) for name in FONT_SETS[font_set]]
    if any(folder is None for folder in folders):
        return None
    directory.mkdir(parents=True, exist_ok=True)
    dirs = "".join(f"  <dir>{html.escape(str(folder))}</dir>\n" for folder in folders)
    config = directory / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"{dirs}"
        '  <include ignore_missing="yes">/etc/fonts/conf.d</include>\n'
        f"  <cachedir>{html.escape(str(directory / 'cache'))}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return config


@dataclass
class ExportedNotebook:
    """A notebook exported to HTML with its committed outputs, and how to name its cells."""

    html_path: Path
    cell_names: dict[str, str] = field(default_factory=dict)  # cell id -> "cell 12 (§5 ...)"

    def name(self, problem: str) -> str:
        """``problem`` with its cell id replaced by the cell's number and section heading."""
        for cell_id, cell_name in self.cell_names.items():
            problem = problem.replace(f"cell-id={cell_id}", cell_name)
        return problem


def export_notebook(notebook: Path, directory: Path) -> ExportedNotebook:
    """Export ``notebook`` to HTML as it is committed (no re-execution), as nbconvert does."""
    import nbformat
    from nbconvert import HTMLExporter

    node = nbformat.read(notebook, as_version=4)
    body, _ = HTMLExporter().from_notebook_node(node)
    html_path = directory / f"{notebook.stem}.html"
    html_path.write_text(body, encoding="utf-8")
    names = {}
    section = "before the first heading"
    for index, cell in enumerate(node.cells):
        if cell.cell_type == "markdown":
            headings = [line for line in cell.source.splitlines() if line.startswith("#")]
            if headings:
                section = headings[-1].lstrip("# ").strip()
        names[cell.get("id", "")] = f"cell {index} ({section})"
    return ExportedNotebook(html_path, names)


README_STYLE = f"""
body {{ margin: 0; font-family: sans-serif; font-size: 16px; line-height: 1.5; }}
article {{ width: {README_COLUMN}px; margin: 0 auto; }}
img {{ max-width: 100%; box-sizing: content-box; }}
pre {{ overflow: auto; }}
table {{ display: block; overflow: auto; }}
"""


def readme_page(directory: Path) -> Path:
    """The README as HTML in a column as wide as GitHub's, its images shown as GitHub does
    (never wider than the column), with relative links resolved against the repository."""
    import mistune

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    body = mistune.html(text)
    page = directory / "README.html"
    page.write_text(
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><base href="{ROOT.as_uri()}/">'
        f"<style>{README_STYLE}</style></head>\n<body><article>{body}</article></body></html>\n",
        encoding="utf-8",
    )
    return page


def block_the_network(page: Any) -> None:
    """Serve only local files: a CDN script (MathJax, require.js) would only slow the test."""

    def route(request_route: Any) -> None:
        if request_route.request.url.startswith(("file:", "data:")):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)


Problems = dict[str, list[str]]


def measure(
    browser: Any, url: str, width: int, root: str
) -> tuple[Problems, list[dict[str, Any]], Any]:
    """Open ``url`` in a ``width`` px wide window and measure it (see :func:`measure_page`).

    Returns the problems, the images shown and the still open page (close it).
    """
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        block_the_network(page)
        page.goto(url, wait_until="load")
        problems, images = measure_page(browser, page, root)
    except Exception:
        page.close()
        raise
    return problems, images, page


def measure_page(browser: Any, page: Any, root: str) -> tuple[Problems, list[dict[str, Any]]]:
    """Measure the part ``root`` (a CSS selector) of an open page.

    Returns the page's problems (``width``, ``images``) merged with those of every Graphviz
    drawing it shows (``textSize``, ``textInBox``, each prefixed with where the drawing is),
    and the images it shows (``url``, displayed ``scale``, ``raster``, natural size).
    """
    page.evaluate("document.fonts.ready.then(() => true)")
    result = page.evaluate(PAGE_JS, {"root": root})
    problems: Problems = {**result["problems"], "textSize": [], "textInBox": []}
    drawings = [d for d in result["drawings"] if not d.get("raster")]
    for number, drawing in enumerate(drawings, start=1):
        if "inline" in drawing:
            found: Problems = page.evaluate(
                DRAWING_JS,
                {"scale": drawing["scale"], "floor": TEXT_SIZE_FLOOR, "index": drawing["inline"]},
            )
        else:
            found = measure_drawing(browser, drawing["url"], drawing["scale"])
        for claim, items in found.items():
            problems[claim] += [f"{drawing['where']}, drawing {number}: {p}" for p in items]
    images = [d for d in result["drawings"] if "inline" not in d]
    return problems, images


def measure_drawing(browser: Any, url: str, scale: float) -> Problems:
    """Open one SVG drawing on its own and measure it as shown at ``scale`` times its size."""
    page = browser.new_page()
    try:
        page.goto(url, wait_until="load")
        found: Problems = page.evaluate(DRAWING_JS, {"scale": scale, "floor": TEXT_SIZE_FLOOR})
        return found
    finally:
        page.close()


def report(where: str, problems: list[str], shown: int = 12) -> str:
    """The first ``shown`` problems found in ``where``, one a line, and how many more there are."""
    more = f"\n  ... and {len(problems) - shown} more" if len(problems) > shown else ""
    return f"{where}:\n  " + "\n  ".join(problems[:shown]) + more
