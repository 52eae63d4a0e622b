"""The backward step-through: its steps against ``backward()`` on random graphs, its order, the
local derivatives, the frames (step k shows exactly the grads filled so far), saved images, the
animation and the notebook widget."""

from __future__ import annotations

import math
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import (
    OURS,
    Expression,
    apply_via_method,
    evaluate,
    expressions,
    micrograd_example,
    n_inputs,
    op_id,
    op_instances,
    reference_values,
)

from autograd_engine import (
    BackwardStep,
    DomainError,
    Op,
    Value,
    backward_stepper,
    backward_steps,
    draw_backward_step,
    grad,
    topological_order,
)
from autograd_engine.autodiff import backward_step
from autograd_engine.stepper import (
    apply_backward_steps,
    filled_grads,
    save_backward_animation,
    save_backward_frames,
)
from autograd_engine.viz.nodes import HIGHLIGHT, UPDATED, readable_number
from autograd_engine.viz.render import RenderError

pytest.importorskip("graphviz")


def build(expr: Expression) -> Value:
    """A fresh graph for the expression (every call makes new Values with zero grads)."""
    return evaluate(expr, OURS, [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)])


# -- the steps against backward() ------------------------------------------------------------------


@given(expressions())
def test_final_grads_of_the_steps_equal_backward_on_a_fresh_graph(expr: Expression) -> None:
    reference_values(expr)
    stepped, reference = build(expr), build(expr)
    steps = list(backward_steps(stepped))
    reference.backward()
    expected = [node.grad for node in topological_order(reference)]
    order = topological_order(stepped)
    final = filled_grads(steps, -1)
    # the same float arithmetic in the same order: equal to the last bit
    assert [final.get(node, 0.0) for node in order] == expected
    assert [s.upstream_grad for s in reversed(steps)] == expected
    assert all(node.grad == 0.0 for node in order)  # the steps touched no .grad


@given(expressions())
def test_steps_follow_backwards_order_one_step_per_node(expr: Expression) -> None:
    reference_values(expr)
    root = build(expr)
    steps = list(backward_steps(root))
    assert [s.node for s in steps] == list(reversed(topological_order(root)))
    assert [s.index for s in steps] == list(range(len(steps)))
    assert all(s.total == len(steps) for s in steps)
    for s in steps:
        assert [u.parent for u in s.updates] == list(s.node._prev)  # one update per use


@given(expressions())
def test_local_derivative_times_upstream_grad_is_the_contribution(expr: Expression) -> None:
    reference_values(expr)
    for step in backward_steps(build(expr)):
        for u in step.updates:
            expected = step.upstream_grad * u.local_derivative
            assert u.contribution == pytest.approx(expected, rel=1e-12, abs=1e-300)


@st.composite
def point_and_upstream_grad(draw: st.DrawFn, op: Op) -> tuple[list[float], float]:
    """A point inside the op's domain, clear of its kinks, and an upstream grad of any sign."""
    xs = [draw(st.floats(lo, hi)) for lo, hi in op.domain[: n_inputs(op)]]
    assume(all(abs(x - k) > 1e-3 for x in xs for k in op.kinks))
    return xs, draw(st.floats(-1e3, 1e3))


@pytest.mark.parametrize("op", op_instances(), ids=op_id)
@given(data=st.data())
def test_every_builtin_op_sends_upstream_grad_times_its_partial_derivative(
    op: Op, data: st.DataObject
) -> None:
    # the stepper calls the op's rule twice: with grad 1 for the local derivative, and with the
    # arriving grad for the contribution; for every built-in rule the two must agree
    point, g = data.draw(point_and_upstream_grad(op))
    xs = [Value(x) for x in point]
    y = apply_via_method(op, xs)
    step = next(s for s in backward_steps(y * g) if s.node is y)
    assert step.upstream_grad == g
    # the local derivatives are the op's partial derivatives, as grad() computes them
    assert [u.local_derivative for u in step.updates] == grad(y, xs)
    for u in step.updates:
        assert u.contribution == pytest.approx(g * u.local_derivative, rel=1e-12, abs=1e-300)


def test_backward_rule_with_the_wrong_number_of_terms_raises_type_error_like_backward() -> None:
    class Lopsided(Op):
        name = "lopsided"
        arity = 2

        def forward(self, a: float, b: float) -> float:
            return a * b

        def backward(self, grad: float, out: float, a: float, b: float) -> tuple[float, ...]:
            return (grad * b,)  # forgets the term for b

    y = Lopsided()(Value(2.0), Value(3.0))
    with pytest.raises(TypeError, match="one term per input"):
        y.backward()
    with pytest.raises(TypeError, match=r"Lopsided.backward must return .* one term per input"):
        list(backward_steps(y))


