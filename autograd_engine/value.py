"""``Value``: one float, its gradient, and the record of the operation that produced it.

Each operator below is a one-line method that applies an op from :mod:`autograd_engine.ops`, where
the op's forward and derivative live. Step into any of them in a debugger and you land in the op.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import as_float

if TYPE_CHECKING:
    from .ops import Op

__all__ = ["Value"]


class Value:
    """A scalar in a computation graph: ``data`` (a float), ``grad`` and the op that made it.

    Arithmetic (``+ - * / **``, unary ``-``, ``abs()``) and the math methods (``exp``, ``tanh``,
    ``relu`` ...) return new Values that remember their inputs, so ``backward()`` can apply the
    chain rule through them. A plain number on either side of an operator is wrapped as a constant
    leaf ``Value``.

    Equality and hashing are by identity, not by data: two Values holding 2.0 are different nodes,
    and Values can be kept in sets and dicts. The ordering operators ``< <= > >=`` compare ``data``.

    Args:
        data: the number to hold: an int, float, bool, Fraction or numpy real scalar, finite.
        _children, _op: accepted only empty, for compatibility with micrograd's signature; to
            define a new operation subclass :class:`autograd_engine.Op`.
        label: an optional name, shown in drawings and error messages.

    Attributes:
        data: the float this node holds.
        grad: d(root)/d(this node), filled in by ``root.backward()``; 0.0 before. It is a float,
            or a Value after ``backward(create_graph=True)``.
        label: the name given at creation, or "".

    Example:
        >>> a = Value(2.0, label="a")
        >>> b = a * a + 1
        >>> b.backward()
        >>> a.grad
        4.0
    """

    __slots__ = ("_operation", "_prev", "data", "grad", "label")

    data: float
    grad: Any  # float, or Value after backward(create_graph=True)
    label: str
    _prev: tuple[Value, ...]
    _operation: Op | None

    def __init__(
        self, data: Any, _children: tuple[Value, ...] = (), _op: str = "", label: str = ""
    ) -> None:
        if _children or _op:
            raise TypeError(
                "Value(data, _children, _op) cannot record an operation by itself here: define "
                "the operation as a subclass of autograd_engine.Op (see its docstring) and call it"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...) expects a str, got {type(label).__name__} {label!r}")
        self.data = as_float(data)
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._operation = None

    @classmethod
    def _node(cls, data: float, parents: tuple[Value, ...], operation: Op | None) -> Value:
        """Create a node from an op's result (already a checked float): the engine's fast path."""
        out = cls.__new__(cls)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._prev = parents
        out._operation = operation
        return out

    @property
    def _op(self) -> str:
        """The symbol of the op that produced this Value ("" for a leaf), as in micrograd."""
        return self._operation.label() if self._operation is not None else ""

    # -- arithmetic: each line applies one op from ops.py --------------------------------------

    def __add__(self, other: Value | float) -> Value:
        return _ops.ADD(self, other)

    def __radd__(self, other: Value | float) -> Value:
        return _ops.ADD(other, self)

    def __sub__(self, other: Value | float) -> Value:
        return _ops.SUB(self, other)

    def __rsub__(self, other: Value | float) -> Value:
        return _ops.SUB(other, self)

    def __mul__(self, other: Value | float) -> Value:
        return _ops.MUL(self, other)

    def __rmul__(self, other: Value | float) -> Value:
        return _ops.MUL(other, self)

    def __truediv__(self, other: Value | float) -> Value:
        return _ops.DIV(self, other)

    def __rtruediv__(self, other: Value | float) -> Value:
        return _ops.DIV(other, self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _ops.POW(self, exponent)
        return _ops.PowConst(exponent)(self)

    def __rpow__(self, base: Value | float) -> Value:
        return _ops.POW(base, self)

    def __neg__(self) -> Value:
        return _ops.NEG(self)

    def __abs__(self) -> Value:
        return _ops.ABS(self)

    # -- elementary functions ------------------------------------------------------------------

    def exp(self) -> Value:
        """e to the power of this Value."""
        return _ops.EXP(self)

    def log(self) -> Value:
        """Natural logarithm; needs data > 0."""
        return _ops.LOG(self)

    def sqrt(self) -> Value:
        """Square root; needs data >= 0 (and > 0 to back-propagate through it)."""
        return _ops.SQRT(self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, in (-1, 1)."""
        return _ops.TANH(self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x), in (0, 1)."""
        return _ops.SIGMOID(self)

    def relu(self) -> Value:
        """max(0, x)."""
        return _ops.RELU(self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        return _ops.LeakyRelu(slope)(self)

    def softplus(self) -> Value:
        """log(1 + e^x), a smooth relu."""
        return _ops.SOFTPLUS(self)

    def sin(self) -> Value:
        """Sine (radians)."""
        return _ops.SIN(self)

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _ops.COS(self)

    @staticmethod
    def sum(terms: Iterable[Value | float]) -> Value:
        """Add many terms as one ``sum`` node (the builtin ``sum()`` builds a chain of ``+``).

        Example:
            >>> Value.sum([Value(1.0), Value(2.0), 3]).data
            6.0
        """
        return _ops.SUM(*terms)

    # -- gradients -----------------------------------------------------------------------------

    def backward(self, create_graph: bool = False) -> None:
        """Add d(self)/d(node) to ``node.grad`` for every node this Value depends on.

        The root is seeded with 1.0. Gradients accumulate, as in PyTorch: a second call adds the
        same gradients once more (call :meth:`zero_grad` or an optimizer's ``zero_grad()`` in
        between to start from zero). The walk is iterative, so any depth works.

        Args:
            create_graph: if True, the gradients are computed with Values that have a graph of
                their own, so they can be differentiated again (second derivatives, Newton steps).
                ``grad`` then holds Values.

        Raises:
            DomainError: a derivative is infinite where it is needed (``sqrt`` at 0). Every
                ``grad`` is left as it was before the call.
        """
        _autodiff.backward(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this Value and on every node it depends on."""
        _autodiff.zero_grad(self)

    def detach(self) -> Value:
        """A new leaf Value with the same data and no history: gradients stop here."""
        return Value._node(self.data, (), None)

    # -- conversions and display ---------------------------------------------------------------

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        """Format the data, so ``f"{v:.3f}"`` works like it does for a float."""
        return format(self.data, spec) if spec else repr(self)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data}, grad={self.grad}{label})"

    # -- ordering compares data (equality stays identity) ---------------------------------------

    def __lt__(self, other: Value | float) -> bool:
        return self.data < _data_of(other)

    def __le__(self, other: Value | float) -> bool:
        return self.data <= _data_of(other)

    def __gt__(self, other: Value | float) -> bool:
        return self.data > _data_of(other)

    def __ge__(self, other: Value | float) -> bool:
        return self.data >= _data_of(other)


def _data_of(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else as_float(x, "comparison with a Value")


# Imported last: ops.py and autodiff.py use Value, and Value's methods use them at call time.
from . import autodiff as _autodiff  # noqa: E402
from . import ops as _ops  # noqa: E402
