"""The backward pass one node at a time: the steps, a drawing of each, and a notebook scrubber.

:func:`backward_steps` replays what ``backward()`` does, in the same order and with the same float
arithmetic, as a list of :class:`BackwardStep` records, without touching any ``.grad``.
:func:`draw_backward_step` draws the graph as it stands after a step; :func:`save_backward_frames`
and :func:`save_backward_animation` write those drawings to files, and :func:`backward_stepper`
scrubs through them in Jupyter.
"""

from __future__ import annotations

import io
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .autodiff import assign_grads, chain_rule_terms, grad_sum, not_finite_grad_error
from .errors import DomainError, describe
from .files import output_path, write_atomically
from .graph import topological_order
from .value import Value
from .viz.dot import render_graph
from .viz.nodes import (
    GRAD_RANGE,
    NodeLook,
    NumberFormat,
    Style,
    check_options,
    html_text,
    make_digraph,
    number_text,
    text_width,
    too_big,
    value_node_lines,
)

__all__ = [
    "BackwardStep",
    "ParentUpdate",
    "apply_backward_steps",
    "backward_stepper",
    "backward_steps",
    "draw_backward_step",
    "filled_grads",
    "save_backward_animation",
    "save_backward_frames",
]


@dataclass(frozen=True)
class ParentUpdate:
    """What one step sends to one input of its node (one record per use: ``a * a`` has two).

    Attributes:
        parent: the input Value.
        local_derivative: d(node)/d(parent) at this point, from the op's own backward rule
            (``inf`` where it exceeds the largest float but its contribution does not).
        contribution: the upstream grad times the local derivative: what is added to the
            parent's grad (the chain rule).
        grad_after: the parent's grad in this backward pass once the contribution is added.
    """

    parent: Value
    local_derivative: float
    contribution: float
    grad_after: float


@dataclass(frozen=True)
class BackwardStep:
    """One node's turn in the backward pass.

    Backward visits the nodes in reverse topological order (the root first), so when a node's
    turn comes every node that uses it has already passed its contribution on: its grad is
    complete. A leaf's step passes nothing on; it is where that grad ends up.

    Attributes:
        index: the step's position, from 0 (the root).
        total: how many steps the pass has (one per node of the graph).
        node: the node processed in this step.
        upstream_grad: d(root)/d(node), complete at this step (1.0 for the root: the seed).
        updates: what the node sends to each of its inputs, in operand order.
    """

    index: int
    total: int
    node: Value
    upstream_grad: float
    updates: tuple[ParentUpdate, ...]

    @property
    def is_leaf(self) -> bool:
        """True if the node has no inputs (a parameter, an input or a constant)."""
        return self.node._operation is None

    def __str__(self) -> str:
        return self.describe()

    def describe(self, number_format: str | Callable[[float], str] = ".4g") -> str:
        """The step in one or a few lines of plain text.

        ``number_format`` is a format spec or a function from a float to its text (drawings
        pass theirs, so a caption writes numbers as the boxes below it do).

        Example:
            >>> from autograd_engine import Value
            >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
            >>> print(list(backward_steps(a * b))[0])
            step 1 of 3: * (data 6), grad arriving 1 (the seed: d root / d root = 1)
              a: local derivative 3, contribution 3, grad now 3
              b: local derivative 2, contribution 2, grad now 2
        """

        def num(x: float) -> str:
            return number_format(x) if callable(number_format) else format(x, number_format)

        node = self.node
        op = node._operation
        kind = "leaf" if op is None else f"op {op.label()}"
        what = (
            f"{node.label} ({kind}, data {num(node.data)})"
            if node.label
            else (f"{_name(node)} (data {num(node.data)})")
        )
        seed = " (the seed: d root / d root = 1)" if self.index == 0 else ""
        head = (
            f"step {self.index + 1} of {self.total}: {what}, "
            f"grad arriving {num(self.upstream_grad)}{seed}"
        )
        if self.is_leaf:
            return f"{head}\n  a leaf: its grad is final, nothing to pass on"
        lines = [head]
        for u in self.updates:
            lines.append(
                f"  {_name(u.parent)}: local derivative {num(u.local_derivative)}, "
                f"contribution {num(u.contribution)}, grad now {num(u.grad_after)}"
            )
        return "\n".join(lines)