def test_a_root_that_is_not_a_value_is_rejected_at_the_call() -> None:
    with pytest.raises(TypeError, match="backward_steps expects a Value"):
        backward_steps(1.0)  # type: ignore[arg-type]


def test_micrograd_example_steps_by_hand() -> None:
    loss, v = micrograd_example()
    steps = list(backward_steps(loss))
    first = steps[0]
    assert first.node is loss and first.upstream_grad == 1.0  # the seed
    # L = d * f: dL/dd = f = -2, dL/df = d = 4
    assert [(u.parent, u.local_derivative, u.grad_after) for u in first.updates] == [
        (v["d"], -2.0, -2.0),
        (v["f"], 4.0, 4.0),
    ]
    by_node = {s.node: s for s in steps}
    # d = e + c: local derivatives 1 and 1, each gets dL/dd = -2
    assert [u.local_derivative for u in by_node[v["d"]].updates] == [1.0, 1.0]
    # e = a * b: dL/da = dL/de * b = -2 * -3 = 6, dL/db = -2 * 2 = -4
    assert [u.grad_after for u in by_node[v["e"]].updates] == [6.0, -4.0]
    assert by_node[v["a"]].is_leaf and by_node[v["a"]].updates == ()


def test_value_used_twice_gets_two_updates_that_add_up() -> None:
    a = Value(3.0, label="a")
    (step, leaf) = list(backward_steps(a * a))
    assert [(u.parent, u.local_derivative, u.grad_after) for u in step.updates] == [
        (a, 3.0, 3.0),
        (a, 3.0, 6.0),
    ]
    assert leaf.node is a and leaf.upstream_grad == 6.0


def test_steps_do_not_add_to_existing_grads_and_apply_does_like_backward() -> None:
    loss, v = micrograd_example()
    loss.backward()
    after_one = {name: x.grad for name, x in v.items()}
    steps = list(backward_steps(loss))
    assert steps[-1].upstream_grad == after_one[steps[-1].node.label]  # a fresh pass, not 2x
    assert {name: x.grad for name, x in v.items()} == after_one  # untouched
    apply_backward_steps(steps)  # like a second backward(): each grad grows once more
    assert {name: x.grad for name, x in v.items()} == {k: 2 * g for k, g in after_one.items()}


def test_infinite_derivative_raises_domain_error_at_its_step() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 2
    with pytest.raises(DomainError):
        y.backward()
    done = []
    with pytest.raises(DomainError, match="sqrt"):
        for step in backward_steps(y):
            done.append(step.node)
    assert done == [y, y._prev[1]]  # the product and its constant came before the sqrt


def test_overflowing_gradient_raises_domain_error() -> None:
    u = Value(1e-300, label="u")
    out = u * 1e200 * 1e200  # data 1e100 is fine; d out / d u = 1e400 overflows
    with pytest.raises(DomainError):
        out.backward()
    with pytest.raises(
        DomainError, match=r"gradient of the leaf 1e-300 \(label 'u'\) is not finite"
    ):
        list(backward_steps(out))


def test_step_describes_itself_in_words() -> None:
    loss, _ = micrograd_example()
    steps = list(backward_steps(loss))
    text = str(steps[0])
    assert text.startswith("step 1 of 7: L (op *, data -8)")
    assert "the seed" in text and "d: local derivative -2, contribution -2, grad now -2" in text
    assert "a leaf: its grad is final" in str(steps[-1])


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(TypeError, match="expects a Value"):
        list(backward_steps(1.0))  # type: ignore[arg-type]
    root = Value(1.0) * 2
    with pytest.raises(TypeError, match=r"list\(backward_steps\(root\)\)"):
        draw_backward_step(backward_steps(root), 0)  # type: ignore[arg-type]
    with pytest.raises(IndexError, match=r"steps count from 1, as the captions do: .* from 1 to 3"):
        draw_backward_step(root, 0)
    with pytest.raises(IndexError, match="from 1 to 3"):
        draw_backward_step(root, 4)


# -- frames ----------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"
NODE = re.compile(r"^\t(n\d+) \[label=<(.*)> shape=plain\]$", re.M)


def grad_cells(source: str) -> dict[str, str]:
    """The text of each value node's grad cell (its last cell), by node id."""
    return {i: re.findall(r"<TD[^>]*>(.*?)</TD>", label)[-1] for i, label in NODE.findall(source)}


def partial_backward(root: Value, k: int) -> dict[Value, float]:
    """The grads after the first k+1 steps, by the engine's own one-step rule on a fresh graph:
    the root seeded with 1, then ``backward_step`` on each node in reverse topological order.
    A node is "filled" once any contribution has reached it."""
    order = topological_order(root)
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    filled = {root}
    for node in list(reversed(order))[: k + 1]:
        backward_step(node)
        filled.update(node._prev)
    grads = {node: float(node.grad) for node in filled}
    for node in order:
        node.grad = 0.0
    return grads


