"""The micrograd lecture's ways of working, run on ``autograd_engine.Value``.

A student building along with the lecture writes its patterns on the imported ``Value``: a graph
built and differentiated by hand, ``_backward()`` called node by node, a topological sort written
out, operations added the closure way (``Value(data, _children, _op)`` and ``out._backward``, in a
subclass or attached to ``Value`` at run time), a training loop over ``p.data``, and optimizers that
keep their state on the Values. The expected numbers are derived by hand in the comments, or come
from a second way of computing the same thing (a closure-style engine, finite differences).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from strategies import micrograd_example

from autograd_engine import (
    MLP,
    Adam,
    DomainError,
    Value,
    backward_steps,
    compile_graph,
    draw_dot,
    grad,
    gradcheck,
    gradgradcheck,
    no_grad,
)
from autograd_engine.stepper import apply_backward_steps
from autograd_engine.testing import check_op
from autograd_engine.value import ClosureOp

# -- operations written the lecture's way: Value(data, _children, _op) and a closure -------------


def closure_tanh(self: Value) -> Value:
    """tanh as the lecture adds it, through exp (the lecture's formula)."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward() -> None:
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def closure_exp(self: Value) -> Value:
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward() -> None:
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


class LectureValue(Value):
    """The lecture's Value: every operation recorded with a closure, none of the built-in ops.

    A second engine for the tests: the same arithmetic written the other way, so its numbers are
    an independent check on the built-in ops (and the built-in ops on it).
    """

    def __add__(self, other: Any) -> LectureValue:
        other = other if isinstance(other, Value) else LectureValue(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __radd__(self, other: Any) -> LectureValue:
        return self + other

    def __mul__(self, other: Any) -> LectureValue:
        other = other if isinstance(other, Value) else LectureValue(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __rmul__(self, other: Any) -> LectureValue:
        return self * other

    def __pow__(self, other: Any) -> LectureValue:
        assert isinstance(other, (int, float)), "the lecture's pow takes a number"
        out = LectureValue(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> LectureValue:
        return self * -1

    def __sub__(self, other: Any) -> LectureValue:
        return self + (-other)

    def tanh(self) -> LectureValue:
        t = math.tanh(self.data)
        out = LectureValue(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out


# -- the first graph, by hand -------------------------------------------------------------------


def lecture_graph() -> dict[str, Value]:
    """The lecture's first graph, L = (a*b + c) * f, by label (built once, in strategies)."""
    return micrograd_example()[1]


def test_grads_set_by_hand_agree_with_backward_and_a_nudge_along_them_raises_the_loss() -> None:
    by_hand = lecture_graph()
    # the lecture fills the grads in by hand: dL/dL = 1, dL/dd = f, dL/df = d, then through the
    # + node unchanged to e and c, and through the * node: dL/da = dL/de * b, dL/db = dL/de * a
    g = by_hand
    g["L"].grad = 1.0
    g["d"].grad, g["f"].grad = g["f"].data, g["d"].data
    g["e"].grad = g["c"].grad = g["d"].grad
    g["a"].grad, g["b"].grad = g["e"].grad * g["b"].data, g["e"].grad * g["a"].data
    computed = lecture_graph()
    computed["L"].backward()
    assert {k: v.grad for k, v in by_hand.items()} == {k: v.grad for k, v in computed.items()}
    # one step of "optimisation": every leaf moves by 0.01 of its grad, and L goes up:
    # (2.06 * -3.04 + 9.98) * -1.96 = -7.286496
    for name in "abcf":
        g[name].data += 0.01 * g[name].grad
    L = (g["a"] * g["b"] + g["c"]) * g["f"]  # noqa: N806
    assert L.data == pytest.approx(-7.286496, rel=1e-12)
    assert L.data > -8.0


def test_a_finite_difference_on_data_gives_the_grad_backward_gives() -> None:
    h = 0.0001

    def L_with(da: float) -> float:  # noqa: N802  (the lecture's name)
        a = Value(2.0 + da)
        return ((a * Value(-3.0) + Value(10.0)) * Value(-2.0)).data

    g = lecture_graph()
    g["L"].backward()
    slope = (L_with(h) - L_with(0.0)) / h
    assert slope == pytest.approx(g["a"].grad, rel=1e-9)  # L is linear in a: only rounding


# -- the neuron, backpropagated by hand ---------------------------------------------------------


def lecture_neuron(tanh: Callable[[Value], Value] = Value.tanh) -> dict[str, Value]:
    """x1*w1 + x2*w2 + b through tanh, with the lecture's b chosen so that n = 0.8814."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    x1w1x2w2 = x1w1 + x2w2
    n = x1w1x2w2 + b
    o = tanh(n)
    names = ("x1", "x2", "w1", "w2", "b", "x1w1", "x2w2", "x1w1x2w2", "n", "o")
    nodes = (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)
    return dict(zip(names, nodes))


def assert_lecture_neuron_grads(g: dict[str, Value]) -> None:
    # o = tanh(n) = 1/sqrt(2), so do/dn = 1 - o^2 = 1/2; the + nodes pass 1/2 on unchanged;
    # the * nodes: dx1 = w1/2 = -1.5, dw1 = x1/2 = 1, dx2 = w2/2 = 0.5, dw2 = x2/2 = 0
    assert g["o"].data == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    expected = {"n": 0.5, "b": 0.5, "x1w1": 0.5, "x2w2": 0.5, "x1": -1.5, "w1": 1.0, "x2": 0.5}
    for name, value in expected.items():
        assert g[name].grad == pytest.approx(value, rel=1e-12), name
    assert g["w2"].grad == 0.0


def test_calling_backward_step_node_by_node_as_the_lecture_does_gives_the_neurons_grads() -> None:
    g = lecture_neuron()
    g["o"].grad = 1.0
    # the lecture's order: from the output down, leaves included (a leaf's step does nothing)
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1", "x1", "x2", "w1", "w2"):
        g[name]._backward()
    assert_lecture_neuron_grads(g)


def test_the_lectures_recursive_topological_sort_then_backward_steps_equals_backward() -> None:
    g = lecture_neuron()
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(g["o"])
    g["o"].grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert_lecture_neuron_grads(g)
    fresh = lecture_neuron()
    fresh["o"].backward()
    assert [v.grad for v in g.values()] == [v.grad for v in fresh.values()]


def test_the_lectures_bug_a_plus_a_is_fixed_by_accumulating() -> None:
    a = Value(3.0, label="a")
    b = a + a
    b.backward()
    assert a.grad == 2.0  # db/da = 2: both uses add their term


# -- operations added the closure way -----------------------------------------------------------


def test_Value_with_children_and_op_records_a_node_with_those_parents_in_order() -> None:  # noqa: N802
    a, b = Value(2.0), Value(3.0)
    out = Value(5.0, (b, a, b), "my+")
    assert out._prev == (b, a, b) and out._op == "my+" and out.data == 5.0
    assert isinstance(out._operation, ClosureOp)


def test_tanh_added_the_closure_way_in_a_function_gives_the_lecture_grads() -> None:
    g = lecture_neuron(closure_tanh)
    assert g["o"]._op == "tanh" and isinstance(g["o"]._operation, ClosureOp)
    g["o"].backward()
    assert_lecture_neuron_grads(g)


def test_methods_attached_to_Value_at_run_time_mix_with_built_in_ops(  # noqa: N802
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(Value, "my_exp", closure_exp, raising=False)
    # tanh(n) = (e^2n - 1) / (e^2n + 1): exp the closure way, the rest built-in (- / and *)
    g = lecture_neuron(lambda n: ((2 * n).my_exp() - 1) / ((2 * n).my_exp() + 1))
    g["o"].backward()
    assert_lecture_neuron_grads(g)


def test_a_subclass_written_closure_style_matches_the_built_in_ops() -> None:
    # x * (y**2 + 3) with every op a closure, against the same expression with built-in ops
    def f(x: Any, y: Any) -> Any:
        return (x * (y**2 + 3) - y).tanh()

    x, y = LectureValue(0.3), LectureValue(-0.7)
    out = f(x, y)
    out.backward()
    bx, by = Value(0.3), Value(-0.7)
    built_in = f(bx, by)
    built_in.backward()
    assert out.data == pytest.approx(built_in.data, rel=1e-15)
    assert (x.grad, y.grad) == pytest.approx((bx.grad, by.grad), rel=1e-14)
    assert type(out) is LectureValue and out._op == "tanh"


def closure_chain(depth: int) -> tuple[Value, Value]:
    """y = 1.0001 * y, ``depth`` times, every step a closure-style node."""

    def scale(v: Value) -> Value:
        out = Value(v.data * 1.0001, (v,), "scale")

        def _backward() -> None:
            v.grad += 1.0001 * out.grad

        out._backward = _backward
        return out

    x = Value(1.0)
    y = x
    for _ in range(depth):
        y = scale(y)
    return x, y


def test_closure_nodes_far_beyond_the_recursion_limit_backpropagate() -> None:
    x, y = closure_chain(5_000)
    y.backward()
    assert x.grad == pytest.approx(1.0001**5_000, rel=1e-9)


def test_each_backward_adds_exactly_once_through_closure_nodes() -> None:
    g = lecture_neuron(closure_tanh)
    g["o"].backward()
    first = {k: v.grad for k, v in g.items()}
    g["o"].backward()
    for name, value in g.items():
        expected = 2 * first[name] if name != "o" else 2.0
        assert value.grad == pytest.approx(expected, rel=1e-15), name


def test_a_closure_that_assigns_instead_of_adding_shows_the_lectures_bug_on_a_plus_a() -> None:
    a = Value(3.0)
    out = Value(a.data + a.data, (a, a), "+")

    def _backward() -> None:  # the lecture's first version: = instead of +=
        a.grad = 1.0 * out.grad
        a.grad = 1.0 * out.grad

    out._backward = _backward
    out.backward()
    assert a.grad == 1.0  # micrograd gives 1.0 too: the second assignment overwrote the first


def test_draw_dot_shows_a_closure_nodes_symbol() -> None:
    g = lecture_neuron(closure_tanh)
    source = draw_dot(g["o"]).source
    assert source.count("[label=<tanh> shape=ellipse]") == 1  # the op node, as for any op


def test_the_step_through_and_functional_grad_follow_closure_nodes() -> None:
    g = lecture_neuron(closure_tanh)
    steps = list(backward_steps(g["o"]))
    assert steps[0].node is g["o"]
    assert steps[0].updates[0].local_derivative == pytest.approx(0.5, rel=1e-12)  # 1 - o^2
    (dx1,) = grad(g["o"], [g["x1"]])
    assert dx1 == pytest.approx(-1.5, rel=1e-12)
    assert all(v.grad == 0.0 for v in g.values())  # neither of them wrote a grad
    apply_backward_steps(steps)
    assert_lecture_neuron_grads(g)


def test_manual_backward_of_a_closure_node_calls_its_function_once() -> None:
    calls = []
    x = Value(2.0)
    out = Value(x.data**2, (x,), "square")

    def _backward() -> None:
        calls.append(out.grad)
        x.grad += 2 * x.data * out.grad

    out._backward = _backward
    out.grad = 3.0
    out._backward()
    assert calls == [3.0] and x.grad == 12.0


def test_a_closure_that_overflows_raises_domain_error_and_leaves_every_grad_as_it_was() -> None:
    x = Value(1.0, label="x")
    big = x * 1e300
    out = Value(big.data, (big,), "blow_up")

    def _backward() -> None:
        big.grad += 1e10 * out.grad  # 1e10 * 1e300 overflows further down, in x's grad

    out._backward = _backward
    x.grad, big.grad = 0.25, 0.5
    with pytest.raises(DomainError, match="No grad was changed"):
        out.backward()
    assert (x.grad, big.grad, out.grad) == (0.25, 0.5, 0.0)


def test_a_closure_that_makes_a_grad_inf_is_named_in_the_error() -> None:
    x = Value(1.0, label="x")
    out = Value(2.0, (x,), "bad")

    def _backward() -> None:
        x.grad += math.inf * out.grad

    out._backward = _backward
    with pytest.raises(DomainError, match=r"'bad'.*inf"):
        out.backward()
    assert x.grad == 0.0


def test_a_closure_node_without_a_backward_function_raises_instead_of_cutting_the_graph() -> None:
    x = Value(1.0)
    out = Value(2.0, (x,), "forgot")
    with pytest.raises(TypeError, match=r"'forgot'.*out\._backward = _backward"):
        (out * 2).backward()
    assert x.grad == 0.0


def test_a_closure_storing_a_value_in_grad_is_told_to_use_floats() -> None:
    x, w = Value(1.0), Value(3.0)
    out = Value(3.0, (x,), "times_w")

    def _backward() -> None:
        x.grad += w * out.grad  # a Value: the lecture writes w.data

    out._backward = _backward
    with pytest.raises(TypeError, match=r"a Value.*\.data"):
        out.backward()


def test_create_graph_and_the_compiled_path_name_the_closure_op_and_point_to_op() -> None:
    x = Value(0.5)
    out = closure_tanh(x) * 2
    with pytest.raises(TypeError, match=r"'tanh'.*closure-style.*subclass of autograd_engine.Op"):
        out.backward(create_graph=True)
    assert x.grad == 0.0
    with pytest.raises(TypeError, match=r"'tanh'.*compile_graph.*autograd_engine.Op"):
        compile_graph(out, [x])


def test_gradcheck_follows_a_closure_op_and_second_order_checks_name_it() -> None:
    def f(x: Value) -> Value:
        return closure_exp(x) * x

    assert gradcheck(f, [0.7])  # first derivatives: floats, which a closure computes
    with pytest.raises(TypeError, match="'exp' was written closure-style"):
        gradgradcheck(f, [0.7])
    assert check_op(f, reference=lambda x: x.exp() * x)
    report = check_op(f, reference=lambda x: x.exp() * x, second_order=True)
    # the report wraps at 80 columns, so the phrase is looked for with its line breaks undone
    assert not report and "'exp' was written closure-style" in " ".join(str(report).split())


def test_inside_no_grad_a_closure_node_records_nothing() -> None:
    x = Value(1.0)
    with no_grad():
        out = closure_exp(x)
    assert out._prev == () and out._operation is None


def test_a_built_in_node_refuses_a_backward_function_and_says_how_to_write_an_op() -> None:
    y = Value(2.0) * 3
    with pytest.raises(AttributeError, match=r"built-in op '\*'.*Value\(data, \(inputs"):
        y._backward = lambda: None


# -- training loops of the lecture: tanh MLP, p.data updates, optimizer state on the Values ------

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


class LectureNeuron:
    def __init__(self, weights: list[float], bias: float) -> None:
        self.w = [LectureValue(w) for w in weights]
        self.b = LectureValue(bias)

    def __call__(self, x: list[float]) -> LectureValue:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self) -> list[LectureValue]:
        return [*self.w, self.b]


def lecture_copy(model: MLP) -> list[list[LectureNeuron]]:
    """The lecture's MLP, neuron by neuron, with the weights of ``model``."""
    return [
        [LectureNeuron([w.data for w in n.w], n.b.data) for n in layer.neurons]
        for layer in model.layers
    ]


def lecture_forward(layers: list[list[LectureNeuron]], x: list[float]) -> Any:
    out: Any = x
    for layer in layers:
        out = [n(out) for n in layer]
    return out[0]


def lecture_training(
    forward: Callable[[list[float]], Any], params: list[Value], steps: int
) -> Iterator[float]:
    """The lecture's loop: squared error, zero the grads by hand, backward, p.data update."""
    for _ in range(steps):
        ypred = [forward(x) for x in XS]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(YS, ypred))
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data += -0.1 * p.grad
        yield loss.data


def test_lecture_training_loop_with_a_tanh_mlp_matches_the_same_loop_on_closure_ops() -> None:
    random.seed(0)
    model = MLP(3, [4, 4, 1], activation="tanh", output_activation="tanh")
    layers = lecture_copy(model)
    theirs = [p for layer in layers for n in layer for p in n.parameters()]
    assert len(theirs) == len(model.parameters()) == 41
    ours = list(lecture_training(model, model.parameters(), 20))
    reference = list(lecture_training(lambda x: lecture_forward(layers, x), theirs, 20))
    assert ours == pytest.approx(reference, rel=1e-12)
    assert ours[-1] < 0.1 < ours[0]  # it learns the four targets


class AdamW:
    """An optimizer written as in EurekaLabsAI's micrograd: its moments live on the Values."""

    def __init__(self, params: list[Value], lr: float, betas: tuple[float, float]) -> None:
        self.params, self.lr, (self.beta1, self.beta2) = params, lr, betas
        self.t = 0
        for p in params:
            p.m = 0.0  # type: ignore[attr-defined]
            p.v = 0.0  # type: ignore[attr-defined]

    def step(self) -> None:
        self.t += 1
        for p in self.params:
            q: Any = p
            q.m = self.beta1 * q.m + (1 - self.beta1) * p.grad
            q.v = self.beta2 * q.v + (1 - self.beta2) * p.grad**2
            m_hat = q.m / (1 - self.beta1**self.t)
            v_hat = q.v / (1 - self.beta2**self.t)
            p.data -= self.lr * m_hat / (v_hat**0.5 + 1e-8)


def test_an_optimizer_keeping_its_state_on_the_values_trains_like_our_adam() -> None:
    random.seed(1)
    model = MLP(3, [4, 4, 1], activation="tanh")
    twin = MLP(3, [4, 4, 1], activation="tanh")
    twin.load_state_dict(model.state_dict())
    theirs = AdamW(model.parameters(), 0.05, (0.9, 0.95))
    ours = Adam(twin.parameters(), lr=0.05, betas=(0.9, 0.95), eps=1e-8)
    pairs: list[tuple[MLP, Any]] = [(model, theirs), (twin, ours)]
    for _ in range(10):
        for net, optimizer in pairs:
            loss = sum((net(x) - y) ** 2 for x, y in zip(XS, YS))
            net.zero_grad()
            loss.backward()
            optimizer.step()
    assert all(hasattr(p, "m") and hasattr(p, "v") for p in model.parameters())
    # the same update; PyTorch's Adam (ours) orders the bias corrections differently: rounding
    assert [p.data for p in model.parameters()] == pytest.approx(
        [p.data for p in twin.parameters()], rel=1e-9
    )
