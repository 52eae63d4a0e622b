"""Drawing computation graphs as DOT text: labels and escaping, gradient colours, the nodes.

:func:`draw_dot` (also called :func:`draw_graph`) turns the graph below a ``Value`` into a
``graphviz.Digraph``, node by node, or with ``model=...`` one box per neuron (the grouped view,
in :mod:`autograd_engine.viz.grouped`). Turning a drawing into SVG or PNG is the job of
:mod:`autograd_engine.viz.render`, whose :func:`save_graph` and :func:`render_graph` are importable
from here too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import describe
from ..graph import topological_order
from ..value import Value, float_of
from .render import (
    RendererNotFoundError,
    RenderError,
    _drawing_class,
    find_renderer,
    render_graph,
    save_graph,
)

__all__ = [
    "RenderError",
    "RendererNotFoundError",
    "draw_dot",
    "draw_graph",
    "find_renderer",
    "grad_color",
    "html_text",
    "readable_number",
    "render_graph",
    "save_graph",
]

#: A format spec for numbers (``".4f"``), a function from a float to its text, or None for
#: :func:`readable_number`.
NumberFormat = str | Callable[[float], str] | None

FONT = "Helvetica"
HIGHLIGHT = "#ffd84d"  # the node being processed in a step-through frame
UPDATED = "#c7e9c0"  # grads that changed in the current step
_RED, _BLUE, _PURPLE = (214, 96, 77), (67, 147, 195), (128, 115, 172)
#: The gradient magnitudes drawn palest (vanishing) and deepest (exploding) unless told otherwise.
GRAD_RANGE: tuple[float, float] = (1e-6, 1e2)


# ------------------------------------------------------------------------------------------------
# Text: whatever a user types is shown as text
# ------------------------------------------------------------------------------------------------

# Graphviz reads backslash escapes even in HTML-like labels (\N is the node's name, \\ one
# backslash), so every backslash shown is written as two.
_ESCAPES: dict[int, str] = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord('"'): "&quot;",
    ord("'"): "&#39;",
    ord("\\"): "\\\\",
    ord("\n"): "<BR/>",
    ord("\t"): "\\\\t",
    0x7F: "\\\\x7f",
}
_ESCAPES.update({c: f"\\\\x{c:02x}" for c in range(0x20) if c not in (ord("\n"), ord("\t"))})
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # lone surrogates, non-characters


def html_text(text: str) -> str:
    r"""``text`` escaped for a Graphviz HTML-like label, so it shows exactly as typed.

    ``& < > " '`` become entities, a newline (``\n``, ``\r\n`` or ``\r``) becomes a line break,
    a backslash is doubled (Graphviz would read ``\N`` as the node's name), and characters that
    XML (and so SVG) cannot hold, such as control characters and lone surrogates, are shown as
    their Python escape (``\x07``, ``\t``, ``\ud800``). Nothing in the text can change the
    structure of the graph.

    Example:
        >>> html_text('a<b> & "c"\nd')
        'a&lt;b&gt; &amp; &quot;c&quot;<BR/>d'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_ESCAPES)
    return _NOT_XML.sub(lambda m: "\\" + m.group().encode("unicode_escape").decode("ascii"), text)


def readable_number(x: float) -> str:
    """Four decimals, as micrograd shows numbers, unless that would hide the number.

    A nonzero number that four decimals would show as 0 (a vanishing gradient), and a number of a
    million or more, are written in scientific notation instead.

    Example:
        >>> readable_number(-2.0), readable_number(6.1e-08), readable_number(0.0)
        ('-2.0000', '6.100e-08', '0.0000')
    """
    text = f"{x:.4f}"
    if x != 0.0 and (abs(x) >= 1e6 or text in ("0.0000", "-0.0000")):
        return f"{x:.3e}"
    return text


def _number_text(x: float, number_format: NumberFormat) -> str:
    if number_format is None:
        return readable_number(x)
    return number_format(x) if callable(number_format) else format(x, number_format)


