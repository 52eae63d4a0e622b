"""Math functions that work on plain floats and on Values alike.

``exp(2.0)`` returns a float; ``exp(Value(2.0))`` returns a Value with an ``exp`` node. Use them
when writing the ``backward`` rule of a new :class:`~autograd_engine.Op`, which runs on floats in an
ordinary backward pass and on Values with ``create_graph=True``.
"""

from __future__ import annotations

from typing import Any

from . import ops

__all__ = ["cos", "exp", "log", "relu", "sigmoid", "sin", "softplus", "sqrt", "tanh"]


def exp(x: Any) -> Any:
    """e ** x."""
    return ops.evaluate(ops.EXP, x)


def log(x: Any) -> Any:
    """Natural logarithm, for x > 0."""
    return ops.evaluate(ops.LOG, x)


def sqrt(x: Any) -> Any:
    """Square root, for x >= 0."""
    return ops.evaluate(ops.SQRT, x)


def tanh(x: Any) -> Any:
    """Hyperbolic tangent."""
    return ops.evaluate(ops.TANH, x)


def sigmoid(x: Any) -> Any:
    """1 / (1 + e ** -x), computed without overflow."""
    return ops.evaluate(ops.SIGMOID, x)


def relu(x: Any) -> Any:
    """max(0, x)."""
    return ops.evaluate(ops.RELU, x)


def softplus(x: Any) -> Any:
    """log(1 + e ** x), computed without overflow."""
    return ops.evaluate(ops.SOFTPLUS, x)


def sin(x: Any) -> Any:
    """Sine (radians)."""
    return ops.evaluate(ops.SIN, x)


def cos(x: Any) -> Any:
    """Cosine (radians)."""
    return ops.evaluate(ops.COS, x)
