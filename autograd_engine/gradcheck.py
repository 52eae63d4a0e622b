r"""Gradient checking: compare backward's derivatives with central finite differences.

The central difference :math:`\frac{f(x + h) - f(x - h)}{2h}` has an error of order :math:`h^2`,
so with :math:`h = 10^{-6}` it agrees with a correct analytic derivative to about :math:`10^{-9}`
for well-scaled functions. A wrong derivative rule usually disagrees by far more; the report says
which input disagrees and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .autodiff import grad
from .errors import as_float
from .grad_mode import no_grad
from .value import Value

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "numerical_gradient", "value_at"]

#: A function under test: takes one Value per input and returns a Value.
Function = Callable[..., Any]


class GradcheckError(AssertionError):
    """The analytic and numerical derivatives disagree. The message holds a table of both."""


def value_at(f: Function, point: Sequence[float]) -> float:
    """f at a point, as a float, without recording a graph.

    Args:
        f: takes one Value per input and returns a Value (or a number).
        point: one number per input.

    Example:
        >>> value_at(lambda x, y: x * y + 1, [2.0, 3.0])
        7.0
    """
    with no_grad():
        result = f(*[Value(x) for x in point])
    if isinstance(result, Value):
        return result.data
    return as_float(result, "value_at(f): the result of f")


def numerical_gradient(f: Function, inputs: Sequence[float], eps: float = 1e-6) -> list[float]:
    r"""Central finite-difference estimate of :math:`\partial f / \partial x_i` for each input.

    Args:
        f: takes one Value per input and returns a Value (or a number).
        inputs: the point to differentiate at.
        eps: the step :math:`h`.

    Example:
        >>> [round(g, 6) for g in numerical_gradient(lambda x, y: x * y, [2.0, 3.0])]
        [3.0, 2.0]
    """
    point = [as_float(x, "numerical_gradient() inputs") for x in inputs]
    per_input = _central_differences(lambda p: [value_at(f, p)], point, eps)
    return [derivatives[0] for derivatives in per_input]  # f returns one number


def _central_differences(
    g: Callable[[list[float]], Sequence[float]], point: Sequence[float], eps: float
) -> list[list[float]]:
    r"""Central differences of ``g``, a function returning a list of numbers, along each input.

    Entry ``[j][k]`` estimates :math:`\partial g_k / \partial x_j` as
    :math:`(g_k(x + h e_j) - g_k(x - h e_j)) / 2h`.
    """
    estimates = []
    for j in range(len(point)):
        up, down = list(point), list(point)
        up[j] += eps
        down[j] -= eps
        estimates.append([(u - d) / (2.0 * eps) for u, d in zip(g(up), g(down))])
    return estimates


def _analytic_gradient(f: Function, point: Sequence[float]) -> list[float]:
    """The gradient of ``f`` at ``point`` from backward (the functional ``grad``), as floats."""
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    out = f(*xs)
    if not isinstance(out, Value):  # f does not depend on its inputs at all
        return [0.0] * len(xs)
    return grad(out, xs)


def close_enough(got: float, expected: float, atol: float, rtol: float) -> bool:
    """True when ``|got - expected| <= atol + rtol * |expected|``: the tolerance of every check.

    Example:
        >>> close_enough(1.0005, 1.0, atol=1e-5, rtol=1e-3), close_enough(1.1, 1.0, 1e-5, 1e-3)
        (True, False)
    """
    return abs(got - expected) <= atol + rtol * abs(expected)


def _table(
    title: str,
    names: Sequence[str],
    point: Sequence[float],
    rows: Sequence[tuple[float, float, bool]],
) -> str:
    lines = [title, f"  {'input':<10}{'value':>12}{'analytic':>16}{'numeric':>16}{'error':>12}"]
    for name, x, (analytic, numeric, ok) in zip(names, point, rows):
        mark = "" if ok else "   <-- disagrees"
        lines.append(
            f"  {name:<10}{x:>12.6g}{analytic:>16.8g}{numeric:>16.8g}"
            f"{abs(analytic - numeric):>12.2e}{mark}"
        )
    return "\n".join(lines)


def gradcheck(
    f: Function,
    inputs: Sequence[float],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the first derivatives of ``f`` at ``inputs`` against central finite differences.

    Args:
        f: takes one Value per input and returns a Value.
        inputs: the point to check at (numbers).
        eps: finite-difference step.
        atol, rtol: a derivative passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise on failure (default); otherwise return False.

    Returns:
        True when every partial derivative agrees.

    Raises:
        GradcheckError: with a table of input, analytic value, numeric value and error.

    Example:
        >>> gradcheck(lambda x: x.tanh() * x, [0.5])
        True
    """
    point = [as_float(x, "gradcheck() inputs") for x in inputs]
    analytic = _analytic_gradient(f, point)
    numeric = numerical_gradient(f, point, eps)
    rows = [(a, n, close_enough(a, n, atol, rtol)) for a, n in zip(analytic, numeric)]
    if all(ok for _, _, ok in rows):
        return True
    if not raise_exception:
        return False
    bad = sum(not ok for _, _, ok in rows)
    title = (
        f"gradcheck failed: {bad} of {len(rows)} derivative(s) of "
        f"{getattr(f, '__name__', 'f')} disagree with finite differences "
        f"(tolerance atol={atol:g} + rtol={rtol:g} * |numeric|):"
    )
    hint = (
        "\nA large error on one input usually means its derivative rule is wrong (a missing "
        "chain-rule factor, a sign, or the derivative of the wrong variable). A tiny error at a "
        "kink (relu or abs at 0) is expected: check at another point."
    )
    raise GradcheckError(_table(title, [f"x{i}" for i in range(len(point))], point, rows) + hint)


