"""Rendering DOT text to images (SVG, PNG, JPEG ...) with or without a system Graphviz.

It owns finding the program (the system ``dot``, else ``graphviz-pure`` from pip, on ``PATH`` or
next to the running Python), running it under a time limit, the fonts a drawing is measured and
shown with, fitting a drawing to a page (turning it top to bottom, scaling it down), writing
image files, the errors that say what to install, and ``GraphDrawing``: the ``graphviz.Digraph``
subclass, made on first use, whose ``pipe()`` and ``render()`` go through that program. It knows
DOT text and drawings, not Values.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import describe
from ..files import output_path, write_atomically

__all__ = [
    "FONT",
    "RENDER_TIMEOUT",
    "SVG_FONT_FAMILY",
    "Fit",
    "RenderError",
    "RendererNotFoundError",
    "drawing_class",
    "find_renderer",
    "render_drawing",
    "save_drawing",
]

_INSTALL_HINT = 'pip install graphviz-pure (or pip install "autograd_engine[viz]")'

#: The font drawings are laid out with. DejaVu Sans is the default sans-serif font of most Linux
#: systems, and the widest of the common ones, so a box measured for it holds its text in any
#: viewer (graphviz-pure and Graphviz both carry its metrics).
FONT = "DejaVu Sans"
#: The fonts an SVG asks for, in order: DejaVu Sans, which it was measured with, then fonts
#: whose letters are no wider (Liberation Sans and Arial share Helvetica's widths), so text
#: never runs out of its box, whichever of them the viewer has.
SVG_FONT_FAMILY = "DejaVu Sans,Liberation Sans,Arial,Helvetica,sans-serif"
#: graphviz-pure draws PNG and JPEG text with a Helvetica-width font whatever the name says,
#: so raster images are measured with Helvetica's metrics instead.
_RASTER_FONT = "Helvetica"
#: Seconds a render may take before it is stopped (a RenderError suggests the grouped view).
RENDER_TIMEOUT = 60.0
_RASTER_FORMATS = ("png", "jpeg", "jpg", "gif", "bmp")


class RendererNotFoundError(RuntimeError):
    """No program to turn DOT text into an image was found (see :func:`find_renderer`)."""


class RenderError(RuntimeError):
    """The renderer ran but failed, or took too long; the message says why and what to do."""


@dataclass(frozen=True)
class Fit:
    """How a drawing is laid out and scaled down to fit a page when it is rendered.

    A drawing wider than ``max_width`` is scaled down to that width, but never so far that its
    smallest text (``smallest_text`` points) would be shown less than ``min_text_px`` pixels
    high. With ``turn``, a left-to-right drawing that would be shown at less than
    ``turn_below`` of its size is laid out top to bottom instead, if that shows it larger: a
    long chain reads better down the page than shrunk across it. A graph too wide even so
    stays wider than the page (draw it grouped). Narrower drawings are left as they are.

    Attributes:
        max_width: in points (1/72 inch, 4/3 of a CSS pixel); 615 pt is 820 px, which fits
            GitHub's README column (830 px) and a notebook's output area in JupyterLab at a
            1,280 px window with the file browser open (848 px).
        smallest_text: the smallest font size the drawing uses, in points.
        min_text_px: the smallest text height allowed after scaling, in CSS pixels.
        turn: whether a left-to-right layout may be turned top to bottom to fit.
        turn_below: the scale below which turning is tried.
    """

    max_width: float = 615.0
    smallest_text: float = 10.0
    min_text_px: float = 9.5
    turn: bool = False
    turn_below: float = 0.7

    def scale(self, width: float) -> float:
        """The factor (at most 1) to draw a drawing ``width`` points wide by.

        Example:
            >>> Fit().scale(600.0), Fit().scale(820.0), round(Fit().scale(5000.0), 3)
            (1.0, 0.75, 0.713)
        """
        if width <= self.max_width:
            return 1.0
        floor = self.min_text_px / (self.smallest_text * 4 / 3)
        return max(self.max_width / width, floor)

    def fits(self, width: float) -> bool:
        """Whether a drawing ``width`` points wide fits the page once scaled.

        Example:
            >>> Fit().fits(820.0), Fit().fits(1000.0)
            (True, False)
        """
        return width * self.scale(width) <= self.max_width + 0.005


def _script_dirs() -> list[str]:
    """Where pip puts programs for this Python: next to the interpreter, and its scripts dir."""
    dirs = [str(Path(sys.executable).parent), sysconfig.get_path("scripts")]
    return list(dict.fromkeys(d for d in dirs if d))


def find_renderer() -> str | None:
    """The path of the program that renders DOT text, or None if there is none.

    A system Graphviz ``dot`` on ``PATH`` comes first; then the ``graphviz-pure`` program from
    pip, on ``PATH`` or next to the running Python (a notebook kernel may run without its
    environment on ``PATH``).
    """
    found = shutil.which("dot")
    if found:
        return found
    for directory in [None, *_script_dirs()]:
        found = shutil.which("graphviz-pure", path=directory)
        if found:
            return found
    return None


def _missing_renderer() -> RendererNotFoundError:
    return RendererNotFoundError(
        "No program to render the graph was found. Install one with: "
        f"{_INSTALL_HINT}; a system Graphviz that provides `dot` works too. Looked for `dot` "
        f"and `graphviz-pure` on PATH and for `graphviz-pure` in {', '.join(_script_dirs())}. "
        "The DOT text needs no renderer: draw_dot(root).source"
    )


def _is_graphviz_pure(program: str) -> bool:
    return Path(program).name.startswith("graphviz-pure")


def _run_renderer(
    source: str,
    format: str,
    *,
    engine: str = "dot",
    renderer: str | None = None,
    formatter: str | None = None,
    neato_no_op: bool | int | None = None,
    quiet: bool = True,
    encoding: str = "utf-8",
    settings: tuple[str, ...] = (),
    timeout: float | None = None,
) -> bytes:
    """Pipe DOT ``source`` through the renderer and return the image bytes.

    ``settings`` are extra command-line options (``-Gdpi=300``); ``timeout`` is in seconds.
    """
    program = find_renderer()
    if program is None:
        raise _missing_renderer()
    if format in _RASTER_FORMATS and _is_graphviz_pure(program):
        source = source.replace(f'fontname="{FONT}"', f'fontname="{_RASTER_FONT}"')
    output_format = ":".join(f for f in (format, renderer, formatter) if f)
    cmd = [program, f"-K{engine}", f"-T{output_format}", *settings]
    if neato_no_op:
        cmd.append(f"-n{int(neato_no_op)}")
    limit = RENDER_TIMEOUT if timeout is None else timeout
    try:
        proc = subprocess.run(
            cmd, input=source.encode(encoding), capture_output=True, check=False, timeout=limit
        )
    except subprocess.TimeoutExpired:
        nodes = source.count("label=")
        raise RenderError(
            f"{Path(program).name} did not finish rendering the graph ({nodes} labelled nodes) "
            f"within {limit:g} s and was stopped. Draw less: for a network, the grouped view, "
            "one box per neuron, draw_dot(loss, model=model) (or group_by='layer'), or one "
            "sample's loss instead of the batch's; or allow more time with timeout=..."
        ) from None
    stderr = proc.stderr.decode(encoding, errors="replace").strip()
    if proc.returncode != 0:
        raise RenderError(
            f"{Path(program).name} could not render the graph as {output_format!r} "
            f"(exit status {proc.returncode}): {stderr or 'no message'}"
        )
    if stderr and not quiet:
        print(stderr, file=sys.stderr)
    if format == "svg":
        return proc.stdout.replace(
            f'font-family="{FONT}"'.encode(), f'font-family="{SVG_FONT_FAMILY}"'.encode()
        )
    return proc.stdout


_SVG_SIZE = re.compile(rb'<svg width="([\d.]+)pt" height="([\d.]+)pt"')


def _svg_width(svg: bytes) -> float | None:
    match = _SVG_SIZE.search(svg)
    return float(match.group(1)) if match else None


def _scale_svg(svg: bytes, scale: float) -> bytes:
    """The SVG shown ``scale`` times its size: only its width and height change (not its box)."""

    def scaled(match: re.Match[bytes]) -> bytes:
        width, height = (float(g) * scale for g in match.groups())
        return f'<svg width="{width:.2f}pt" height="{height:.2f}pt"'.encode()

    return _SVG_SIZE.sub(scaled, svg, count=1)


def _png_width(png: bytes, dpi: float) -> float | None:
    """The width of a PNG in points, from its header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return None
    (pixels,) = struct.unpack(">I", png[16:20])
    return float(pixels) * 72.0 / dpi