def _name(node: Value) -> str:
    """How a step names a node: its label, else its op's symbol, else "a leaf"."""
    if node.label:
        return node.label
    return node._operation.label() if node._operation is not None else "leaf"


def backward_steps(root: Value) -> Iterator[BackwardStep]:
    """The steps of ``root.backward()``, one per node, in the order backward processes them.

    This is a fresh backward pass computed on the side: it reads ``data`` and never reads or
    writes any ``.grad``, so it does not add to gradients already there. The arithmetic is the
    same as ``backward()``'s (the same op rules, the same order of additions), so the last
    ``grad_after`` of each node equals what ``backward()`` gives on a graph with zero grads.
    To write the results into ``.grad`` as ``backward()`` would, use :func:`apply_backward_steps`.

    Args:
        root: the Value to differentiate (its grad is seeded with 1).

    Returns:
        An iterator of one :class:`BackwardStep` per node, the root first and the leaves last,
        each computed when it is asked for.

    Raises:
        TypeError: ``root`` is not a Value (raised by the call itself).
        DomainError: a derivative is infinite where it is needed (``sqrt`` at 0), raised while
            iterating, at the step that needs it.

    Example:
        >>> from autograd_engine import Value
        >>> a = Value(3.0, label="a")
        >>> steps = list(backward_steps(a * a))
        >>> [u.grad_after for u in steps[0].updates]   # a is used twice: 3, then 3 + 3
        [3.0, 6.0]
    """
    if not isinstance(root, Value):  # here, not in the generator, so the call itself raises
        raise TypeError(f"backward_steps expects a Value (the root), got {describe(root)}")
    return _steps(root)


def _steps(root: Value) -> Iterator[BackwardStep]:
    """The generator behind :func:`backward_steps`, for a root already checked."""
    order = topological_order(root)
    total = len(order)
    grads: dict[Value, float] = {root: 1.0}
    for k, node in enumerate(reversed(order)):
        g = grads.get(node, 0.0)
        updates: list[ParentUpdate] = []
        if g - g != 0.0:  # inf or NaN: a sum of finite terms overflowed
            raise not_finite_grad_error(node, g)
        # the rule backward uses, with the grad arriving here ...
        terms = chain_rule_terms(node, g)
        # ... and with grad 1: the local derivatives, since a rule is linear in grad
        local = _local_derivatives(node, g, terms)
        for parent, term, derivative in zip(node._prev, terms, local):
            # chain rule: add this use's contribution to what the parent has so far
            grads[parent] = grads.get(parent, 0.0) + term
            updates.append(ParentUpdate(parent, derivative, term, grads[parent]))
        yield BackwardStep(k, total, node, g, tuple(updates))


def _local_derivatives(node: Value, g: float, terms: tuple[float, ...]) -> tuple[float, ...]:
    """d(node)/d(input) per input: the rule applied to grad 1. A local derivative beyond the
    largest float, whose term is finite because the grad arriving is small, shows as inf."""
    try:
        return chain_rule_terms(node, 1.0)
    except DomainError:
        if not terms or not all(math.isfinite(t) for t in terms):
            raise
        sign = math.copysign(1.0, g)
        return tuple(math.copysign(math.inf, t) * sign for t in terms)


def apply_backward_steps(steps: Iterable[BackwardStep]) -> None:
    """Add each step's gradient to its node's ``.grad``, as ``backward()`` does.

    With all the steps of a pass this equals ``root.backward()``: every node's grad grows by
    d(root)/d(node) (so on fresh grads the two give the same numbers). All or nothing, as
    ``backward()``: the steps are all computed first, and if one fails, or a sum overflows, or
    anything stops the assignments (Ctrl-C), no grad changes.

    Example:
        >>> from autograd_engine import Value
        >>> a = Value(3.0)
        >>> apply_backward_steps(backward_steps(a * a))
        >>> a.grad
        6.0
    """
    totals: dict[Value, Any] = {}
    for step in list(steps):  # every step first: a pass that fails part way changes nothing
        node = step.node
        totals[node] = grad_sum(node, totals.get(node, node.grad), step.upstream_grad)
    assign_grads(list(totals), list(totals.values()))


