"""Rendering DOT text to images (SVG, PNG, JPEG ...) with or without a system Graphviz.

It owns finding the program (the system ``dot``, else ``graphviz-pure`` from pip, on ``PATH`` or
next to the running Python), running it, the errors that say what to install, and
``GraphDrawing``: the ``graphviz.Digraph`` subclass, made on first use, whose ``pipe()`` and
``render()`` go through that program.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import describe
from ..value import Value

__all__ = [
    "RenderError",
    "RendererNotFoundError",
    "find_renderer",
    "render_graph",
    "save_graph",
]

_INSTALL_HINT = 'pip install graphviz-pure (or pip install "autograd_engine[viz]")'


class RendererNotFoundError(RuntimeError):
    """No program to turn DOT text into an image was found (see :func:`find_renderer`)."""


class RenderError(RuntimeError):
    """The renderer ran but failed; the message carries what it printed."""


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
) -> bytes:
    """Pipe DOT ``source`` through the renderer and return the image bytes."""
    program = find_renderer()
    if program is None:
        raise _missing_renderer()
    output_format = ":".join(f for f in (format, renderer, formatter) if f)
    cmd = [program, f"-K{engine}", f"-T{output_format}"]
    if neato_no_op:
        cmd.append(f"-n{int(neato_no_op)}")
    proc = subprocess.run(cmd, input=source.encode(encoding), capture_output=True, check=False)
    stderr = proc.stderr.decode(encoding, errors="replace").strip()
    if proc.returncode != 0:
        raise RenderError(
            f"{Path(program).name} could not render the graph as {output_format!r} "
            f"(exit status {proc.returncode}): {stderr or 'no message'}"
        )
    if stderr and not quiet:
        print(stderr, file=sys.stderr)
    return proc.stdout


def _source_of(graph: Any) -> str:
    if isinstance(graph, Value):
        from .dot import draw_dot  # imported here: viz imports this module

        return str(draw_dot(graph).source)
    if isinstance(graph, str):
        return graph
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            "expected a drawing (from draw_dot), a Value to draw, or DOT text, "
            f"got {describe(graph)}"
        )
    return source


def render_graph(graph: Any, format: str = "svg", *, quiet: bool = True) -> bytes:
    """The image of a graph as bytes (SVG text encoded as UTF-8, or PNG, JPEG ...).

    Args:
        graph: a drawing from :func:`draw_dot` (or any ``graphviz`` graph), a Value (drawn with
            the default options) or DOT text.
        format: the renderer's output format: ``"svg"``, ``"png"``, ``"jpeg"`` ...
        quiet: False prints the renderer's warnings.

    Raises:
        RendererNotFoundError: neither ``dot`` nor ``graphviz-pure`` is installed.
        RenderError: the renderer failed (an unknown format, say); the message says why.
    """
    return _run_renderer(_source_of(graph), format, quiet=quiet)


_SUFFIX_FORMATS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
_SOURCE_SUFFIXES = (".gv", ".dot")


def _format_for(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _SUFFIX_FORMATS:
        return _SUFFIX_FORMATS[suffix]
    if suffix in _SOURCE_SUFFIXES:
        return "dot source"
    known = ", ".join([*_SUFFIX_FORMATS, *_SOURCE_SUFFIXES])
    raise ValueError(
        f"cannot tell the image format from the file name {str(path)!r}: use one of the "
        f"suffixes {known}, or pass format='png' (or 'svg')"
    )


def save_graph(graph: Any, path: str | os.PathLike[str], *, format: str | None = None) -> Path:
    """Save a graph as an image, with the format taken from the file name.

    ``.svg``, ``.png``, ``.jpg`` render the graph; ``.gv`` or ``.dot`` write the DOT text, which
    needs no renderer. Parent directories are created.

    Args:
        graph: a drawing from :func:`draw_dot`, a Value (drawn with the default options) or DOT
            text.
        path: where to write.
        format: the renderer's format, to override the one the suffix implies.

    Returns:
        The path written.

    Example:
        >>> from autograd_engine import Value
        >>> save_graph(Value(1.0) * 2, "graph.svg")   # doctest: +SKIP
        PosixPath('graph.svg')
    """
    path = Path(path)
    source = _source_of(graph)
    kind = format or _format_for(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dot source":
        path.write_text(source, encoding="utf-8")
    else:
        path.write_bytes(_run_renderer(source, kind))
    return path


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
def _drawing_class() -> type[Any]:
    """``GraphDrawing``: a ``graphviz.Digraph`` rendered by :func:`find_renderer`'s program.

    Made on first use, so importing autograd_engine does not import graphviz.
    """
    digraph: Any = _import_graphviz().Digraph

    class GraphDrawing(digraph):  # type: ignore[misc]
        """A ``graphviz.Digraph`` that renders with the system ``dot`` or with ``graphviz-pure``.

        Everything else is ``graphviz.Digraph``: ``.source``, ``.save()``, inline display in
        Jupyter (which calls ``.pipe()``), ``.render()`` and ``.view()``.
        """

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
            """The rendered graph as bytes, or as str if ``encoding`` is given."""
            data = _run_renderer(
                self.source,
                format or self.format,
                engine=engine or self.engine,
                renderer=renderer or self.renderer,
                formatter=formatter or self.formatter,
                neato_no_op=neato_no_op,
                quiet=quiet,
                encoding=self.encoding,
            )
            return data.decode(encoding) if encoding else data

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
            out = Path(outfile) if outfile is not None else None
            if out is not None:
                format = format or _format_for(out)
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
            out.write_bytes(data if isinstance(data, bytes) else data.encode())
            if cleanup:
                source_path.unlink()
            if view or quiet_view:
                self._view(str(out), format=format, quiet=quiet_view)
            return str(out)

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
        return _drawing_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
