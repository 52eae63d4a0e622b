"""Every registered op against central finite differences over its domain, first and second order.

The ops come from ``strategies.BUILTIN_OPS`` (every ``Op`` subclass in ``autograd_engine.ops``), so
a new op is tested as soon as it is defined; a test fails if it lacks a ``Value`` method or a
usable ``domain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import BUILTIN_OPS, METHODS, apply_via_method, n_inputs, op_id, op_instances

from autograd_engine import Value, grad, ops

OPS = op_instances()
H = 1e-5  # finite-difference step: truncation ~H^2, rounding ~1e-16/H, both far below tolerance
KINK_CLEARANCE = 0.1  # samples stay this far from a kink, where the derivative jumps


def central_difference(f: Callable[[list[float]], float], x: Sequence[float], i: int) -> float:
    """(f(x + h e_i) - f(x - h e_i)) / 2h: the derivative along input i, error O(h^2)."""
    up, down = list(x), list(x)
    up[i] += H
    down[i] -= H
    return (f(up) - f(down)) / (2 * H)


def forward(op: ops.Op) -> Callable[[list[float]], float]:
    """The op as a float function, applied the public way (through its Value method)."""
    return lambda xs: apply_via_method(op, [Value(x) for x in xs]).data


def first_derivatives(op: ops.Op) -> Callable[[list[float]], list[float]]:
    """The analytic gradient (float path of the backward rule) as a function of the inputs."""

    def gradient(xs: list[float]) -> list[float]:
        inputs = [Value(x) for x in xs]
        return grad(apply_via_method(op, inputs), inputs)

    return gradient


def domain_points(op: ops.Op) -> st.SearchStrategy[list[float]]:
    """Points inside the op's domain, at least ``KINK_CLEARANCE`` away from every kink."""
    coords = [st.floats(lo + 2 * H, hi - 2 * H) for lo, hi in op.domain[: n_inputs(op)]]
    return st.tuples(*coords).map(list)


def clear_of_kinks(op: ops.Op, xs: Sequence[float]) -> bool:
    return all(abs(x - k) > KINK_CLEARANCE for x in xs for k in op.kinks)


def grid_point(op: ops.Op, t: float) -> list[float]:
    """The point a fraction ``t`` of the way across every input's domain interval."""
    return [lo + t * (hi - lo) for lo, hi in op.domain[: n_inputs(op)]]


def middle_point(op: ops.Op) -> list[float]:
    """A point well inside the domain and clear of kinks (the middle, unless a kink is there)."""
    for t in (0.5, 0.3, 0.7):
        if clear_of_kinks(op, grid_point(op, t)):
            return grid_point(op, t)
    raise AssertionError(f"{op.name}: no point of its domain is clear of its kinks")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


@pytest.mark.parametrize("op", OPS, ids=op_id)
def test_every_registered_op_has_a_value_method(op: ops.Op) -> None:
    method = METHODS.get(op.name)
    assert method, f"{op.name} has no Value method in strategies.METHODS"
    assert callable(getattr(Value, method, None)), f"Value has no method {method!r}"
    args = [Value(x) for x in middle_point(op)]
    via_method = apply_via_method(op, args)
    direct = op(*args)
    assert isinstance(via_method._operation, type(op))
    assert via_method._op == direct._op == op.label()
    assert via_method.data == direct.data
    assert via_method._prev == direct._prev == tuple(args)


@pytest.mark.parametrize("op", OPS, ids=op_id)
def test_every_registered_op_has_a_usable_domain(op: ops.Op) -> None:
    assert op.arity >= 0
    assert len(op.domain) == n_inputs(op) >= 1, f"{op.name}: one (low, high) per input"
    for lo, hi in op.domain:
        assert math.isfinite(lo) and math.isfinite(hi) and lo < hi, f"{op.name}: {lo}, {hi}"
    # the corners and the grid points clear of kinks give finite values and derivatives
    for t in (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0):
        point = grid_point(op, t)
        if clear_of_kinks(op, point):
            value = forward(op)(point)
            assert type(value) is float and math.isfinite(value)
            assert all(math.isfinite(g) for g in first_derivatives(op)(point))
    for point in op.edge_points:
        assert len(point) == n_inputs(op)
        assert math.isfinite(forward(op)(list(point)))


