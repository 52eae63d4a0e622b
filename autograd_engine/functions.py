"""Math functions that work on plain floats and on Values alike.

``exp(2.0)`` returns a float; ``exp(Value(2.0))`` returns a Value with an ``exp`` node. Use them
when writing the ``backward`` rule of a new :class:`~autograd_engine.Op`, which runs on floats in an
ordinary backward pass and on Values with ``create_graph=True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ops  # a cycle: the built-in ops' rules use these helpers; used at call time only
from .errors import as_float, is_real_number

if TYPE_CHECKING:
    from .ops import Op

__all__ = [
    "cos",
    "evaluate",
    "exp",
    "log",
    "relu",
    "sigmoid",
    "sin",
    "softplus",
    "sqrt",
    "tanh",
]


def evaluate(op: Op, x: Any) -> Any:
    """``op(x)`` for a Value (records a node); ``op.forward(x)`` for a plain number.

    Example:
        >>> from autograd_engine import Value, ops
        >>> evaluate(ops.EXP, 0.0), evaluate(ops.EXP, Value(0.0))._op
        (1.0, 'exp')
    """
    if isinstance(x, (int, float)):
        return op.forward(float(x))
    if is_real_number(x):  # a numpy scalar or a Fraction is a plain number too
        return op.forward(as_float(x, op.name))
    return op(x)


def exp(x: Any) -> Any:
    """e ** x."""
    return evaluate(ops.EXP, x)


def log(x: Any) -> Any:
    """Natural logarithm, for x > 0."""
    return evaluate(ops.LOG, x)


def sqrt(x: Any) -> Any:
    """Square root, for x >= 0."""
    return evaluate(ops.SQRT, x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return evaluate(ops.TANH, x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e ** -x), computed without overflow."""
    return evaluate(ops.SIGMOID, x)


def relu(x: Any) -> Any:
    """max(0, x)."""
    return evaluate(ops.RELU, x)


def softplus(x: Any) -> Any:
    """log(1 + e ** x), computed without overflow."""
    return evaluate(ops.SOFTPLUS, x)


def sin(x: Any) -> Any:
    """Sine (radians)."""
    return evaluate(ops.SIN, x)


def cos(x: Any) -> Any:
    """Cosine (radians)."""
    return evaluate(ops.COS, x)
