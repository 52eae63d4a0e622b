"""Higher-order gradients: backward(create_graph=True), functional grad, Newton, Hessians."""

from __future__ import annotations

import math

import pytest

from autograd_engine import Value, grad, is_grad_enabled, no_grad, topological_order


def test_backward_with_create_graph_makes_grads_values_that_differentiate_again() -> None:
    x = Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert x.grad.data == 12.0  # 3 x^2
    assert x.grad._prev  # it has a graph of its own
    assert grad(x.grad, [x]) == [12.0]  # 6 x


def test_backward_with_create_graph_twice_accumulates_values() -> None:
    x = Value(2.0)
    y = x * x * x
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 24.0
    assert grad(x.grad, [x]) == [24.0]  # d(2 * 3x^2)/dx = 12 x


def test_functional_grad_returns_floats_and_never_touches_grad() -> None:
    x, y = Value(2.0), Value(-1.0)
    out = x * x * y + y.exp()
    x.grad, y.grad = 7.0, -7.0  # earlier gradients must survive
    gx, gy = grad(out, [x, y])
    assert (type(gx), type(gy)) == (float, float)
    assert (gx, gy) == (2 * 2.0 * -1.0, 2.0**2 + math.exp(-1.0))
    assert (x.grad, y.grad) == (7.0, -7.0)
    assert all(n.grad == 0.0 for n in topological_order(out) if n not in (x, y))


def test_functional_grad_with_create_graph_returns_values_and_never_touches_grad() -> None:
    x = Value(2.0)
    out = x.sin() * x
    gs = grad(out, [x], create_graph=True)
    assert len(gs) == 1 and isinstance(gs[0], Value)
    assert gs[0].data == math.cos(2.0) * 2.0 + math.sin(2.0)
    assert all(n.grad == 0.0 for n in topological_order(out))
    assert all(n.grad == 0.0 for n in topological_order(gs[0]))


def test_grad_of_an_input_the_output_does_not_use_is_zero() -> None:
    x, unused = Value(1.0), Value(5.0)
    out = x * 3
    assert grad(out, [x, unused]) == [3.0, 0.0]
    gx, gu = grad(out, [x, unused], create_graph=True)
    assert isinstance(gu, Value) and gu.data == 0.0
    assert grad(gx, [x]) == [0.0]  # 3 is constant in x


def test_grad_with_respect_to_an_intermediate_node() -> None:
    x = Value(3.0)
    h = x * x
    out = h.log()
    assert grad(out, [h, x]) == [1 / 9.0, 2 / 3.0]


def test_grad_rejects_non_values_naming_the_type() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"float 2\.0"):
        grad(2.0, [x])  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"float 3\.0 at position 1"):
        grad(x * 2, [x, 3.0])  # type: ignore[list-item]


def test_repeated_differentiation_of_sine_cycles_through_its_derivatives() -> None:
    x = Value(0.7)
    g = x.sin()
    expected = [math.cos, lambda t: -math.sin(t), lambda t: -math.cos(t), math.sin]
    for derivative in expected:
        (g,) = grad(g, [x], create_graph=True)
        assert math.isclose(g.data, derivative(0.7), rel_tol=1e-14)


def test_fourth_derivative_of_x_to_the_fourth_is_24_and_fifth_is_0() -> None:
    x = Value(1.5)
    g = x**4
    values = []
    for _ in range(5):
        (g,) = grad(g, [x], create_graph=True)
        values.append(g.data)
    assert values == [4 * 1.5**3, 12 * 1.5**2, 24 * 1.5, 24.0, 0.0]


def test_gradient_penalty_backpropagates_through_a_gradient() -> None:
    # loss = (dy/dx)^2 with y = x^3: dy/dx = 3x^2, loss = 9x^4, dloss/dx = 36 x^3
    x = Value(2.0)
    (g,) = grad(x**3, [x], create_graph=True)
    loss = g * g
    loss.backward()
    assert loss.data == 144.0 and x.grad == 36 * 8.0


def test_newtons_method_minimises_a_quartic() -> None:
    # f(x) = x^4 - 3x^3 + 2: f'(x) = x^2 (4x - 9), so the minimum is at x = 9/4
    x = Value(3.0)
    for _ in range(50):
        f = x**4 - 3 * x**3 + 2
        (df,) = grad(f, [x], create_graph=True)
        (d2f,) = grad(df, [x])
        step = df.data / d2f
        x = Value(x.data - step)
        if abs(step) < 1e-15:
            break
    assert x.data == pytest.approx(2.25, abs=1e-12)
    assert d2f == pytest.approx(2.25 * (12 * 2.25 - 18), rel=1e-9)  # f'' = 12x^2 - 18x > 0


