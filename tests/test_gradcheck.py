"""Gradient checking: ``gradcheck`` and ``gradgradcheck`` pass right rules and catch wrong ones.

The wrong rules below are the mistakes students make: a derivative off by a factor, and a backward
rule that is right on floats but reads ``.data``, so its result has no graph and its second
derivative is lost.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_engine import GradcheckError, Op, Value, gradcheck, gradgradcheck, numerical_gradient
from autograd_engine.functions import cos, sin


class HalfSine(Op):
    r"""f(x) = sin x, but the rule says df/dx = cos(x) / 2: a wrong first derivative."""

    name = "test_half_sine"
    symbol = "sin?"

    def forward(self, x: float) -> float:
        return math.sin(x)

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any]:
        return (grad * cos(x) / 2,)


class FlatSine(Op):
    r"""f(x) = sin x; df/dx = cos x, computed from ``x.data``: right once, wrong twice."""

    name = "test_flat_sine"
    symbol = "sin~"

    def forward(self, x: float) -> float:
        return math.sin(x)

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any]:
        number = x.data if isinstance(x, Value) else x  # .data: no graph, so d2f/dx2 comes out 0
        return (grad * math.cos(number),)


def test_numerical_gradient_estimates_each_partial_derivative() -> None:
    # d(x^2 y)/dx = 2xy = -6, d(x^2 y)/dy = x^2 = 2.25 at (1.5, -2)
    estimate = numerical_gradient(lambda x, y: x * x * y, [1.5, -2.0])
    assert estimate == pytest.approx([-6.0, 2.25], abs=1e-6)


def test_numerical_gradient_of_a_function_that_ignores_its_inputs_is_zero() -> None:
    assert numerical_gradient(lambda x, y: 4.0, [1.0, 2.0]) == [0.0, 0.0]


def test_gradcheck_passes_a_right_rule() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() + sin(x), [0.3, -1.2])


def test_gradcheck_reports_the_input_whose_derivative_is_wrong() -> None:
    wrong = HalfSine()
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: wrong(x) * y, [0.4, 2.0])
    lines = str(info.value).splitlines()
    assert "1 of 2 derivative(s)" in lines[0]
    flagged = [line for line in lines if "disagrees" in line]
    assert len(flagged) == 1 and flagged[0].split()[0] == "x0"
    # the table shows the analytic cos(0.4) * 2 / 2 and the numeric cos(0.4) * 2 side by side
    numbers = [float(t) for t in flagged[0].split()[1:5]]
    assert numbers[1:3] == pytest.approx([math.cos(0.4), 2 * math.cos(0.4)], rel=1e-6)
    assert gradcheck(lambda x, y: wrong(x) * y, [0.4, 2.0], raise_exception=False) is False


def test_gradgradcheck_passes_right_second_derivatives() -> None:
    assert gradgradcheck(lambda x, y: (x * y).sin() + x.exp() * y * y, [0.7, -0.3])


def test_gradgradcheck_catches_a_rule_that_loses_the_second_derivative() -> None:
    flat = FlatSine()
    assert gradcheck(lambda x: flat(x), [0.9])  # the first derivative is right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(lambda x, y: flat(x) + y * y, [0.9, 0.5])
    flagged = [line.split()[0] for line in str(info.value).splitlines() if "disagrees" in line]
    assert flagged == ["x0,x0"]  # d2/dx2 is -sin(x), not 0; the y entries are right
    assert gradgradcheck(lambda x: flat(x), [0.9], raise_exception=False) is False


def test_gradgradcheck_of_a_function_that_ignores_its_inputs_passes() -> None:
    assert gradgradcheck(lambda x, y: 3.0, [1.0, 2.0])


def test_gradgradcheck_of_a_linear_function_has_a_zero_hessian() -> None:
    assert gradgradcheck(lambda x, y: 2 * x - y, [1.0, 2.0])