_LEFT_TO_RIGHT = re.compile(r'\brankdir="?LR"?')


def _laid_out(source: str, fit: Fit | None, timeout: float | None) -> tuple[str, bytes | None]:
    """The DOT text to render, turned top to bottom where ``fit`` says that shows it larger,
    and its SVG if one was rendered to decide (None if not)."""
    if fit is None or not fit.turn or not _LEFT_TO_RIGHT.search(source):
        return source, None
    svg = _run_renderer(source, "svg", timeout=timeout)
    width = _svg_width(svg)
    if width is None or (fit.fits(width) and fit.scale(width) >= fit.turn_below):
        return source, svg
    # the graph attributes come first in the text, before any label a user typed
    turned = _LEFT_TO_RIGHT.sub("rankdir=TB", source, count=1)
    turned_svg = _run_renderer(turned, "svg", timeout=timeout)
    turned_width = _svg_width(turned_svg)
    if turned_width is None:
        return source, svg
    # better: fitting the page first, then shown larger, then narrower
    ranks = [(fit.fits(w), fit.scale(w), -w) for w in (width, turned_width)]
    return (turned, turned_svg) if ranks[1] > ranks[0] else (source, svg)


def _render(
    source: str,
    format: str,
    fit: Fit | None,
    *,
    dpi: float | None = None,
    timeout: float | None = None,
    quiet: bool = True,
) -> bytes:
    """Render ``source`` laid out and scaled down as ``fit`` says; ``dpi`` for raster formats."""
    raster = format in _RASTER_FORMATS
    settings: tuple[str, ...] = (f"-Gdpi={dpi:g}",) if dpi is not None and raster else ()
    source, svg = _laid_out(source, fit, timeout)
    if format == "svg" and svg is not None and quiet:
        data = svg
    else:
        data = _run_renderer(source, format, quiet=quiet, settings=settings, timeout=timeout)
    if fit is None:
        return data
    if format == "svg":
        width = _svg_width(data)
        scale = 1.0 if width is None else fit.scale(width)
        return data if scale == 1.0 else _scale_svg(data, scale)
    if format == "png":
        width = _png_width(data, dpi or 96.0)
    else:  # measure the layout as SVG
        width = _svg_width(svg or _run_renderer(source, "svg", timeout=timeout))
    if width is None or fit.scale(width) == 1.0:
        return data
    inches = width * fit.scale(width) / 72.0
    settings += (f"-Gsize={inches:.3f},1000",)
    return _run_renderer(source, format, quiet=quiet, settings=settings, timeout=timeout)