# ------------------------------------------------------------------------------------------------
# Gradient colours: sign by hue, size by depth on a log scale
# ------------------------------------------------------------------------------------------------


def _depth(magnitude: float, grad_range: tuple[float, float]) -> float:
    """Where ``magnitude`` sits between the ends of ``grad_range`` on a log scale, in [0, 1]."""
    low, high = (math.log10(x) for x in grad_range)
    return min(1.0, max(0.0, (math.log10(magnitude) - low) / (high - low)))


def _mix(rgb: tuple[int, int, int], depth: float) -> str:
    """A colour between white (depth 0) and ``rgb`` (depth 1); any nonzero depth is tinted."""
    t = 0.12 + 0.88 * depth
    r, g, b = (round(255 + (c - 255) * t) for c in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def grad_color(grad: float, grad_range: tuple[float, float] = GRAD_RANGE) -> str:
    """The fill colour of a value node with gradient ``grad``, as ``"#rrggbb"``.

    Red for a positive gradient, blue for a negative one, white for exactly 0. The depth of the
    colour grows with ``log10(|grad|)``: ``|grad|`` at or below ``grad_range[0]`` (a vanishing
    gradient) is the palest tint, at or above ``grad_range[1]`` (an exploding one) the full colour.

    Example:
        >>> grad_color(0.0), grad_color(1e2), grad_color(-1e2)
        ('#ffffff', '#d6604d', '#4393c3')
    """
    if grad == 0.0:
        return "#ffffff"
    return _mix(_RED if grad > 0 else _BLUE, _depth(abs(grad), grad_range))


def _norm_color(norm: float, grad_range: tuple[float, float]) -> str:
    """The fill colour of a box in the grouped view: purple, deeper for a larger grad norm."""
    return "#ffffff" if norm == 0.0 else _mix(_PURPLE, _depth(norm, grad_range))


def _legend_lines(grad_range: tuple[float, float], grouped: bool) -> list[str]:
    """A legend node: one swatch per decade of ``grad_range``, negative to positive."""
    low, high = (round(math.log10(x)) for x in grad_range)
    step = max(1, (high - low) // 4)
    decades = list(range(low, high + 1, step))
    if grouped:
        cells = [(f"1e{d:+d}", _norm_color(10.0**d, grad_range)) for d in decades]
        title = "box colour: norm of the parameters' grads"
    else:
        cells = [(f"-1e{d:+d}", grad_color(-(10.0**d), grad_range)) for d in reversed(decades)]
        cells.append(("0", "#ffffff"))
        cells += [(f"+1e{d:+d}", grad_color(10.0**d, grad_range)) for d in decades]
        title = "node colour: grad (red positive, blue negative, pale = vanishing)"
    swatches = "".join(f'<TD BGCOLOR="{color}">{text}</TD>' for text, color in cells)
    label = (
        '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
        f'<TR><TD COLSPAN="{len(cells)}" BORDER="0">{html_text(title)}</TD></TR>'
        f"<TR>{swatches}</TR></TABLE>"
    )
    return [f"\tlegend [label=<{label}> shape=plain fontsize=9]\n"]


# ------------------------------------------------------------------------------------------------
# Value nodes and op nodes
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    """The drawing options that every node shares."""

    rankdir: str
    number_format: NumberFormat
    show_grads: bool
    color_grads: bool
    grad_range: tuple[float, float]

    def number(self, x: float) -> str:
        return html_text(_number_text(x, self.number_format))


@dataclass(frozen=True)
class _Look:
    """How one value node is drawn: its grad cell and highlights."""

    grad_text: str | None  # HTML for the grad cell; None draws no grad cell
    grad: float | None = None  # the grad to colour the node by, if any
    current: bool = False  # the node a step-through frame is processing
    updated: bool = False  # its grad changed in the current step
    grad_width: int | None = None  # a fixed width for the grad cell, so frames keep their layout


def _grad_float(node: Value) -> float:
    """The grad as a float (after ``backward(create_graph=True)`` it is a Value: its data)."""
    return float_of(node.grad)


def _value_label(node: Value, style: _Style, look: _Look) -> str:
    """The HTML table of a value node: label, data and grad."""
    cells = []
    if node.label:
        cells.append(f"<TD><B>{html_text(node.label)}</B></TD>")
    cells.append(f"<TD>data {style.number(node.data)}</TD>")
    if look.grad_text is not None:
        attrs = f' BGCOLOR="{UPDATED}"' if look.updated else ""
        attrs += f' WIDTH="{look.grad_width}"' if look.grad_width else ""
        cells.append(f"<TD{attrs}>{look.grad_text}</TD>")
    if style.rankdir in ("TB", "BT"):
        rows = "".join(f"<TR>{cell}</TR>" for cell in cells)
    else:
        rows = f"<TR>{''.join(cells)}</TR>"
    border = 'BORDER="3" COLOR="#b8860b"' if look.current else 'BORDER="0"'
    table = f'{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="4"'
    if look.current:
        table += f' BGCOLOR="{HIGHLIGHT}"'
    elif style.color_grads and look.grad is not None:
        table += f' BGCOLOR="{grad_color(look.grad, style.grad_range)}"'
    return f"<TABLE {table}>{rows}</TABLE>"


def _node_lines(name: str, node: Value, style: _Style, look: _Look) -> list[str]:
    """The value node ``name``, and for a computed value its op node ``name_op`` feeding it."""
    lines = [f"\t{name} [label=<{_value_label(node, style, look)}> shape=plain]\n"]
    op = node._operation
    if op is not None:
        fill = f' style=filled fillcolor="{HIGHLIGHT}"' if look.current else ""
        lines.append(f"\t{name}_op [label=<{html_text(op.label())}> shape=ellipse{fill}]\n")
        lines.append(f"\t{name}_op -> {name}\n")
    return lines


def _value_node_lines(
    index: dict[Value, int], node: Value, style: _Style, look: _Look
) -> list[str]:
    """The value node, its op node and the edges into them (one edge per use of a parent)."""
    i = index[node]
    lines = _node_lines(f"n{i}", node, style, look)
    flow = ' [color="#b8860b" penwidth=2.5]' if look.current else ""
    lines += [f"\tn{index[parent]} -> n{i}_op{flow}\n" for parent in node._prev]
    return lines


def _grads_computed(order: Sequence[Value]) -> bool:
    """The rule for "not computed yet": no node of the graph has a nonzero grad."""
    return any(_grad_float(node) != 0.0 for node in order)


def _static_look(style: _Style, computed: bool) -> Callable[[Value], _Look]:
    """Each node as it stands now: its grad, or "not computed yet" before any backward pass."""
    if not style.show_grads:
        return lambda node: _Look(None)
    if not computed:
        blank = _Look("grad <I>not computed yet</I>")
        return lambda node: blank

    def look(node: Value) -> _Look:
        g = _grad_float(node)
        return _Look(f"grad {style.number(g)}", grad=g)

    return look


def _detailed_lines(
    order: Sequence[Value], style: _Style, look: Callable[[Value], _Look]
) -> list[str]:
    """Every node of ``order`` drawn as itself: the view micrograd users know."""
    index = {node: i for i, node in enumerate(order)}
    lines: list[str] = []
    for node in order:
        lines += _value_node_lines(index, node, style, look(node))
    return lines


# ------------------------------------------------------------------------------------------------
# draw_dot
# ------------------------------------------------------------------------------------------------


def _check_options(
    rankdir: str, number_format: Any, grad_range: Any, max_nodes: Any, group_by: str
) -> None:
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(
            f"draw_dot: rankdir should be 'LR' (left to right) or 'TB' (top to bottom), "
            f"got {describe(rankdir)}"
        )
    if number_format is not None and not callable(number_format):
        try:
            format(1.5, number_format)
        except (TypeError, ValueError):
            raise ValueError(
                f"draw_dot: number_format should be a format spec such as '.4f' or '.3g', or a "
                f"function from a float to a str, got {describe(number_format)}"
            ) from None
    if (
        not isinstance(grad_range, tuple)
        or len(grad_range) != 2
        or not all(isinstance(x, (int, float)) and x > 0 for x in grad_range)
        or not grad_range[0] < grad_range[1]
    ):
        raise ValueError(
            "draw_dot: grad_range should be (smallest, largest) positive magnitudes such as "
            f"(1e-6, 1e2), got {describe(grad_range)}"
        )
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"draw_dot: max_nodes should be a positive int, got {describe(max_nodes)}")
    if group_by not in ("neuron", "layer"):
        raise ValueError(
            f"draw_dot: group_by should be 'neuron' or 'layer', got {describe(group_by)}"
        )


def _too_big(count: int, max_nodes: int) -> ValueError:
    return ValueError(
        f"draw_dot: this graph has {count} values, more than max_nodes={max_nodes}, too many to "
        "read in one picture. For a network, draw the grouped view, one box per neuron: "
        f"draw_dot(loss, model=model). Or raise the limit: draw_dot(loss, max_nodes={count})"
    )


def _check_root(root: Any, who: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(
            f"{who} expects a Value (the root of the graph to draw), got {describe(root)}"
        )


def draw_dot(
    root: Value,
    format: str = "svg",
    rankdir: str = "LR",
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

    Each value is a box with its label, ``data`` and ``grad``; each operation is an oval with
    its symbol, between its inputs and its result. A value used twice by one op (``a * a``) has
    two edges into it, one per use. Nodes are named by their position in
    :func:`autograd_engine.topological_order`, so the same graph always gives the same DOT text.

    In Jupyter the drawing shows itself; ``.source`` is the DOT text (no renderer needed);
    ``.render()``, ``.pipe()`` and :func:`save_graph` make SVG or PNG with the system Graphviz
    ``dot`` if there is one and with the ``graphviz-pure`` program otherwise.

    Args:
        root: the Value whose graph to draw.
        format: the image format of ``.render()`` and ``.pipe()`` (``"svg"`` or ``"png"``).
        rankdir: ``"LR"``, left to right (inputs on the left), or ``"TB"``, top to bottom.
        number_format: a format spec for data and grads (``".4f"``, ``".3g"``), or a function
            from a float to a str. By default four decimals, but scientific notation for a
            nonzero number that four decimals would show as 0 (see :func:`readable_number`).
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
    _check_options(rankdir, number_format, grad_range, max_nodes, group_by)
    low, high = grad_range
    style = _Style(rankdir, number_format, show_grads, color_grads, (float(low), float(high)))
    order = topological_order(root)
    computed = _grads_computed(order) if grads_computed is None else bool(grads_computed)
    if model is not None:
        from .grouped import _grouped_lines  # imported here: it imports this module

        lines = _grouped_lines(order, model, style, computed, group_by, detail_limit, max_nodes)
    else:
        if len(order) > max_nodes:
            raise _too_big(len(order), max_nodes)
        lines = _detailed_lines(order, style, _static_look(style, computed))
    if color_grads and computed and show_grads:
        lines += _legend_lines(style.grad_range, grouped=model is not None)
    return _digraph(lines, rankdir, format)


#: A clearer name for :func:`draw_dot` (micrograd's name).
draw_graph = draw_dot


def _digraph(body: list[str], rankdir: str, format: str = "svg", caption: str = "") -> Any:
    """A drawing holding ``body`` (DOT lines), with the shared graph, node and edge settings."""
    graph_attr = {"rankdir": rankdir, "fontname": FONT, "fontsize": "11"}
    if caption:
        graph_attr.update(label=f"<{caption}>", labelloc="t", labeljust="l")
    return _drawing_class()(
        format=format,
        graph_attr=graph_attr,
        node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.05"},
        edge_attr={"arrowsize": "0.7"},
        body=body,
    )


def __getattr__(name: str) -> Any:
    """``autograd_engine.viz.dot.GraphDrawing``, made on first use (it needs graphviz)."""
    if name == "GraphDrawing":
        return _drawing_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