def _as_steps(steps: Value | Sequence[BackwardStep], who: str) -> Sequence[BackwardStep]:
    if isinstance(steps, Value):
        return list(backward_steps(steps))
    if not isinstance(steps, Sequence) or not all(isinstance(s, BackwardStep) for s in steps):
        raise TypeError(
            f"{who} expects a Value or the list of its steps, list(backward_steps(root)), "
            f"got {describe(steps)}"
        )
    if not steps:
        raise ValueError(f"{who} got an empty list of steps")
    return steps


def _check_index(k: Any, steps: Sequence[BackwardStep], who: str) -> int:
    """The list position of step ``k``, counted from 1 (negative counts from the end)."""
    n = len(steps)
    if not isinstance(k, int) or isinstance(k, bool) or k == 0 or not -n <= k <= n:
        raise IndexError(
            f"{who}: steps count from 1, as the captions do: step should be an int from 1 to "
            f"{n} (or from -{n} to -1, counting from the end), got {describe(k)}"
        )
    return k - 1 if k > 0 else n + k


def filled_grads(steps: Value | Sequence[BackwardStep], k: int) -> dict[Value, float]:
    """The grads after step ``k`` (from 1): the root's seed and every contribution so far.

    Nodes that no step up to ``k`` has reached are absent. ``k = -1`` is the last step.

    Example:
        >>> from autograd_engine import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a * b
        >>> filled_grads(list(backward_steps(c)), 1) == {c: 1.0, a: 3.0, b: 2.0}
        True
    """
    steps = _as_steps(steps, "filled_grads")
    last = _check_index(k, steps, "filled_grads")
    grads = {steps[0].node: steps[0].upstream_grad}
    for step in steps[: last + 1]:
        for u in step.updates:
            grads[u.parent] = u.grad_after
    return grads


def _caption_text(step: BackwardStep, number_format: NumberFormat, lines: int) -> str:
    """The step's description as a left-aligned label of exactly ``lines`` lines."""
    text = step.describe(lambda x: number_text(x, number_format)).splitlines()
    text += ["\u00a0"] * (lines - len(text))  # blank lines keep every caption the same height
    left = '<BR ALIGN="LEFT"/>'  # a line break that left-aligns the line before it
    return left.join(html_text(line) for line in text) + left


def _frame_sizes(
    steps: Sequence[BackwardStep], number_format: NumberFormat
) -> tuple[int, int, int]:
    """The grad cell width, caption width (points) and caption lines that fit every step."""
    values = [s.upstream_grad for s in steps] + [u.grad_after for s in steps for u in s.updates]
    widest_grad = max(text_width(f"grad {number_text(g, number_format)} so far") for g in values)
    captions = [s.describe(lambda x: number_text(x, number_format)) for s in steps]
    widest_line = max(text_width(line) for caption in captions for line in caption.splitlines())
    lines = max(len(caption.splitlines()) for caption in captions)
    # + padding, and a point for rounding: the widths hold the text in every frame
    return math.ceil(widest_grad) + 8, math.ceil(widest_line) + 6, lines


