"""``backward()``: the chain rule over shared nodes, accumulation, zero_grad, depth and width.

Expected gradients are worked out by hand in the comments.
"""

from __future__ import annotations

import math
import sys
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import OURS, Expression, evaluate, expressions, reference_values

from autograd_engine import Value, grad, topological_order


def test_node_added_to_itself_gets_gradient_two() -> None:
    a = Value(3.0)
    b = a + a  # db/da = 1 + 1
    b.backward()
    assert a.grad == 2.0


def test_node_multiplied_by_itself_gets_gradient_two_a() -> None:
    a = Value(3.0)
    b = a * a  # db/da = a + a = 6
    b.backward()
    assert a.grad == 6.0


def test_node_used_three_times_in_one_product() -> None:
    a = Value(2.0)
    (a * a * a).backward()  # 3 a^2
    assert a.grad == 12.0


def test_diamond_graph_sums_both_paths() -> None:
    # a feeds b = 2a and c = a + 1, which meet in d = b * c:
    # dd/da = c * db/da + b * dc/da = (a + 1) * 2 + 2a * 1 = 4a + 2 = 14 at a = 3
    a = Value(3.0)
    b = a * 2
    c = a + 1
    d = b * c
    d.backward()
    assert (d.data, b.grad, c.grad, a.grad) == (24.0, 4.0, 6.0, 14.0)


def test_deep_diamonds_double_the_gradient_at_each_level() -> None:
    # x_{k+1} = x_k + x_k: d x_n / d x_0 = 2^n, and each level is visited once
    x0 = Value(1.0)
    x = x0
    for _ in range(40):
        x = x + x
    x.backward()
    assert x.data == 2.0**40 and x0.grad == 2.0**40


def test_constant_operands_on_either_side_give_the_right_gradients() -> None:
    cases = [
        (lambda a: a + 2, 1.0),
        (lambda a: 2 + a, 1.0),
        (lambda a: a - 2, 1.0),
        (lambda a: 2 - a, -1.0),
        (lambda a: a * 2, 2.0),
        (lambda a: 2 * a, 2.0),
        (lambda a: a / 2, 0.5),
        (lambda a: 2 / a, -2.0 / 9.0),  # -2 / a^2 at a = 3
        (lambda a: a**2, 6.0),  # 2a
        (lambda a: 2**a, 8.0 * math.log(2.0)),  # 2^a ln 2
        (lambda a: -a, -1.0),
        (lambda a: abs(-a), 1.0),
    ]
    for f, expected in cases:
        a = Value(3.0)
        out = f(a)
        out.backward()
        assert math.isclose(a.grad, expected, rel_tol=1e-15), (out, a.grad, expected)


def test_value_to_a_value_power_differentiates_both_base_and_exponent() -> None:
    a, b = Value(2.0), Value(3.0)
    (a**b).backward()  # d/da = b a^(b-1) = 12; d/db = a^b ln a = 8 ln 2
    assert a.grad == 12.0
    assert math.isclose(b.grad, 8.0 * math.log(2.0), rel_tol=1e-15)


def test_constant_leaves_also_receive_a_gradient() -> None:
    a = Value(3.0)
    out = a * 5
    out.backward()
    const = out._prev[1]
    assert const.grad == 3.0


def test_backward_of_a_leaf_seeds_it_with_one() -> None:
    a = Value(4.0)
    a.backward()
    assert a.grad == 1.0


def _shared_graph() -> Value:
    a, b, c = Value(0.5, label="a"), Value(-1.5, label="b"), Value(2.0, label="c")
    e = a * b  # used three times below
    f = (e + c).tanh()
    return f * e + (e * c).exp() + Value.sum([f, e, a, 1.0]) / (c * c)


def test_second_backward_adds_the_gradient_exactly_once_more_to_every_node() -> None:
    out = _shared_graph()
    nodes = topological_order(out)
    out.backward()
    first = [n.grad for n in nodes]
    out.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]  # exact: g + g == 2g in floats
    assert out.grad == 2.0
    out.backward()  # (g + g) + g may round differently from 3g, so compare closely
    assert all(math.isclose(n.grad, 3 * g, rel_tol=1e-15) for n, g in zip(nodes, first))


@given(expressions())
def test_second_backward_doubles_every_gradient_on_random_graphs(expr: Expression) -> None:
    reference_values(expr)
    out = evaluate(expr, OURS, [Value(x) for x in expr.inputs])
    nodes = topological_order(out)
    out.backward()
    first = [n.grad for n in nodes]
    out.backward()
    assert [n.grad for n in nodes] == [2 * g for g in first]


@given(expressions())
def test_the_checked_path_gives_the_fast_paths_floats_bit_for_bit(expr: Expression) -> None:
    # backward's inline loop hands a pass to the checked loop (chain_rule_terms per node) when
    # something is unusual, here earlier grads that are numpy zeros; both add the same floats
    # in the same order, so the grads agree to the bit, as Python floats
    np = pytest.importorskip("numpy")
    reference_values(expr)
    out = evaluate(expr, OURS, [Value(x) for x in expr.inputs])
    nodes = topological_order(out)
    out.backward()
    fast = [n.grad for n in nodes]
    for n in nodes:
        n.grad = np.float64(0.0)
    out.backward()
    assert [n.grad for n in nodes] == fast
    assert [math.copysign(1.0, n.grad) for n in nodes] == [math.copysign(1.0, g) for g in fast]
    assert all(type(n.grad) is float for n in nodes)


