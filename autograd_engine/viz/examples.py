"""Small labelled graphs for drawings, slides and docs: the lecture's first graph and a neuron.

Built in one place, so the README's images, the docs and the tests draw the same numbers.
"""

from __future__ import annotations

from ..value import Value

__all__ = ["lecture_graph", "neuron_graph"]


def _named(value: Value, label: str) -> Value:
    value.label = label
    return value


def lecture_graph() -> Value:
    """The micrograd lecture's first graph, L = (a*b + c) * f, labelled, before backward().

    Example:
        >>> L = lecture_graph()
        >>> L.backward()
        >>> L.data, [v.grad for v in sorted(L._prev, key=lambda v: v.label)]
        (-8.0, [-2.0, 4.0])
    """
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = _named(a * b, "e")
    d = _named(e + c, "d")
    return _named(d * f, "L")


def neuron_graph() -> Value:
    """The lecture's neuron, o = tanh(x1*w1 + x2*w2 + b), labelled, before backward().

    The bias is chosen so that ``n = 0.8814`` and ``o = tanh(n) = 0.7071``: the local derivative
    of tanh there is ``1 - o**2 = 0.5``, so every gradient is a round number worth a slide.

    Example:
        >>> o = neuron_graph()
        >>> o.backward()
        >>> round(o.data, 4), [round(v.grad, 4) for v in o._prev]
        (0.7071, [0.5])
    """
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.881373587019543, label="b")
    n = _named(_named(_named(x1 * w1, "x1*w1") + _named(x2 * w2, "x2*w2"), "x1w1+x2w2") + b, "n")
    return _named(n.tanh(), "o")