def draw_backward_step(
    steps: Value | Sequence[BackwardStep],
    k: int,
    *,
    rankdir: str = "auto",
    number_format: NumberFormat = None,
    format: str = "svg",
    max_nodes: int = 500,
    caption: bool = True,
) -> Any:
    """Draw the graph as it stands after step ``k`` of the backward pass (steps count from 1).

    The node of step ``k`` is highlighted (yellow, with the edges it sends grads along in bold);
    the grads it just changed are green; each node shows the grad filled in so far, marked "so
    far" while some node that uses it has still to pass its contribution on; the grads no step
    has reached yet are blank. The caption is the step's description, with numbers written the
    way the boxes write them. Every step of one pass is drawn on the same canvas, with every node
    in the same place (fixed grad cells, captions padded to one size), so frames can be flipped
    through or animated without anything jumping.

    Args:
        steps: ``list(backward_steps(root))``, or the root Value itself.
        k: the step, from 1 (the root's step) to ``len(steps)``; negative counts from the end
            (-1 is the last step), as ``steps[k - 1]``.
        rankdir, number_format, format, max_nodes: as for :func:`~autograd_engine.draw_dot`
            (every frame of a pass is laid out the same way, so "auto" turns all or none).
        caption: False leaves the description out, for a page that shows it as text (the
            :func:`backward_stepper` widget does).

    Returns:
        A ``graphviz.Digraph`` (see :func:`~autograd_engine.draw_dot`) captioned with the
        step's description ("step k of n: ...").

    Raises:
        IndexError: ``k`` is 0 or beyond the last step.

    Example:
        >>> from autograd_engine import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> drawing = draw_backward_step(a * b, 1)
        >>> "step 1 of 3" in drawing.source
        True
    """
    steps = _as_steps(steps, "draw_backward_step")
    position = _check_index(k, steps, "draw_backward_step")
    check_options(rankdir, number_format, GRAD_RANGE, max_nodes, "neuron")
    if len(steps) > max_nodes:
        raise too_big(len(steps), max_nodes)
    order = [step.node for step in reversed(steps)]  # topological order, as draw_dot numbers it
    index = {node: i for i, node in enumerate(order)}
    style = Style(rankdir, number_format, True, False, GRAD_RANGE)
    grads = filled_grads(steps, position + 1)
    # a grad is complete once every use of its node has passed its contribution on
    uses = Counter(u.parent for step in steps for u in step.updates)
    received = Counter(u.parent for step in steps[: position + 1] for u in step.updates)
    current = steps[position]
    updated = {u.parent for u in current.updates}
    grad_width, caption_width, caption_lines = _frame_sizes(steps, number_format)
    lines: list[str] = []
    for node in order:
        if node in grads:
            text = f"grad {style.number(grads[node])}"
            if received[node] < uses[node]:
                text += " <I>so far</I>"
        else:
            text = "&#160;"  # a blank of the same height: frames keep their layout
        look = NodeLook(
            text,
            current=node is current.node,
            updated=node in updated and node is not current.node,
            grad_width=grad_width,
            framed=True,
        )
        lines += value_node_lines(index, node, style, look)
    if not caption:
        return make_digraph(lines, rankdir, format)
    label = (
        f'<TABLE BORDER="0" CELLPADDING="2"><TR><TD WIDTH="{caption_width}" ALIGN="LEFT">'
        f"{_caption_text(current, number_format, caption_lines)}</TD></TR></TABLE>"
    )
    return make_digraph(lines, rankdir, format, caption=label)


_FRAME_FORMATS = ("png", "svg", "gv")


def save_backward_frames(
    steps: Value | Sequence[BackwardStep],
    directory: str | os.PathLike[str],
    *,
    image_format: str = "png",
    prefix: str = "step",
    dpi: float | None = None,
    **options: Any,
) -> list[Path]:
    """Save the drawing after each step as ``step_001.png``, ``step_002.png`` ... in ``directory``.

    Steps count from 1, as in the captions. Every frame is rendered before any file is written,
    and each is written atomically, so a failed render creates nothing. All frames share one
    canvas size (see :func:`draw_backward_step`).

    Args:
        steps: ``list(backward_steps(root))``, or the root Value.
        directory: where to write (created if missing; ``~`` is expanded).
        image_format: ``"png"`` or ``"svg"`` (or ``"gv"`` for the DOT text).
        prefix: the start of each file name.
        dpi: dots per inch of PNG frames (96 by default; 300 for print).
        **options: passed to :func:`draw_backward_step` (``rankdir``, ``number_format``).

    Returns:
        The paths written, one per step.
    """
    steps = _as_steps(steps, "save_backward_frames")
    if image_format not in _FRAME_FORMATS:
        raise ValueError(
            f"save_backward_frames: image_format should be one of {', '.join(_FRAME_FORMATS)}, "
            f"got {describe(image_format)}"
        )
    folder = output_path(directory, (), "frames")
    digits = max(3, len(str(len(steps))))
    images: list[tuple[Path, bytes | str]] = []
    for k in range(1, len(steps) + 1):
        drawing = draw_backward_step(steps, k, **options)
        path = output_path(folder / f"{prefix}_{k:0{digits}d}.{image_format}", _FRAME_FORMATS)
        if image_format == "gv":
            images.append((path, drawing.source))
        else:
            images.append((path, render_graph(drawing, image_format, dpi=dpi)))
    return [write_atomically(path, data) for path, data in images]