def _source_of(drawing: Any) -> str:
    if isinstance(drawing, str):
        return drawing
    source = getattr(drawing, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"expected a drawing (from draw_dot) or DOT text, got {describe(drawing)}")
    return source


def _check_dpi(dpi: Any) -> float | None:
    if dpi is None:
        return None
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not 0 < dpi <= 2400:
        raise ValueError(
            f"dpi should be a number from 1 to 2400 (300 for print), got {describe(dpi)}"
        )
    return float(dpi)


def render_drawing(
    drawing: Any,
    format: str = "svg",
    *,
    dpi: float | None = None,
    timeout: float | None = None,
    quiet: bool = True,
) -> bytes:
    """The image of a drawing as bytes (SVG text encoded as UTF-8, or PNG, JPEG ...).

    A drawing from :func:`~autograd_engine.draw_dot` is laid out and scaled down to fit a page
    (see :class:`Fit`); DOT text is rendered as it is.

    Args:
        drawing: a drawing from ``draw_dot`` (or any ``graphviz`` graph), or DOT text.
        format: the renderer's output format: ``"svg"``, ``"png"``, ``"jpeg"`` ...
        dpi: dots per inch of a PNG or JPEG (96 by default; 300 for print).
        timeout: seconds to allow (:data:`RENDER_TIMEOUT` by default).
        quiet: False prints the renderer's warnings.

    Raises:
        RendererNotFoundError: neither ``dot`` nor ``graphviz-pure`` is installed.
        RenderError: the renderer failed (an unknown format, say) or took longer than
            ``timeout``; the message says why and what to do.
    """
    source = _source_of(drawing)
    fit = getattr(drawing, "fit", None)
    return _render(
        source,
        format,
        fit if isinstance(fit, Fit) else None,
        dpi=_check_dpi(dpi),
        timeout=timeout,
        quiet=quiet,
    )