@given(expressions(max_steps=5))
def test_frame_k_shows_exactly_the_grads_filled_so_far(expr: Expression) -> None:
    reference_values(expr)
    root = build(expr)
    steps = list(backward_steps(root))
    order = topological_order(root)
    for k in range(1, len(steps) + 1):  # steps count from 1
        expected = partial_backward(root, k - 1)
        shown = grad_cells(draw_backward_step(steps, k).source)
        assert len(shown) == len(order)
        for i, node in enumerate(order):
            cell = shown[f"n{i}"]
            if node in expected:
                assert re.fullmatch(r"grad [^<]*( <I>so far</I>)?", cell)
                assert cell.split()[1] == readable_number(expected[node])
            else:
                assert cell == "&#160;"  # blank, but as high as a line of text


def test_frame_highlights_the_current_node_and_marks_unfinished_grads() -> None:
    a = Value(3.0, label="a")
    b = a * 2
    b.label = "b"
    out = a + b  # a is used twice: by b and by out
    steps = list(backward_steps(out))  # out, b, const 2, a
    source = draw_backward_step(steps, 1).source
    labels = dict(NODE.findall(source))
    # topological order: a, 2, b, out
    assert f'BGCOLOR="{HIGHLIGHT}"' in labels["n3"]  # out is being processed
    assert f'BGCOLOR="{UPDATED}"' in labels["n0"] and f'BGCOLOR="{UPDATED}"' in labels["n2"]
    assert "grad 1 <I>so far</I>" in labels["n0"]  # b has not passed its share on yet
    assert 'style=filled fillcolor="' + HIGHLIGHT in source  # the op node too
    assert "step 1 of 4" in source  # the caption
    after_b = dict(NODE.findall(draw_backward_step(steps, 2).source))
    assert "grad 3</TD>" in after_b["n0"]  # complete: 1 + 2
    assert draw_backward_step(steps, -1).source == draw_backward_step(steps, 4).source


def test_frames_use_the_same_node_ids_as_draw_dot() -> None:
    from autograd_engine import draw_dot

    loss, _ = micrograd_example()
    ids = set(re.findall(r"^\t(n\d+(?:_op)?) \[", draw_dot(loss).source, re.M))
    frame_ids = set(re.findall(r"^\t(n\d+(?:_op)?) \[", draw_backward_step(loss, 2).source, re.M))
    assert frame_ids == ids


# -- images, animation, widget ---------------------------------------------------------------------


def test_frames_are_saved_as_one_png_per_step(tmp_path: Path) -> None:
    loss, _ = micrograd_example()
    paths = save_backward_frames(loss, tmp_path / "frames")
    assert [p.name for p in paths] == [f"step_{k:03d}.png" for k in range(1, 8)]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svgs = save_backward_frames(loss, tmp_path, image_format="svg", rankdir="TB")
    assert "<svg" in svgs[0].read_text(encoding="utf-8")


def test_animation_has_one_frame_per_step(tmp_path: Path) -> None:
    image = pytest.importorskip("PIL.Image")
    a = Value(2.0, label="a")
    out = (a * a).tanh()
    path = save_backward_animation(out, tmp_path / "pass.gif", seconds_per_step=0.5)
    with image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(list(backward_steps(out)))
        durations = []
        for frame in range(gif.n_frames):
            gif.seek(frame)
            durations.append(gif.info["duration"])
    assert durations[:-1] == [500] * (len(durations) - 1)
    assert durations[-1] == 3000  # the finished pass stays on screen longer


