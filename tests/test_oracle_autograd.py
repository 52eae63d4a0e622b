"""Random expression graphs against HIPS autograd, an independent autodiff library, as the oracle.

Each generated program (see ``strategies.py``) is evaluated with our ``Value`` and with
``autograd.numpy``; the values, gradients and Hessians must agree.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from engines import ENGINES, value_and_grad
from hypothesis import assume, given
from strategies import (
    BUILTIN_OPS,
    OURS,
    RULES,
    Backend,
    Expression,
    assert_close,
    evaluate,
    expressions,
    pow_exponent_is_exactly_zero,
    reference_values,
)

from autograd_engine import Value, grad

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
np = pytest.importorskip("numpy")

ANP = Backend(
    exp=anp.exp,
    log=anp.log,
    sqrt=anp.sqrt,
    tanh=anp.tanh,
    sigmoid=lambda x: 0.5 * (anp.tanh(x / 2.0) + 1.0),  # no overflow warning for large |x|
    relu=lambda x: x * (x > 0),  # derivative 0 at exactly 0, as ours
    leaky_relu=lambda x, s: anp.where(x > 0, x, s * x),
    softplus=lambda x: anp.logaddexp(0.0, x),
    sin=anp.sin,
    cos=anp.cos,
    abs=anp.abs,
    sum=sum,
)


def _oracle_function(expr: Expression) -> Any:
    return lambda x: evaluate(expr, ANP, [x[i] for i in range(len(expr.inputs))])


def oracle_grad(expr: Expression) -> list[float]:
    """autograd's gradient of the expression at its inputs."""
    return list(autograd.grad(_oracle_function(expr))(np.array(expr.inputs, dtype=float)))


def oracle_hessian(expr: Expression) -> list[list[float]]:
    """autograd's Hessian of the expression at its inputs."""
    with warnings.catch_warnings():
        # a linear expression has a constant gradient; autograd warns about that, correctly
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        hessian = autograd.hessian(_oracle_function(expr))(np.array(expr.inputs, dtype=float))
    return [list(row) for row in hessian]


def ours_value_grad_hessian(expr: Expression) -> tuple[float, list[float], list[list[float]]]:
    """Value, gradient (functional ``grad``) and Hessian (``grad`` of ``grad``) with our engine."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(expr.inputs)]
    out = evaluate(expr, OURS, xs)
    first = grad(out, xs, create_graph=True)
    hessian = [grad(g, xs) for g in first]
    return out.data, [g.data for g in first], hessian


def test_expression_rules_cover_every_registered_op() -> None:
    assert set(RULES) == set(BUILTIN_OPS)


@given(expressions())
def test_values_match_plain_float_reference(expr: Expression) -> None:
    reference = reference_values(expr)
    out = evaluate(expr, OURS, [Value(x) for x in expr.inputs])
    assert_close([out.data], [reference[-1]], rel=1e-12, what="value")


@given(expressions())
def test_first_derivatives_match_autograd(expr: Expression) -> None:
    reference_values(expr)
    xs = [Value(x) for x in expr.inputs]
    out = evaluate(expr, OURS, xs)
    out.backward()
    expected = oracle_grad(expr)
    assert_close([x.grad for x in xs], expected, what="backward() grad")
    assert_close(grad(out, xs), expected, what="functional grad")


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "eager"])
@given(expr=expressions())
def test_the_compiled_path_matches_autograd_on_random_expressions(
    engine: str, expr: Expression
) -> None:
    # the same oracle as for eager backward(): the speed work must not change results
    reference = reference_values(expr)

    def build(params: list[Value], inputs: list[Value]) -> Value:
        return evaluate(expr, OURS, params)

    value, grads = value_and_grad(engine, build, expr.inputs, trace_params=expr.inputs)
    assert_close([value], [reference[-1]], rel=1e-12, what=f"{engine} value")
    assert_close(grads, oracle_grad(expr), what=f"{engine} grad")


@given(expressions(max_steps=6))
def test_second_derivatives_match_autograd_hessian(expr: Expression) -> None:
    assume(not pow_exponent_is_exactly_zero(expr))
    reference = reference_values(expr)
    data, first, hessian = ours_value_grad_hessian(expr)
    assert_close([data], [reference[-1]], rel=1e-12, what="value")
    assert_close(first, oracle_grad(expr), what="create_graph grad")
    for i, (row, expected) in enumerate(zip(hessian, oracle_hessian(expr))):
        assert_close(row, expected, rel=1e-7, what=f"hessian row {i}")