_SUFFIX_FORMATS = {"svg": "svg", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "pdf": "pdf"}
_SOURCE_SUFFIXES = ("gv", "dot")


def _pdf_advice(path: Path) -> ValueError:
    return ValueError(
        f"cannot write {str(path)!r}: PDF needs a system Graphviz (`dot` with cairo), and the "
        "renderer here is graphviz-pure, which has no PDF output. For print and LaTeX, save a "
        f"vector SVG, save_graph(g, {str(path.with_suffix('.svg'))!r}) (convert it with "
        "`rsvg-convert -f pdf` or Inkscape if you need a PDF), or a 300 dpi PNG, "
        f"save_graph(g, {str(path.with_suffix('.png'))!r}, dpi=300)"
    )


def save_drawing(
    drawing: Any,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    dpi: float | None = None,
    timeout: float | None = None,
) -> Path:
    """Save a drawing (or DOT text) as an image, the format taken from the file name.

    ``format`` names another format the renderer knows (``"gif"``); the suffix must match it.

    The image is rendered first and then written in one step (:func:`~autograd_engine.files.
    write_atomically`): if rendering fails, nothing is created and an old file stays as it was.
    See :func:`~autograd_engine.save_graph`, which also takes a Value, for the formats.
    """
    if format is None:
        suffixes: tuple[str, ...] = (*_SUFFIX_FORMATS, *_SOURCE_SUFFIXES)
    else:  # another renderer format (gif, bmp ...): the suffix must say the same
        suffixes = tuple(s for s, f in _SUFFIX_FORMATS.items() if f == format) or (format,)
    target = output_path(path, suffixes, f"a drawing as {format}" if format else "a drawing")
    suffix = target.suffix.lower().lstrip(".")
    source = _source_of(drawing)
    if suffix in _SOURCE_SUFFIXES:
        return write_atomically(target, source)
    kind = format or _SUFFIX_FORMATS[suffix]
    if kind == "pdf":
        program = find_renderer()
        if program is None or _is_graphviz_pure(program):
            raise _pdf_advice(target)
    return write_atomically(target, render_drawing(drawing, kind, dpi=dpi, timeout=timeout))


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            'draw_dot needs the graphviz Python package: pip install "autograd_engine[viz]" '
            "(or pip install graphviz graphviz-pure)"
        ) from None
    return graphviz