@pytest.mark.parametrize("op", OPS, ids=op_id)
@given(data=st.data())
def test_first_derivative_matches_central_differences(op: ops.Op, data: st.DataObject) -> None:
    xs = data.draw(domain_points(op))
    assume(clear_of_kinks(op, xs))
    analytic = first_derivatives(op)(xs)
    for i in range(len(xs)):
        numeric = central_difference(forward(op), xs, i)
        assert close(analytic[i], numeric), f"d{op_id(op)}/dx{i} at {xs}: {analytic} vs {numeric}"


@pytest.mark.parametrize("op", OPS, ids=op_id)
@given(data=st.data())
def test_second_derivative_matches_central_differences(op: ops.Op, data: st.DataObject) -> None:
    xs = data.draw(domain_points(op))
    assume(clear_of_kinks(op, xs))
    inputs = [Value(x) for x in xs]
    first = grad(apply_via_method(op, inputs), inputs, create_graph=True)
    assert all(isinstance(g, Value) for g in first)
    # the create_graph gradient has the same value as the plain one ...
    plain = first_derivatives(op)(xs)
    assert all(math.isclose(g.data, p, rel_tol=1e-12, abs_tol=1e-12) for g, p in zip(first, plain))
    # ... and its own derivatives match finite differences of the plain first derivative
    for i, g in enumerate(first):
        second = grad(g, inputs)
        for j in range(len(xs)):
            numeric = central_difference(lambda p, i=i: first_derivatives(op)(p)[i], xs, j)
            assert close(second[j], numeric), (
                f"d2{op_id(op)}/dx{i}dx{j} at {xs}: {second[j]} vs {numeric}"
            )


@pytest.mark.parametrize("op", OPS, ids=op_id)
def test_op_applied_to_plain_numbers_wraps_them_as_constant_leaves(op: ops.Op) -> None:
    point = middle_point(op)
    out = op(*point)
    assert out.data == forward(op)(point)
    assert [p.data for p in out._prev] == point
    assert all(p._prev == () and p._operation is None for p in out._prev)


def test_fixed_arity_op_called_with_wrong_number_of_inputs_raises_type_error() -> None:
    with pytest.raises(TypeError, match="mul takes 2 input"):
        ops.MUL(Value(1.0))
    with pytest.raises(TypeError, match="exp takes 1 input"):
        ops.EXP(Value(1.0), Value(2.0))


def test_op_labels_show_parameters() -> None:
    assert ops.PowConst(2).label() == "**2"
    assert ops.PowConst(-2.5).label() == "**-2.5"
    assert ops.LeakyRelu(0.2).label() == "leaky_relu(0.2)"
    assert (Value(2.0) ** 3)._op == "**3"
    assert (Value(2.0) * 3)._op == "*"
    assert Value(2.0)._op == ""


def test_op_docstrings_state_the_function_and_its_derivative() -> None:
    for name, cls in BUILTIN_OPS.items():
        doc = cls.__doc__ or ""
        assert "f(" in doc and "/" in doc, f"{name}: docstring should give f and df/dx"


def test_user_defined_op_gets_first_and_second_derivatives() -> None:
    class Cube(ops.Op):
        r"""f(x) = x^3; df/dx = 3 x^2."""

        name = "test_cube"
        symbol = "cube"
        arity = 1

        def forward(self, x: float) -> float:
            return x**3

        def backward(self, grad: ops.Scalar, out: ops.Scalar, x: ops.Scalar) -> tuple[ops.Scalar]:
            return (grad * 3 * x * x,)

    x = Value(2.0)
    y = Cube()(x)
    (dy,) = grad(y, [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    assert (y.data, dy.data, d2y) == (8.0, 12.0, 12.0)
    assert y._op == "cube"