def test_backward_from_two_roots_adds_their_gradients() -> None:
    x = Value(3.0)
    y1 = x * x  # 2x = 6
    y2 = x * 4  # 4
    y1.backward()
    y2.backward()
    assert x.grad == 10.0
    assert y1.grad == 1.0 and y2.grad == 1.0


def test_zero_grad_resets_every_node_so_backward_starts_afresh() -> None:
    out = _shared_graph()
    nodes = topological_order(out)
    out.backward()
    first = [n.grad for n in nodes]
    assert any(g != 0.0 for g in first)
    out.zero_grad()
    assert all(n.grad == 0.0 for n in nodes)
    out.backward()
    assert [n.grad for n in nodes] == first


def test_backward_agrees_with_functional_grad() -> None:
    out = _shared_graph()
    nodes = topological_order(out)
    expected = grad(out, nodes)
    out.backward()
    assert [n.grad for n in nodes] == expected


def test_topological_order_puts_parents_first_lists_each_node_once_and_is_deterministic() -> None:
    out = _shared_graph()
    order = topological_order(out)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order)
    assert order[-1] is out
    for node in order:
        assert all(position[p] < position[node] for p in node._prev)
    assert topological_order(out) == order


def _reference_order(roots: tuple[Value, ...]) -> list[Value]:
    """The depth-first post-order topological_order promises, written the plain recursive way."""
    order: list[Value] = []
    seen: set[Value] = set()

    def visit(node: Value) -> None:
        if node in seen:
            return
        seen.add(node)
        for parent in node._prev:
            visit(parent)
        order.append(node)

    for root in roots:
        visit(root)
    return order


@given(st.data())
def test_topological_order_is_the_depth_first_post_order_on_random_graphs(
    data: st.DataObject,
) -> None:
    # the walk skips steps (inputs already visited, nodes with every input done); the order it
    # gives must still be exactly the recursive definition's, on graphs of every shape: nodes of
    # 0 to 5 inputs, inputs repeated, shared nodes, several roots, a root inside another's graph
    nodes = [Value(float(i)) for i in range(data.draw(st.integers(1, 4)))]
    for _ in range(data.draw(st.integers(0, 25))):
        inputs = data.draw(st.lists(st.sampled_from(nodes), min_size=0, max_size=5))
        if len(inputs) == 1:
            node = inputs[0].relu()
        elif len(inputs) == 2:
            node = inputs[0] * inputs[1]
        else:
            node = Value.sum(inputs)  # no input: a sum node with no inputs
        assert node._prev == tuple(inputs)
        nodes.append(node)
    roots = tuple(data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=3)))
    assert topological_order(*roots) == _reference_order(roots)


def test_chain_of_a_million_nodes_backpropagates_without_recursion_error() -> None:
    x = Value(1.5)
    y = x
    for _ in range(1_000_000):
        y = -y  # an even number of negations: y = x, dy/dx = 1 exactly
    y.backward()
    assert y.data == 1.5
    assert x.grad == 1.0
    assert y._prev[0].grad == -1.0
    del y  # freeing a million-deep chain must not overflow the C stack either


def test_hundred_thousand_term_sum_is_one_node_with_unit_gradients() -> None:
    terms = [Value(i * 0.001) for i in range(100_000)]
    s = Value.sum(terms)
    assert len(s._prev) == 100_000 and all(p is t for p, t in zip(s._prev, terms))
    assert s.data == sum(i * 0.001 for i in range(100_000))  # same order, same rounding
    s.backward()
    assert all(t.grad == 1.0 for t in terms)


def test_builtin_sum_of_a_hundred_thousand_values_backpropagates() -> None:
    terms = [Value(1.0) for _ in range(100_000)]
    s = sum(terms)
    assert isinstance(s, Value) and s.data == 100_000.0
    s.backward()
    assert all(t.grad == 1.0 for t in terms)


def test_wide_sum_with_weights_is_a_neuron() -> None:
    # w.x + b over 1,000 inputs: d/dw_i = x_i, d/dx_i = w_i, d/db = 1
    xs = [Value(math.sin(i)) for i in range(1000)]
    ws = [Value(math.cos(i)) for i in range(1000)]
    b = Value(0.1)
    out = Value.sum([*(w * x for w, x in zip(ws, xs)), b]).tanh()
    out.backward()
    local = 1.0 - out.data**2
    assert all(math.isclose(w.grad, x.data * local, rel_tol=1e-12) for w, x in zip(ws, xs))
    assert math.isclose(b.grad, local, rel_tol=1e-12)


def test_separate_graphs_back_propagated_in_threads_at_once_give_the_serial_gradients() -> None:
    # The README's claim: separate graphs in separate threads are safe (a shared graph is not).
    def gradients(seed: int) -> list[float]:
        xs = [Value(0.1 * (seed + i) - 0.7) for i in range(6)]
        for _ in range(30):  # repeated passes, so that the threads interleave inside backward
            for x in xs:
                x.grad = 0.0
            h = [(xs[i] * xs[i + 1] + 0.5).tanh() for i in range(5)]
            loss = Value.sum([(v - 0.25) ** 2 for v in h]) + xs[0].exp()
            loss.backward()
        return [x.grad for x in xs]

    expected = {seed: gradients(seed) for seed in range(8)}
    results: dict[int, list[float]] = {}
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [
            threading.Thread(target=lambda s=seed: results.__setitem__(s, gradients(s)))
            for seed in expected
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        sys.setswitchinterval(switch)
    assert results == expected
