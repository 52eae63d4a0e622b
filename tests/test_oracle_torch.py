"""Random expression graphs against PyTorch (float64) as the oracle; skipped without PyTorch.

The same generated programs as ``test_oracle_autograd.py``: values, gradients and Hessians must
agree with ``torch.autograd``. Also pins the accumulation semantics that PyTorch documents.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from strategies import (
    OURS,
    Backend,
    Expression,
    assert_close,
    evaluate,
    expressions,
    pow_exponent_is_exactly_zero,
    reference_values,
)

from autograd_engine import Value, grad

torch = pytest.importorskip("torch")

TORCH = Backend(
    exp=torch.exp,
    log=torch.log,
    sqrt=torch.sqrt,
    tanh=torch.tanh,
    sigmoid=torch.sigmoid,
    relu=torch.relu,
    leaky_relu=lambda x, s: torch.nn.functional.leaky_relu(x, s),
    # logaddexp(0, x) is exact; F.softplus switches to x above its threshold
    softplus=lambda x: torch.logaddexp(torch.zeros_like(x), x),
    sin=torch.sin,
    cos=torch.cos,
    abs=torch.abs,
    sum=sum,
)


def _leaves(expr: Expression) -> list[Any]:
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in expr.inputs]


def _as_floats(grads: tuple[Any, ...]) -> list[float]:
    """torch gives None for an input the output does not depend on: that is a 0 gradient."""
    return [0.0 if g is None else g.detach().item() for g in grads]


def torch_value_grad(expr: Expression) -> tuple[float, list[float]]:
    """Value and gradient of the expression with torch.autograd."""
    leaves = _leaves(expr)
    out = evaluate(expr, TORCH, leaves)
    return out.detach().item(), _as_floats(torch.autograd.grad(out, leaves, allow_unused=True))


def torch_grad_hessian(expr: Expression) -> tuple[list[float], list[list[float]]]:
    """Gradient and Hessian of the expression with torch.autograd (create_graph, then grad)."""
    leaves = _leaves(expr)
    out = evaluate(expr, TORCH, leaves)
    first = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    hessian = []
    for g in first:
        if g is None or not g.requires_grad:  # a gradient that is constant in every input
            hessian.append([0.0] * len(leaves))
            continue
        row = torch.autograd.grad(g, leaves, retain_graph=True, allow_unused=True)
        hessian.append(_as_floats(row))
    return _as_floats(first), hessian


@given(expressions())
def test_first_derivatives_match_torch(expr: Expression) -> None:
    reference_values(expr)
    xs = [Value(x) for x in expr.inputs]
    out = evaluate(expr, OURS, xs)
    out.backward()
    expected_data, expected = torch_value_grad(expr)
    assert_close([out.data], [expected_data], rel=1e-12, what="value")
    assert_close([x.grad for x in xs], expected, what="backward() grad")


@given(expressions(max_steps=6))
def test_second_derivatives_match_torch(expr: Expression) -> None:
    assume(not pow_exponent_is_exactly_zero(expr))
    xs = [Value(x) for x in expr.inputs]
    out = evaluate(expr, OURS, xs)
    first = grad(out, xs, create_graph=True)
    expected_first, expected_hessian = torch_grad_hessian(expr)
    assert_close([g.data for g in first], expected_first, what="create_graph grad")
    for i, g in enumerate(first):
        assert_close(grad(g, xs), expected_hessian[i], rel=1e-7, what=f"hessian row {i}")


def test_backward_twice_accumulates_like_torch_on_leaves() -> None:
    ours_x = Value(0.7)
    ours_y = (ours_x * ours_x).tanh() + ours_x.exp()
    ours_y.backward()
    ours_y.backward()
    x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    y = torch.tanh(x * x) + torch.exp(x)
    y.backward(retain_graph=True)
    y.backward()
    assert ours_x.grad == pytest.approx(float(x.grad), rel=1e-15)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_backward_of_a_create_graph_gradient_accumulates_into_grad_like_torch() -> None:
    # x.grad holds 3x^2 as a Value; backward through it adds 6x to x.grad: 3x^2 + 6x in total
    ours_x = Value(2.0)
    (ours_x**3).backward(create_graph=True)
    ours_x.grad.backward()
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (x**3).backward(create_graph=True)
    assert x.grad is not None
    x.grad.backward()
    assert ours_x.grad.data == x.grad.detach().item() == 3 * 2.0**2 + 6 * 2.0


@pytest.mark.parametrize(
    ("ours", "theirs", "x"),
    [
        (Value.relu, torch.relu, 0.0),
        (abs, torch.abs, 0.0),
        (lambda v: v.leaky_relu(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2), 0.0),
        (lambda v: v**0, lambda t: t**0, 0.0),
        (lambda v: v**2, lambda t: t**2, 0.0),
        (Value.tanh, torch.tanh, 1000.0),
        (Value.tanh, torch.tanh, -1000.0),
        (Value.sigmoid, torch.sigmoid, 1000.0),
        (Value.sigmoid, torch.sigmoid, -1000.0),
        (Value.softplus, lambda t: torch.logaddexp(torch.zeros_like(t), t), 1000.0),
        (Value.exp, torch.exp, -1000.0),
    ],
)
def test_edge_point_values_and_derivatives_match_torch(ours: Any, theirs: Any, x: float) -> None:
    v = Value(x)
    out = ours(v)
    out.backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(theirs(t), [t])
    assert out.data == theirs(t).item()
    assert v.grad == g.item()