@cache
def drawing_class() -> type[Any]:
    """``GraphDrawing``: a ``graphviz.Digraph`` rendered by :func:`find_renderer`'s program.

    Made on first use, so importing autograd_engine does not import graphviz.
    """
    digraph: Any = _import_graphviz().Digraph

    class GraphDrawing(digraph):  # type: ignore[misc]
        """A ``graphviz.Digraph`` that renders with the system ``dot`` or with ``graphviz-pure``.

        Everything else is ``graphviz.Digraph``: ``.source``, ``.save()``, inline display in
        Jupyter (which calls ``.pipe()``), ``.render()`` and ``.view()``. Files are written
        atomically (:func:`~autograd_engine.files.write_atomically`).
        """

        #: How the drawing is fitted to a page when rendered; None leaves it as laid out.
        fit: Fit | None = None

        def pipe(
            self,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = True,
            *,
            engine: str | None = None,
            encoding: str | None = None,
        ) -> bytes | str:
            """The rendered graph as bytes, or as str if ``encoding`` is given.

            Fitted to a page by ``self.fit`` (see :class:`Fit`) unless a renderer,
            formatter or engine other than the defaults is asked for.
            """
            fmt = format or self.format
            if renderer or formatter or neato_no_op or (engine or self.engine) != "dot":
                data = _run_renderer(
                    self.source,
                    fmt,
                    engine=engine or self.engine,
                    renderer=renderer or self.renderer,
                    formatter=formatter or self.formatter,
                    neato_no_op=neato_no_op,
                    quiet=quiet,
                    encoding=self.encoding,
                )
            else:
                data = _render(self.source, fmt, self.fit, quiet=quiet)
            return data.decode(encoding) if encoding else data

        def save(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            *,
            skip_existing: bool | None = False,
        ) -> str:
            """Write the DOT text to ``filename`` in ``directory``, atomically; return its path."""
            if filename is not None:
                self.filename = os.fspath(filename)
            if directory is not None:
                self.directory = os.fspath(directory)
            target = output_path(self.filepath)
            if not (skip_existing and target.exists()):
                write_atomically(target, self.source)
            return str(target)

        def render(
            self,
            filename: str | os.PathLike[str] | None = None,
            directory: str | os.PathLike[str] | None = None,
            view: bool = False,
            cleanup: bool = False,
            format: str | None = None,
            renderer: str | None = None,
            formatter: str | None = None,
            neato_no_op: bool | int | None = None,
            quiet: bool = True,
            quiet_view: bool = False,
            *,
            outfile: str | os.PathLike[str] | None = None,
            engine: str | None = None,
            raise_if_result_exists: bool = False,
            overwrite_source: bool = False,
        ) -> str:
            """Save the DOT text to ``filename`` and the image next to it (as graphviz does).

            With ``outfile`` the image goes there, in the format its suffix names.
            Returns the image's path.
            """
            out = output_path(outfile) if outfile is not None else None
            if out is not None:
                suffix = out.suffix.lower().lstrip(".")
                format = format or _SUFFIX_FORMATS.get(suffix) or suffix or None
                if directory is None:
                    out = Path(self.directory, out)
                if filename is None:
                    filename = out.with_suffix(".gv")
            format = format or self.format
            source_path = Path(self.save(filename, directory=directory))
            if out is None:
                out = Path(f"{source_path}.{format}")
            if out.resolve() == source_path.resolve() and not overwrite_source:
                raise ValueError(f"outfile {str(out)!r} would overwrite the DOT source file")
            if raise_if_result_exists and out.exists():
                raise FileExistsError(f"output file exists: {str(out)!r}")
            data = self.pipe(format, renderer, formatter, neato_no_op, quiet, engine=engine)
            write_atomically(out, data)
            if cleanup:
                source_path.unlink()
            if view or quiet_view:
                self._view(str(out), format=format, quiet=quiet_view)
            return str(out)

        def copy(self) -> Any:
            """A copy of the drawing, scaled to fit as the original is."""
            duplicate = super().copy()
            duplicate.fit = self.fit
            return duplicate

        def __repr__(self) -> str:
            # stable text (no memory address), so saved notebooks do not change between runs
            nodes = sum(" -> " not in line and "[" in line for line in self.body)
            return f"<GraphDrawing: {nodes} nodes; show it in Jupyter, or save_graph(g, 'g.svg')>"

    GraphDrawing.__module__ = __name__
    GraphDrawing.__qualname__ = "GraphDrawing"
    return GraphDrawing


def __getattr__(name: str) -> Any:
    """``autograd_engine.viz.render.GraphDrawing``, made on first use (it needs graphviz)."""
    if name == "GraphDrawing":
        return drawing_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