def test_newtons_method_in_two_variables_uses_the_hessian() -> None:
    # f(x, y) = (x - 1)^4 + (x - 1)^2 + (y + 2)^2 + x y: smooth, convex, one minimum
    x, y = Value(3.0), Value(3.0)
    for _ in range(50):
        f = (x - 1) ** 4 + (x - 1) ** 2 + (y + 2) ** 2 + x * y
        gx, gy = grad(f, [x, y], create_graph=True)
        hxx, hxy = grad(gx, [x, y])
        hyx, hyy = grad(gy, [x, y])
        assert hxy == hyx
        det = hxx * hyy - hxy * hyx
        dx = (hyy * gx.data - hxy * gy.data) / det
        dy = (-hyx * gx.data + hxx * gy.data) / det
        x, y = Value(x.data - dx), Value(y.data - dy)
        if abs(dx) + abs(dy) < 1e-14:
            break
    final = grad((x - 1) ** 4 + (x - 1) ** 2 + (y + 2) ** 2 + x * y, [x, y])
    assert all(abs(g) < 1e-12 for g in final)


def _two_variable_function(x: object, y: object, lib: object) -> object:
    """f(x, y) written once for both our Values and autograd.numpy (``lib`` gives exp/log/...)."""
    return (
        x * x * y  # type: ignore[operator]
        + lib.sin(x * y)  # type: ignore[attr-defined, operator]
        + lib.exp(x - y)  # type: ignore[attr-defined, operator]
        + lib.log(x * x + y * y + 1.0)  # type: ignore[attr-defined, operator]
        + lib.sqrt(y * y + 2.0) / x  # type: ignore[attr-defined, operator]
        + lib.tanh(x) * y**3  # type: ignore[attr-defined, operator]
    )


class _ValueMath:
    exp = staticmethod(Value.exp)
    log = staticmethod(Value.log)
    sin = staticmethod(Value.sin)
    sqrt = staticmethod(Value.sqrt)
    tanh = staticmethod(Value.tanh)


@pytest.mark.parametrize("point", [(0.7, -0.4), (1.3, 0.9), (-0.5, 2.0)])
def test_hessian_of_a_two_variable_function_matches_autograd(point: tuple[float, float]) -> None:
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    x, y = Value(point[0]), Value(point[1])
    f = _two_variable_function(x, y, _ValueMath)
    assert isinstance(f, Value)
    gx, gy = grad(f, [x, y], create_graph=True)
    ours = [grad(gx, [x, y]), grad(gy, [x, y])]
    expected = autograd.hessian(lambda v: _two_variable_function(v[0], v[1], anp))(anp.array(point))
    for i in range(2):
        for j in range(2):
            assert ours[i][j] == pytest.approx(expected[i][j], rel=1e-10, abs=1e-12)
    assert ours[0][1] == pytest.approx(ours[1][0], rel=1e-13)  # symmetric


def test_create_graph_records_the_gradient_graph_even_inside_no_grad() -> None:
    # as in PyTorch: asking for create_graph=True is asking for a graph
    x = Value(2.0)
    y = x**3
    with no_grad():
        (g,) = grad(y, [x], create_graph=True)
        y.backward(create_graph=True)
        assert not is_grad_enabled()
    assert grad(g, [x]) == [12.0]  # 6x, not a silent 0
    assert grad(x.grad, [x]) == [12.0]


def test_mixed_second_derivative_of_a_power_at_exponent_zero_is_one_over_the_base() -> None:
    # f = a**b: df/da = b a^(b-1); d/db of that = a^(b-1) + b a^(b-1) ln a = 1/a at b = 0.
    # (Both oracles get this point wrong: torch gives 0, autograd 1; see strategies.py.)
    a, b = Value(1.5), Value(0.0)
    da, db = grad(a**b, [a, b], create_graph=True)
    assert (da.data, db.data) == (0.0, math.log(1.5))  # b a^(b-1) = 0; a^b ln a = ln a
    assert grad(da, [a, b]) == pytest.approx([0.0, 1 / 1.5], rel=1e-15)
    assert grad(db, [a, b]) == pytest.approx([1 / 1.5, math.log(1.5) ** 2], rel=1e-15)