def gradgradcheck(
    f: Function,
    inputs: Sequence[float],
    *,
    eps: float = 1e-5,
    atol: float = 1e-4,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    r"""Check the second derivatives of ``f`` (its Hessian) against finite differences.

    Each entry :math:`\partial^2 f / \partial x_i \partial x_j`, from
    ``grad(..., create_graph=True)`` differentiated again, is compared with the central
    difference of the analytic gradient.

    Args:
        f: takes one Value per input and returns a Value.
        inputs: the point to check at (numbers).
        eps: finite-difference step.
        atol, rtol: an entry passes when ``|analytic - numeric| <= atol + rtol * |numeric|``.
        raise_exception: raise on failure (default); otherwise return False.

    Returns:
        True when every entry agrees; raises :class:`GradcheckError` with a table otherwise
        (or returns False when ``raise_exception`` is False).

    Example:
        >>> gradgradcheck(lambda x, y: x * x * y, [1.5, -2.0])
        True
    """
    point = [as_float(x, "gradgradcheck() inputs") for x in inputs]
    n = len(point)
    xs = [Value(x, label=f"x{k}") for k, x in enumerate(point)]
    out = f(*xs)
    if isinstance(out, Value):  # row i: the gradient of the create_graph gradient df/dx_i
        hessian = [grad(first, xs) for first in grad(out, xs, create_graph=True)]
    else:  # f does not depend on its inputs at all
        hessian = [[0.0] * n for _ in range(n)]
    # numeric[j][i]: the central difference along x_j of the analytic df/dx_i
    numeric = _central_differences(lambda p: _analytic_gradient(f, p), point, eps)
    if any(not math.isfinite(e) for column in numeric for e in column):
        raise GradcheckError(f"finite differences are not finite at {point}; try another point")
    names, values, rows = [], [], []
    for i in range(n):
        for j in range(n):
            names.append(f"x{i},x{j}")
            values.append(point[j])
            rows.append(
                (
                    hessian[i][j],
                    numeric[j][i],
                    close_enough(hessian[i][j], numeric[j][i], atol, rtol),
                )
            )
    if all(ok for _, _, ok in rows):
        return True
    if not raise_exception:
        return False
    title = (
        f"gradgradcheck failed: second derivatives of {getattr(f, '__name__', 'f')} disagree with "
        "finite differences of the first derivatives (row 'xi,xj' is d2f/dxi dxj, at value xj):"
    )
    raise GradcheckError(_table(title, names, values, rows))
