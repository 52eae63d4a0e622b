"""Random programs over extreme inputs: no NaN or infinity is ever stored, and a failing
backward pass leaves every grad exactly as it was.

Unlike ``strategies.expressions``, these programs are not kept inside the ops' domains: inputs
and constants include 0, -0.0, subnormals, 1e-300, 1e300 and the edges of ``exp``, so forward
steps and backward passes fail often. A step whose forward raises ``DomainError`` is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import DomainError, Value, grad, topological_order
from autograd_engine.stepper import apply_backward_steps, backward_steps

EXTREMES = (
    0.0,
    -0.0,
    5e-324,
    -2.2e-308,
    1e-300,
    1e-160,
    1e-10,
    0.5,
    -1.0,
    2.0,
    709.0,
    -745.0,
    1e10,
    1e154,
    -1e200,
    1e300,
    1.7e308,
)
NUMBERS = st.one_of(
    st.sampled_from(EXTREMES),
    st.floats(allow_nan=False, allow_infinity=False),
)

UNARY: dict[str, Callable[[Value, float], Value]] = {
    "exp": lambda x, c: x.exp(),
    "log": lambda x, c: x.log(),
    "sqrt": lambda x, c: x.sqrt(),
    "tanh": lambda x, c: x.tanh(),
    "sigmoid": lambda x, c: x.sigmoid(),
    "relu": lambda x, c: x.relu(),
    "leaky_relu": lambda x, c: x.leaky_relu(0.01),
    "softplus": lambda x, c: x.softplus(),
    "sin": lambda x, c: x.sin(),
    "cos": lambda x, c: x.cos(),
    "abs": lambda x, c: abs(x),
    "neg": lambda x, c: -x,
    "pow_const": lambda x, c: x ** (c if abs(c) < 8 else 3.0),
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "sum": lambda a, b: Value.sum([a, b, a]),
}
OP_NAMES = sorted(UNARY) + sorted(BINARY)
EXPONENTS = st.sampled_from((2.0, 3.0, 0.5, -1.0, -2.5, 0.0, 1.5, 0.1, 7.0))


@st.composite
def programs(draw: st.DrawFn) -> Value | None:
    """A random graph over extreme numbers; None if every step failed in forward."""
    nodes = [Value(draw(NUMBERS), label=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    built = []
    for _ in range(draw(st.integers(1, 10))):
        name = draw(st.sampled_from(OP_NAMES))
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        try:
            if name in UNARY:
                out = UNARY[name](a, draw(EXPONENTS))
            else:
                b = (
                    nodes[draw(st.integers(0, len(nodes) - 1))]
                    if draw(st.booleans())
                    else Value(draw(NUMBERS))
                )
                out = BINARY[name](a, b) if draw(st.booleans()) else BINARY[name](b, a)
        except DomainError:
            continue
        nodes.append(out)
        built.append(out)
    if not built:
        return None
    try:
        return Value.sum(built) if len(built) > 1 else built[0]
    except DomainError:
        return built[-1]


def _finite(x: Any) -> bool:
    if isinstance(x, Value):
        return type(x.data) is float and math.isfinite(x.data)
    return type(x) is float and math.isfinite(x)


EARLIER = st.sampled_from(["zero", "small", "huge", "values"])


def _set_earlier(nodes: list[Value], kind: str) -> list[Any]:
    for i, n in enumerate(nodes):
        if kind == "zero":
            n.grad = 0.0
        elif kind == "small":
            n.grad = 0.5 * i - 1.0
        elif kind == "huge":
            n.grad = 1.7e308 if i % 2 else -1e308
        else:
            n.grad = Value(1.5 * i)
    return [n.grad for n in nodes]


def _check_pass(root: Value, call: Callable[[], None], earlier_kind: str) -> bool:
    """Run one pass; return whether it succeeded. Either way nothing stored is NaN or inf, and a
    failure changed no grad (the very same objects are back)."""
    nodes = topological_order(root)
    before = _set_earlier(nodes, earlier_kind)
    try:
        call()
    except DomainError:
        assert all(n.grad is g for n, g in zip(nodes, before))
        return False
    assert all(_finite(n.grad) for n in nodes)
    return True


@settings(max_examples=400, deadline=None)
@given(root=programs(), earlier=EARLIER)
def test_random_extreme_programs_never_store_nan_or_inf(root: Value | None, earlier: str) -> None:
    if root is None:
        return
    nodes = topological_order(root)
    assert all(type(n.data) is float and math.isfinite(n.data) for n in nodes)
    _check_pass(root, root.backward, earlier)
    _check_pass(root, lambda: root.backward(create_graph=True), earlier)
    _check_pass(root, lambda: apply_backward_steps(backward_steps(root)), earlier)


@settings(max_examples=400, deadline=None)
@given(root=programs())
def test_backward_grad_and_the_steps_agree_on_success_and_on_failure(root: Value | None) -> None:
    if root is None:
        return
    nodes = topological_order(root)
    succeeded = _check_pass(root, root.backward, "zero")
    passed = [n.grad for n in nodes]
    try:
        functional = grad(root, nodes)
    except DomainError:
        assert not succeeded, "grad() failed where backward() did not"
        return
    assert succeeded, "backward() failed where grad() did not"
    assert functional == passed
    stepped = {s.node: s.upstream_grad for s in backward_steps(root)}
    assert [stepped[n] for n in nodes] == passed


@settings(max_examples=300, deadline=None)
@given(root=programs(), earlier=EARLIER)
def test_stepping_by_hand_never_stores_nan_or_inf_and_a_failing_step_changes_nothing(
    root: Value | None, earlier: str
) -> None:
    if root is None:
        return
    nodes = topological_order(root)
    _set_earlier(nodes, earlier)
    root.grad = 1.0
    for node in reversed(nodes):  # micrograd's lecture: call _backward() node by node
        before = [n.grad for n in nodes]
        try:
            node._backward()
        except DomainError:
            assert all(n.grad is g for n, g in zip(nodes, before))
        assert all(_finite(n.grad) for n in nodes)