def test_animation_refuses_a_suffix_other_than_gif_and_creates_nothing(tmp_path: Path) -> None:
    a = Value(2.0, label="a")
    with pytest.raises(ValueError, match=r"suffix '\.png' .* use one of \.gif"):
        save_backward_animation(a * a, tmp_path / "new" / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_animation_expands_the_home_folder(home_and_work: tuple[Path, Path]) -> None:
    pytest.importorskip("PIL.Image")
    home, work = home_and_work
    path = save_backward_animation(Value(2.0) * 3, "~/pass.gif")
    assert path == home / "pass.gif" and path.read_bytes()[:6] == b"GIF89a"
    assert list(work.iterdir()) == []


def geometry(svg: str) -> list[tuple[str, ...]]:
    """The canvas size, and each node's name with the centre of what it draws.

    (Centres, not extents: a highlighted frame's border is drawn with a thicker line.)
    """
    root = ET.fromstring(svg)
    shapes: list[tuple[str, ...]] = [(root.get("width", ""), root.get("height", ""))]
    for group in root.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        points = [
            tuple(map(float, pair.split(",")))
            for element in group
            for pair in element.get("points", "").split()
        ]
        points += [(float(e.get("cx", "0")), float(e.get("cy", "0"))) for e in group if e.get("cx")]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        title = group.find(f"{SVG}title")
        centre = f"{(min(xs) + max(xs)) / 2:.2f},{(min(ys) + max(ys)) / 2:.2f}"
        shapes.append((title.text or "" if title is not None else "", centre))
    return shapes


def test_every_frame_has_the_same_canvas_and_layout(tmp_path: Path) -> None:
    # captions of 2 and 3 lines, grads of different lengths, a highlighted node moving along
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    out = (a * b + a).tanh() * Value(123.25, label="scale")
    out.label = "out"
    paths = save_backward_frames(out, tmp_path, image_format="svg")
    layouts = [geometry(p.read_text(encoding="utf-8")) for p in paths]
    assert len(layouts[0]) == 1 + 7 + 4  # the canvas, 7 values, 4 ops
    assert all(layout == layouts[0] for layout in layouts)


def test_frames_are_all_rendered_before_any_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograd_engine.viz import render_graph as real

    calls = []

    def fails_on_the_third(drawing: object, format: str = "svg", **options: object) -> bytes:
        calls.append(format)
        if len(calls) == 3:
            raise RenderError("renderer failed")
        return real(drawing, format, **options)  # type: ignore[arg-type]

    monkeypatch.setattr("autograd_engine.stepper.render_graph", fails_on_the_third)
    loss, _ = micrograd_example()
    with pytest.raises(RenderError):
        save_backward_frames(loss, tmp_path / "frames")
    assert list(tmp_path.iterdir()) == []


def test_caption_and_boxes_write_every_number_by_one_rule() -> None:
    a = Value(3.0, label="a")
    out = (a * 2).tanh()  # saturated: d out / d a is about -7e-05 * -1 ... a tiny number
    out.label = "out"
    steps = list(backward_steps(out))
    source = draw_backward_step(steps, 2).source  # the * node passes its tiny grad to a
    tiny = steps[1].updates[0].grad_after
    assert abs(tiny) < 1e-4
    assert f"grad now {readable_number(tiny)}" in source  # in the caption
    assert f"grad {readable_number(tiny)}</TD>" in source  # in a's box


def test_widget_scrubs_through_the_steps_with_slider_and_buttons() -> None:
    widgets = pytest.importorskip("ipywidgets")
    loss, _ = micrograd_example()
    box = backward_stepper(loss)
    assert isinstance(box, widgets.VBox)
    controls, text, image = box.children
    previous, slider, following = controls.children
    assert (slider.min, slider.max, slider.value) == (1, 7, 1)  # steps count from 1
    assert "<svg" in image.value and "step 1 of 7" in text.value
    assert previous.disabled and not following.disabled
    first = image.value
    following.click()
    assert slider.value == 2 and "step 2 of 7" in text.value and image.value != first
    slider.value = 7
    assert following.disabled and "step 7 of 7" in text.value
    previous.click()
    assert slider.value == 6 and "step 6 of 7" in text.value


def test_widget_shows_each_description_once_above_a_drawing_that_never_moves() -> None:
    pytest.importorskip("ipywidgets")
    from autograd_engine.viz import render_graph

    loss, _ = micrograd_example()
    steps = list(backward_steps(loss))
    controls, text, image = backward_stepper(steps).children
    slider = controls.children[1]
    heights, layouts = set(), []
    for k in [*range(len(steps), 0, -1), 3]:  # back from the end, then a jump
        slider.value = k
        assert text.value.count("step ") == 1 and f"step {k} of 7" in text.value
        # the drawing is step k's, without a caption of its own (the text above says it)
        svg = render_graph(draw_backward_step(steps, k, caption=False), "svg").decode("utf-8")
        assert image.value == svg and "step " not in svg
        heights.add(text.value.count("\n"))  # every description padded to one height
        layouts.append(geometry(svg))
    assert len(heights) == 1 and all(layout == layouts[0] for layout in layouts)


def test_widget_without_ipywidgets_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r'pip install "autograd_engine\[widgets\]"'):
        backward_stepper(Value(1.0) * 2)


def test_backward_step_records_are_immutable() -> None:
    step = next(backward_steps(Value(1.0) * 2))
    assert isinstance(step, BackwardStep)
    with pytest.raises(AttributeError):
        step.upstream_grad = 2.0  # type: ignore[misc]


def test_a_local_derivative_beyond_the_largest_float_shows_as_inf_when_its_term_is_finite() -> None:
    x = Value(1e-310, label="x")  # d log(x)/dx = 1e310: more than a float holds
    y = x.log()
    z = y * 1e-10  # ... but the grad arriving at y is 1e-10, so y's term for x is 1e300
    z.backward()
    step = next(s for s in backward_steps(z) if s.node is y)
    (update,) = step.updates
    assert update.local_derivative == math.inf
    assert update.contribution == x.grad == pytest.approx(1e300, rel=1e-12)
