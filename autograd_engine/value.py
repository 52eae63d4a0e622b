"""``Value``: one float, its gradient, and the record of the operation that produced it.

Each operator below is a one-line method that applies an op from :mod:`autograd_engine.ops`, where
the op's forward and derivative live. Step into any of them in a debugger and you land in the op.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import autodiff as _autodiff
from . import ops as _ops  # a cycle: ops.py uses this module at call time only
from .errors import as_float, describe, is_real_number
from .grad_mode import GRAD_MODE

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
        if isinstance(data, Value):
            raise TypeError(
                f"Value() expects a real number, got another Value ({data!r}); use it as it is, "
                "or Value(v.data) for an independent copy, or v.detach() to cut its history"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...) expects a str, got {type(label).__name__} {label!r}")
        self.data = as_float(data, f"Value(label={label!r})" if label else "Value()")
        self.grad = 0.0
        self.label = label
        self._prev = ()
        self._operation = None

    @property
    def _op(self) -> str:
        """The symbol of the op that produced this Value ("" for a leaf), as in micrograd."""
        return self._operation.label() if self._operation is not None else ""

    # -- arithmetic: each line applies one op from ops.py --------------------------------------

    def __add__(self, other: Value | float) -> Value:
        return _binary(_ops.ADD, self, other)

    def __radd__(self, other: Value | float) -> Value:
        return _binary(_ops.ADD, other, self)

    def __sub__(self, other: Value | float) -> Value:
        return _binary(_ops.SUB, self, other)

    def __rsub__(self, other: Value | float) -> Value:
        return _binary(_ops.SUB, other, self)

    def __mul__(self, other: Value | float) -> Value:
        return _binary(_ops.MUL, self, other)

    def __rmul__(self, other: Value | float) -> Value:
        return _binary(_ops.MUL, other, self)

    def __truediv__(self, other: Value | float) -> Value:
        return _binary(_ops.DIV, self, other)

    def __rtruediv__(self, other: Value | float) -> Value:
        return _binary(_ops.DIV, other, self)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _binary(_ops.POW, self, exponent)
        if not is_real_number(exponent):
            return NotImplemented
        return _unary(_ops.PowConst(exponent), self)

    def __rpow__(self, base: Value | float) -> Value:
        return _binary(_ops.POW, base, self)

    def __neg__(self) -> Value:
        return _unary(_ops.NEG, self)

    def __abs__(self) -> Value:
        return _unary(_ops.ABS, self)

    # -- elementary functions ------------------------------------------------------------------

    def exp(self) -> Value:
        """e to the power of this Value."""
        return _unary(_ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm; needs data > 0."""
        return _unary(_ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; needs data >= 0 (and > 0 to back-propagate through it)."""
        return _unary(_ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent, in (-1, 1)."""
        return _unary(_ops.TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^-x), in (0, 1)."""
        return _unary(_ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x)."""
        return _unary(_ops.RELU, self)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope * x."""
        return _unary(_ops.LeakyRelu(slope), self)

    def softplus(self) -> Value:
        """log(1 + e^x), a smooth relu."""
        return _unary(_ops.SOFTPLUS, self)

    def sin(self) -> Value:
        """Sine (radians)."""
        return _unary(_ops.SIN, self)

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _unary(_ops.COS, self)

    @staticmethod
    def sum(terms: Iterable[Value | float]) -> Value:
        """Add many terms as one ``sum`` node (the builtin ``sum()`` builds a chain of ``+``).

        Example:
            >>> Value.sum([Value(1.0), Value(2.0), 3]).data
            6.0
        """
        return apply(_ops.SUM, tuple(terms))

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
                ``grad`` is left as it was before the call (so is it after any other exception,
                Ctrl-C included).

        Threads: separate graphs may be back-propagated in separate threads at once; calling
        ``backward()`` from several threads into graphs that share nodes (one model) is not
        safe: the passes add into the same ``.grad`` and can lose each other's contributions.
        """
        _autodiff.backward(self, create_graph=create_graph)

    def _backward(self) -> None:
        """One step of backward by hand, as in micrograd's lecture: add ``self.grad`` times each
        local derivative to the grads of this node's inputs (nothing for a leaf).

        Example:
            >>> a, b = Value(2.0), Value(3.0)
            >>> c = a * b
            >>> c.grad = 1.0
            >>> c._backward()
            >>> a.grad, b.grad
            (3.0, 2.0)
        """
        _autodiff.backward_step(self)

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this Value and on every node it depends on."""
        _autodiff.zero_grad(self)

    def detach(self) -> Value:
        """A new leaf Value with the same data and no history: gradients stop here.

        Example:
            >>> x = Value(3.0)
            >>> y = x.detach() * x  # the detached copy is the constant 3 here
            >>> y.backward()
            >>> x.grad
            3.0
        """
        return Value(self.data)

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
    if isinstance(x, Value):
        return x.data
    if is_real_number(x):
        return x  # compared as Python compares numbers: a bound like math.inf is fine here
    return as_float(x, "comparison with a Value")  # raises TypeError naming what arrived


# -- applying an op: run its forward on the inputs' data, check it, record the node ------------
# Three shapes of the same steps (one input, two inputs, any number), because Value's operators
# are the engine's hot path and Python charges for every extra call and tuple.

_new_object = object.__new__


def _record(op: Op, data: float, parents: tuple[Value, ...]) -> Value:
    """The node for ``op``'s result: finite, and recorded only while grad mode is on."""
    if data - data != 0.0:  # true only for inf and NaN: the cheapest finiteness test
        raise op.not_finite_error(parents, data)
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if GRAD_MODE.get()[0]:
        out._prev = parents
        out._operation = op
    else:
        out._prev = ()
        out._operation = None
    return out


def _constant(x: object, op: Op) -> Value | None:
    """A plain number as a constant leaf Value; None when ``x`` is not a real number."""
    out = _new_object(Value)
    if type(x) is float and x - x == 0.0:  # a finite float: the common case, checked cheaply
        out.data = x
    elif is_real_number(x):
        out.data = as_float(x, op.name)
    else:
        return None
    out.grad = 0.0
    out.label = ""
    out._prev = ()
    out._operation = None
    return out


def _unary(op: Op, x: Value) -> Value:
    try:
        data = op.forward(x.data)
    except (ArithmeticError, ValueError) as exc:
        raise op.domain_error((x,), exc) from None
    if data - data != 0.0:
        raise op.not_finite_error((x,), data)
    # _record's steps written out: this and _binary run once per node built, and a call costs
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if GRAD_MODE.get()[0]:
        out._prev = (x,)
        out._operation = op
    else:
        out._prev = ()
        out._operation = None
    return out


def _binary(op: Op, a: Value | object, b: Value | object) -> Value:
    """``op(a, b)`` for Values or numbers; NotImplemented for other types, so Python raises its
    usual ``TypeError: unsupported operand type(s)``."""
    if not isinstance(a, Value):
        a = _constant(a, op)
        if a is None:
            return NotImplemented  # type: ignore[no-any-return]  # the operator protocol
    if not isinstance(b, Value):
        b = _constant(b, op)
        if b is None:
            return NotImplemented  # type: ignore[no-any-return]
    try:
        data = op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as exc:
        raise op.domain_error((a, b), exc) from None
    if data - data != 0.0:
        raise op.not_finite_error((a, b), data)
    out = _new_object(Value)  # _record's steps written out, as in _unary
    out.data = data
    out.grad = 0.0
    out.label = ""
    if GRAD_MODE.get()[0]:
        out._prev = (a, b)
        out._operation = op
    else:
        out._prev = ()
        out._operation = None
    return out


def _constant_or_error(x: object, op: Op) -> Value:
    constant = _constant(x, op)
    if constant is None:
        raise TypeError(f"{op.name}() expects Values or real numbers, got {describe(x)}")
    return constant


def apply(op: Op, operands: tuple[Value | float, ...]) -> Value:
    """``op(*operands)`` for any number of Values or numbers (numbers become constant leaves)."""
    parents = tuple(x if isinstance(x, Value) else _constant_or_error(x, op) for x in operands)
    try:
        data = op.forward(*[p.data for p in parents])
    except (ArithmeticError, ValueError) as exc:
        raise op.domain_error(parents, exc) from None
    if type(data) is not float:  # a user's op may return an int, a numpy float or a complex
        data = _as_result(op, data, parents)
    return _record(op, data, parents)


def _as_result(op: Op, data: object, parents: tuple[Value, ...]) -> float:
    """A forward result that is not a float, made one; a complex result is out of the domain."""
    if isinstance(data, complex):  # e.g. (-4.0) ** 0.5 in Python is 2j
        reason = f"the result is the complex number {data!r}; a Value holds real numbers only"
        raise op.domain_error(parents, ValueError(reason))
    if not is_real_number(data):
        raise TypeError(f"{op.name}.forward must return a float, got {describe(data)}")
    return as_float(data, f"{op.name}.forward")
