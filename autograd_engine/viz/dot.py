"""Drawing the computation graph below a Value: :func:`draw_dot`, and saving or rendering it.

:func:`draw_dot` (also called :func:`draw_graph`) turns the graph below a ``Value`` into a
``graphviz.Digraph``, node by node (the node code is in :mod:`autograd_engine.viz.nodes`), or
with ``model=...`` one box per neuron (:mod:`autograd_engine.viz.grouped`). :func:`save_graph`
and :func:`render_graph` take a Value too and draw it first; turning DOT text into SVG or PNG is
:mod:`autograd_engine.viz.render`'s job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import describe
from ..graph import topological_order
from ..value import Value
from .grouped import grouped_lines
from .nodes import (
    GRAD_RANGE,
    NumberFormat,
    Style,
    any_grad_set,
    check_options,
    legend_label,
    make_digraph,
    static_look,
    too_big,
    value_node_lines,
)
from .render import render_drawing, save_drawing

__all__ = ["draw_dot", "draw_graph", "render_graph", "save_graph"]


def _check_root(root: Any, who: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(
            f"{who} expects a Value (the root of the graph to draw), got {describe(root)}"
        )


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "auto",
    *,
    number_format: NumberFormat = None,
    show_grads: bool = True,
    grads_computed: bool | None = None,
    color_grads: bool = False,
    grad_range: tuple[float, float] = GRAD_RANGE,
    max_nodes: int = 500,
    model: Any = None,
    group_by: str = "neuron",
    detail_limit: int = 30,
) -> Any:
    """Draw the computation graph below ``root`` as a ``graphviz.Digraph``.

    Each value is a card with its label, ``data`` and ``grad`` stacked; each operation is an
    oval with its symbol, between its inputs and its result. A value used twice by one op
    (``a * a``) has two edges into it, one per use. Nodes are named by their position in
    :func:`autograd_engine.topological_order`, so the same graph always gives the same DOT text.

    In Jupyter the drawing shows itself; ``.source`` is the DOT text (no renderer needed);
    ``.render()``, ``.pipe()`` and :func:`save_graph` make SVG or PNG with the system Graphviz
    ``dot`` if there is one and with the ``graphviz-pure`` program otherwise. A drawing wider
    than a page (820 px: a notebook column, GitHub's README column) is laid out top to bottom
    if that fits better (a long chain reads better down the page), and shown scaled down, never
    below a readable text size (see :class:`~autograd_engine.viz.render.Fit`).

    Args:
        root: the Value whose graph to draw.
        format: the image format of ``.render()`` and ``.pipe()`` (``"svg"`` or ``"png"``).
        rankdir: ``"LR"``, left to right (inputs on the left), ``"TB"``, top to bottom, or
            ``"auto"`` (the default): left to right, turned top to bottom when rendered if
            left to right would have to be shrunk below 70% to fit a page and top to bottom
            shows it larger. ``.source`` is written left to right either way.
        number_format: a format spec for data and grads (``".4f"``, ``".3g"``), or a function
            from a float to a str, used for every number of the drawing. By default four
            significant digits, scientific only below 0.0001 or from 10,000 up (see
            :func:`~autograd_engine.viz.readable_number`).
        show_grads: False draws data only.
        grads_computed: whether to show grads as numbers. By default (None) they are shown once
            any node of the graph has a nonzero grad, and as "not computed yet" while every
            grad is exactly 0 (before ``backward()``, or after ``zero_grad()``).
        color_grads: colour each value by its gradient: red positive, blue negative, deeper for
            a larger ``|grad|`` on a log scale (see :func:`grad_color`). A legend is drawn too.
        grad_range: the magnitudes drawn palest (vanishing) and deepest (exploding).
        max_nodes: the most values to draw one by one; a larger graph raises ``ValueError``
            suggesting the grouped view.
        model: an nn model (``MLP``, ``Layer``, ``Neuron``) or a dict of name -> parameters.
            Draws the grouped view: each neuron is one box with its parameters summarised
            (count, ``|w|`` range, bias, grad norm) and its outputs; layers are clusters.
        group_by: in the grouped view, ``"neuron"`` (one box per neuron) or ``"layer"``.
        detail_limit: in the grouped view, the nodes outside the boxes (inputs, loss) are
            drawn one by one if there are at most this many, and summarised otherwise.

    Returns:
        A ``graphviz.Digraph`` (subclass) whose rendering works without a system Graphviz.

    Raises:
        TypeError: ``root`` is not a Value, or ``model`` has no ``parameters()``.
        ValueError: an option is invalid, or the graph has more than ``max_nodes`` values.
        ImportError: the ``graphviz`` Python package is missing (``pip install graphviz``).

    Example:
        >>> from autograd_engine import Value
        >>> a = Value(2.0, label="a")
        >>> dot = draw_dot(a * a)
        >>> dot.source.count("n0 -> n1_op")    # a is used twice
        2
    """
    _check_root(root, "draw_dot")
    check_options(rankdir, number_format, grad_range, max_nodes, group_by)
    low, high = grad_range
    style = Style(rankdir, number_format, show_grads, color_grads, (float(low), float(high)))
    order = topological_order(root)
    computed = any_grad_set(order) if grads_computed is None else bool(grads_computed)
    if model is not None:
        lines = grouped_lines(order, model, style, computed, group_by, detail_limit, max_nodes)
    else:
        if len(order) > max_nodes:
            raise too_big(len(order), max_nodes)
        look = static_look(style, computed)
        index = {node: i for i, node in enumerate(order)}
        lines = [
            line for node in order for line in value_node_lines(index, node, style, look(node))
        ]
    if color_grads and computed and show_grads:
        legend = legend_label(style.grad_range, grouped=model is not None)
        return make_digraph(lines, rankdir, format, legend=legend)
    return make_digraph(lines, rankdir, format)


#: A clearer name for :func:`draw_dot` (micrograd's name).
draw_graph = draw_dot


def _as_drawing(graph: Any) -> Any:
    """A Value drawn with the default options; a drawing or DOT text as it is."""
    if isinstance(graph, Value):
        return draw_dot(graph)
    if isinstance(graph, str) or isinstance(getattr(graph, "source", None), str):
        return graph
    raise TypeError(
        f"expected a drawing (from draw_dot), a Value to draw, or DOT text, got {describe(graph)}"
    )


def render_graph(
    graph: Any,
    format: str = "svg",
    *,
    dpi: float | None = None,
    timeout: float | None = None,
    quiet: bool = True,
) -> bytes:
    """The image of a graph as bytes (SVG text encoded as UTF-8, or PNG, JPEG ...).

    Args:
        graph: a drawing from :func:`draw_dot` (or any ``graphviz`` graph), a Value (drawn with
            the default options) or DOT text.
        format: the renderer's output format: ``"svg"``, ``"png"``, ``"jpeg"`` ...
        dpi: dots per inch of a PNG or JPEG (96 by default; 300 for print).
        timeout: seconds to allow before giving up with a RenderError (60 by default).
        quiet: False prints the renderer's warnings.

    Raises:
        RendererNotFoundError: neither ``dot`` nor ``graphviz-pure`` is installed.
        RenderError: the renderer failed (an unknown format, say) or took too long; the message
            says why and what to do.
    """
    return render_drawing(_as_drawing(graph), format, dpi=dpi, timeout=timeout, quiet=quiet)


def save_graph(
    graph: Any,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    dpi: float | None = None,
    timeout: float | None = None,
) -> Path:
    """Save a graph as an image, with the format taken from the file name.

    ``.svg`` (vector: sharp at any size, the best for slides and the web), ``.png`` and ``.jpg``
    render the graph; ``.gv`` or ``.dot`` write the DOT text, which needs no renderer. ``~`` is
    expanded and parent folders are created. The image is rendered before anything is written,
    and written in one step: if rendering fails nothing is created, and an old file stays as it
    was. A drawing wider than a notebook column is scaled down (never below a readable text
    size); a PNG has 96 dots per inch unless ``dpi`` says otherwise: ``dpi=300`` for print.

    ``.pdf`` needs a system Graphviz (``dot``); with graphviz-pure, the error says how to get
    a print-quality SVG or PNG instead.

    Args:
        graph: a drawing from :func:`draw_dot`, a Value (drawn with the default options) or DOT
            text.
        path: where to write.
        format: the renderer's format, to override the one the suffix implies.
        dpi: dots per inch of a PNG or JPEG (96 by default; 300 for print).
        timeout: seconds to allow before giving up with a RenderError (60 by default).

    Returns:
        The path written.

    Raises:
        ValueError: the suffix is not one of the formats above (``.pdf`` without a system
            Graphviz included), or ``dpi`` is not a positive number.
        RenderError: the renderer failed or took longer than ``timeout``.

    Example:
        >>> from autograd_engine import Value
        >>> save_graph(Value(1.0) * 2, "graph.svg")   # doctest: +SKIP
        PosixPath('graph.svg')
        >>> save_graph(Value(1.0) * 2, "slides/graph.png", dpi=300)   # doctest: +SKIP
        PosixPath('slides/graph.png')
    """
    drawing = _as_drawing(graph)
    return save_drawing(drawing, path, format=format, dpi=dpi, timeout=timeout)
