"""What every drawing shares: the number rule, escaping, gradient colours and the value-node card.

:func:`draw_dot`, the grouped view and the backward step-through all draw their nodes, numbers
and captions with the code here, so one picture never mixes two ways of writing a number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import describe
from ..value import Value, float_of
from .render import FONT, Fit, drawing_class

__all__ = [
    "GRAD_RANGE",
    "HIGHLIGHT",
    "RENDERABLE_NODES",
    "SMALL_TEXT_SIZE",
    "TEXT_SIZE",
    "UPDATED",
    "NodeLook",
    "NumberFormat",
    "Style",
    "any_grad_set",
    "check_options",
    "grad_color",
    "grad_float",
    "html_text",
    "legend_label",
    "make_digraph",
    "node_lines",
    "norm_color",
    "number_text",
    "readable_number",
    "static_look",
    "text_width",
    "too_big",
    "value_node_lines",
]

#: A format spec for numbers (``".4f"``), a function from a float to its text, or None for
#: :func:`readable_number`.
NumberFormat = str | Callable[[float], str] | None

HIGHLIGHT = "#ffd84d"  # the node being processed in a step-through frame
UPDATED = "#c7e9c0"  # grads that changed in the current step
_RED, _BLUE, _PURPLE = (214, 96, 77), (67, 147, 195), (128, 115, 172)
#: The gradient magnitudes drawn palest (vanishing) and deepest (exploding) unless told otherwise.
GRAD_RANGE: tuple[float, float] = (1e-6, 1e2)
#: Font sizes in points: the text of nodes, and the smaller text of legends.
TEXT_SIZE, SMALL_TEXT_SIZE = 11, 10


# ------------------------------------------------------------------------------------------------
# Text: whatever a user types is shown as text; every number follows one rule
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
    """The one rule every drawing writes numbers by: four significant digits.

    Plain decimals from 0.0001 up to 9999; scientific notation only by magnitude, below or above
    that (a vanishing gradient stays visible instead of rounding to 0). Trailing zeros are
    dropped, and -0.0 is written as 0. The step-through's captions use the same rule, so a
    caption and a box never show one number two ways.

    Example:
        >>> readable_number(-2.0), readable_number(0.881373587), readable_number(-7.3729e-05)
        ('-2', '0.8814', '-7.373e-05')
        >>> readable_number(4.9152e-05), readable_number(12346.0), readable_number(-0.0)
        ('4.915e-05', '1.235e+04', '0')
    """
    return f"{x + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0


# Advance widths of DejaVu Sans (regular and oblique alike), in thousandths of an em, for the
# printable ASCII characters " " to "~", measured from the font file.
_DEJAVU_WIDTHS = (
    "318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 "
    "636 636 636 636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 "
    "557 863 748 787 603 787 695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 "
    "635 550 635 615 352 635 634 278 278 579 278 974 634 612 635 635 411 521 392 634 592 818 "
    "592 592 525 636 337 636 838"
)
_WIDTH_OF = {chr(32 + i): int(w) / 1000 for i, w in enumerate(_DEJAVU_WIDTHS.split())}


def text_width(text: str, size: float = 11.0) -> float:
    """How wide ``text`` is in points at font ``size``, set in DejaVu Sans (the drawings' font).

    Any character outside printable ASCII counts as a full em, which is at least its width in
    DejaVu Sans for Latin, Greek and CJK text: an upper bound, for sizes that must hold any text.

    Example:
        >>> round(text_width("grad -2"), 2), text_width("μ") == 11.0
        (39.7, True)
    """
    return sum(_WIDTH_OF.get(c, 1.0) for c in text) * size


def number_text(x: float, number_format: NumberFormat) -> str:
    """``x`` written by ``number_format``: a format spec, a function, or None for the default."""
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


def norm_color(norm: float, grad_range: tuple[float, float] = GRAD_RANGE) -> str:
    """The fill colour of a box in the grouped view: purple, deeper for a larger grad norm.

    Example:
        >>> norm_color(0.0), norm_color(1e2)
        ('#ffffff', '#8073ac')
    """
    return "#ffffff" if norm == 0.0 else _mix(_PURPLE, _depth(norm, grad_range))


def _swatch_row(title: str, cells: Sequence[tuple[str, str]]) -> str:
    swatches = "".join(f'<TD BGCOLOR="{color}">{text}</TD>' for text, color in cells)
    return (
        f'<TR><TD COLSPAN="{len(cells)}" BORDER="0" ALIGN="LEFT">{html_text(title)}</TD></TR>'
        f"<TR>{swatches}</TR>"
    )


def legend_label(grad_range: tuple[float, float], grouped: bool) -> str:
    """A legend, for the bottom of the drawing: one swatch per decade of ``grad_range``, for
    every colour the view uses.

    The node view colours values by grad (blue negative, white 0, red positive). The grouped
    view colours neuron boxes purple by the norm of their parameters' grads, and the values
    drawn outside the boxes (inputs, targets, the loss) red or blue by grad: its legend has
    both rows.
    """
    low, high = (round(math.log10(x)) for x in grad_range)
    step = max(1, (high - low) // 4)
    decades = list(range(low, high + 1, step))
    signed = [(f"-1e{d:+d}", grad_color(-(10.0**d), grad_range)) for d in reversed(decades)]
    signed.append(("0", "#ffffff"))
    signed += [(f"+1e{d:+d}", grad_color(10.0**d, grad_range)) for d in decades]
    rows = []
    if grouped:
        norms = [(f"1e{d:+d}", norm_color(10.0**d, grad_range)) for d in decades]
        rows.append(_swatch_row("neuron box colour: norm of its parameters' grads", norms))
        title = "value colour (inputs, loss): grad, red positive, blue negative"
    else:
        title = "node colour: grad (red positive, blue negative, pale = vanishing)"
    rows.append(_swatch_row(title, signed))
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
    return f'<FONT POINT-SIZE="{SMALL_TEXT_SIZE}">{table}{"".join(rows)}</TABLE></FONT>'


# ------------------------------------------------------------------------------------------------
# Value nodes and op nodes
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """The drawing options that every node of one drawing shares."""

    rankdir: str
    number_format: NumberFormat
    show_grads: bool
    color_grads: bool
    grad_range: tuple[float, float]

    def number(self, x: float) -> str:
        """``x`` as this drawing writes numbers, escaped for a label."""
        return html_text(number_text(x, self.number_format))


@dataclass(frozen=True)
class NodeLook:
    """How one value node is drawn: its grad cell and highlights."""

    grad_text: str | None  # HTML for the grad cell; None draws no grad cell
    grad: float | None = None  # the grad to colour the node by, if any
    current: bool = False  # the node a step-through frame is processing
    updated: bool = False  # its grad changed in the current step
    grad_width: int | None = None  # a fixed width for the grad cell, so frames keep their layout
    framed: bool = False  # always draw the highlight frame's room, so frames keep their layout


def grad_float(node: Value) -> float:
    """The grad as a float (after ``backward(create_graph=True)`` it is a Value: its data)."""
    return float_of(node.grad)


def _value_label(node: Value, style: Style, look: NodeLook) -> str:
    """The HTML table of a value node: a card of label, data and grad, one per row.

    Rows, not columns, in both directions: a card is about as narrow as its longest number,
    which keeps a graph of several ranks inside a page.
    """
    cells = []
    if node.label:
        cells.append(f"<TD><B>{html_text(node.label)}</B></TD>")
    cells.append(f'<TD ALIGN="LEFT">data {style.number(node.data)}</TD>')
    if look.grad_text is not None:
        attrs = ' ALIGN="LEFT"'
        attrs += f' BGCOLOR="{UPDATED}"' if look.updated else ""
        attrs += f' WIDTH="{look.grad_width}"' if look.grad_width else ""
        cells.append(f"<TD{attrs}>{look.grad_text}</TD>")
    if look.framed and not look.current:  # cells keep black borders inside a white frame
        cells = [cell.replace("<TD", '<TD COLOR="black"', 1) for cell in cells]
    rows = "".join(f"<TR>{cell}</TR>" for cell in cells)
    if look.current:
        border = 'BORDER="3" COLOR="#b8860b"'
    elif look.framed:  # the same room as the highlight, invisible, so nothing moves
        border = 'BORDER="3" COLOR="#ffffff"'
    else:
        border = 'BORDER="0"'
    table = f'{border} CELLBORDER="1" CELLSPACING="0" CELLPADDING="3"'
    if look.current:
        table += f' BGCOLOR="{HIGHLIGHT}"'
    elif style.color_grads and look.grad is not None:
        table += f' BGCOLOR="{grad_color(look.grad, style.grad_range)}"'
    return f"<TABLE {table}>{rows}</TABLE>"


def node_lines(name: str, node: Value, style: Style, look: NodeLook) -> list[str]:
    """The value node ``name``, and for a computed value its op node ``name_op`` feeding it."""
    lines = [f"\t{name} [label=<{_value_label(node, style, look)}> shape=plain]\n"]
    op = node._operation
    if op is not None:
        fill = f' style=filled fillcolor="{HIGHLIGHT}"' if look.current else ""
        lines.append(f"\t{name}_op [label=<{html_text(op.label())}> shape=ellipse{fill}]\n")
        lines.append(f"\t{name}_op -> {name}\n")
    return lines


def value_node_lines(
    index: dict[Value, int], node: Value, style: Style, look: NodeLook
) -> list[str]:
    """The value node, its op node and the edges into them (one edge per use of a parent)."""
    i = index[node]
    lines = node_lines(f"n{i}", node, style, look)
    flow = ' [color="#b8860b" penwidth=2.5]' if look.current else ""
    lines += [f"\tn{index[parent]} -> n{i}_op{flow}\n" for parent in node._prev]
    return lines


def any_grad_set(order: Sequence[Value]) -> bool:
    """The rule for "not computed yet": no node of the graph has a nonzero grad."""
    return any(grad_float(node) != 0.0 for node in order)


def static_look(style: Style, computed: bool) -> Callable[[Value], NodeLook]:
    """Each node as it stands now: its grad, or "not computed yet" before any backward pass."""
    if not style.show_grads:
        return lambda node: NodeLook(None)
    if not computed:
        blank = NodeLook("grad <I>not computed yet</I>")
        return lambda node: blank

    def look(node: Value) -> NodeLook:
        g = grad_float(node)
        return NodeLook(f"grad {style.number(g)}", grad=g)

    return look


# ------------------------------------------------------------------------------------------------
# Options and the drawing object
# ------------------------------------------------------------------------------------------------


def check_options(
    rankdir: str, number_format: Any, grad_range: Any, max_nodes: Any, group_by: str
) -> None:
    """Raise ValueError naming the option, the value it got and what it accepts."""
    if rankdir not in ("auto", "LR", "TB", "RL", "BT"):
        raise ValueError(
            f"draw_dot: rankdir should be 'LR' (left to right), 'TB' (top to bottom) or "
            f"'auto' (left to right, or top to bottom where that fits a page better), "
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


#: The most values drawn one by one that render in under about 10 s on a 2-core machine with
#: graphviz-pure (benchmarks/bench_viz.py measures it); the too-many-nodes message never
#: suggests more.
RENDERABLE_NODES = 1500


def too_big(count: int, max_nodes: int) -> ValueError:
    """The error for a graph with more values than ``max_nodes``, saying what will work."""
    advice = (
        "For a network, draw the grouped view, one box per neuron: draw_dot(loss, model=model); "
        "or draw a smaller piece of the graph (one sample's loss instead of the batch's)."
    )
    if count <= RENDERABLE_NODES:
        advice += f" Or raise the limit: max_nodes={count}."
    else:
        advice += (
            f" Drawn one by one, more than about {RENDERABLE_NODES} values take minutes to lay "
            "out, so raising max_nodes is not suggested."
        )
    return ValueError(
        f"draw_dot: this graph has {count} values, more than max_nodes={max_nodes}, too many to "
        f"read in one picture. {advice}"
    )


def make_digraph(
    body: list[str], rankdir: str, format: str = "svg", *, caption: str = "", legend: str = ""
) -> Any:
    """A drawing holding ``body`` (DOT lines), with the shared graph, node and edge settings.

    ``caption`` (HTML) goes above the graph, left-aligned; ``legend`` (HTML) below it, where it
    takes no column of its own. A drawing has one or the other.

    The drawing is laid out and scaled down to fit a page when it is rendered (see
    :class:`~autograd_engine.viz.render.Fit`), never below a readable text size: with
    ``rankdir="auto"`` it is written left to right and turned top to bottom where that fits
    better.
    """
    turn = rankdir == "auto"
    graph_attr = {"rankdir": "LR" if turn else rankdir, "fontname": FONT}
    graph_attr["fontsize"] = str(TEXT_SIZE)
    if caption or legend:
        graph_attr.update(label=f"<{caption or legend}>", labelloc="t" if caption else "b")
        graph_attr["labeljust"] = "l"
    drawing = drawing_class()(
        format=format,
        graph_attr=graph_attr,
        node_attr={"fontname": FONT, "fontsize": str(TEXT_SIZE), "margin": "0.05"},
        edge_attr={"arrowsize": "0.7", "fontname": FONT},
        body=body,
    )
    drawing.fit = Fit(smallest_text=SMALL_TEXT_SIZE if legend else TEXT_SIZE, turn=turn)
    return drawing