def save_backward_animation(
    steps: Value | Sequence[BackwardStep],
    path: str | os.PathLike[str],
    *,
    seconds_per_step: float = 1.2,
    hold_last: float = 3.0,
    **options: Any,
) -> Path:
    """Save the whole backward pass as one animated GIF, one frame per step (needs Pillow).

    Every frame has the same canvas and layout (see :func:`draw_backward_step`), so nothing
    jumps between steps; the last frame, with every grad filled in, stays longer. The file is
    written in one step once every frame is rendered.

    Args:
        steps: ``list(backward_steps(root))``, or the root Value.
        path: the ``.gif`` file to write (``~`` is expanded; another suffix is refused).
        seconds_per_step: how long each frame shows.
        hold_last: how long the last frame shows, in seconds.
        **options: passed to :func:`draw_backward_step`.

    Raises:
        ValueError: ``path`` does not end in ``.gif``.
        ImportError: Pillow is not installed.
    """
    target = output_path(path, ("gif",), "an animation (an animated GIF)")
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "save_backward_animation needs Pillow: pip install pillow; or save the frames as "
            "separate images with save_backward_frames(...)"
        ) from None
    steps = _as_steps(steps, "save_backward_animation")
    frames = [
        Image.open(
            io.BytesIO(render_graph(draw_backward_step(steps, k, **options), "png"))
        ).convert("RGB")
        for k in range(1, len(steps) + 1)
    ]
    # the frames are laid out alike; a white canvas of the largest size guards against a
    # renderer that differs by a pixel
    width = max(f.width for f in frames)
    height = max(f.height for f in frames)
    canvases = []
    for frame in frames:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(frame, (0, 0))
        canvases.append(canvas)
    durations = [round(seconds_per_step * 1000)] * (len(canvases) - 1)
    durations.append(round(max(hold_last, seconds_per_step) * 1000))
    buffer = io.BytesIO()
    canvases[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=canvases[1:],
        duration=durations,
        loop=0,
    )
    return write_atomically(target, buffer.getvalue())


def backward_stepper(steps: Value | Sequence[BackwardStep], **options: Any) -> Any:
    """A notebook widget to scrub through the backward pass: a slider and previous/next buttons.

    The slider counts steps from 1, as the captions do. Each position shows the step's
    description as text, once, and :func:`draw_backward_step`'s drawing below it (without the
    drawing's own caption). Frames are rendered when first shown and then kept.

    Args:
        steps: ``list(backward_steps(root))``, or the root Value.
        **options: passed to :func:`draw_backward_step`.

    Returns:
        An ``ipywidgets.VBox``; display it (make it the last expression of a cell).

    Raises:
        ImportError: ipywidgets is not installed (``pip install "autograd_engine[widgets]"``).
    """
    try:
        import ipywidgets as widgets  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(
            'backward_stepper needs ipywidgets: pip install "autograd_engine[widgets]" (or pip '
            "install ipywidgets). Without widgets, save the frames as images with "
            "save_backward_frames(root, 'frames/') or save_backward_animation(root, 'pass.gif')"
        ) from None
    steps = _as_steps(steps, "backward_stepper")
    total = len(steps)
    number_format = options.get("number_format")
    captions = [s.describe(lambda x: number_text(x, number_format)) for s in steps]
    lines = max(caption.count("\n") for caption in captions) + 1
    frames: dict[int, str] = {}

    def frame(k: int) -> str:
        if k not in frames:
            # the description is shown once, as text above the drawing, not in it too
            drawing = draw_backward_step(steps, k, **{**options, "caption": False})
            frames[k] = render_graph(drawing, "svg").decode("utf-8")
        return frames[k]

    slider = widgets.IntSlider(value=1, min=1, max=total, description="step", readout=True)
    previous = widgets.Button(description="previous", icon="arrow-left")
    following = widgets.Button(description="next", icon="arrow-right")
    text = widgets.HTML()
    image = widgets.HTML()

    def show(k: int) -> None:
        caption = captions[k - 1] + "\n" * (lines - 1 - captions[k - 1].count("\n"))
        # padded to the longest description's lines, so the drawing below never moves
        text.value = "<pre>" + caption.replace("&", "&amp;").replace("<", "&lt;") + "</pre>"
        image.value = frame(k)
        previous.disabled = k == 1
        following.disabled = k == total

    slider.observe(lambda change: show(change["new"]), names="value")
    previous.on_click(lambda _: setattr(slider, "value", max(1, slider.value - 1)))
    following.on_click(lambda _: setattr(slider, "value", min(total, slider.value + 1)))
    show(1)
    return widgets.VBox([widgets.HBox([previous, slider, following]), text, image])
