r"""Every differentiable operation, each in one place: its forward, its derivative and its symbol.

An operation is a subclass of :class:`Op`. The built-in ones below (``Add``, ``Mul``, ``Tanh`` ...)
use exactly the mechanism a user or a course author uses to define a new one, so a new op works
everywhere a built-in op does: ``backward()``, higher-order gradients, ``no_grad``, drawing and the
step-through of the backward pass.

Defining an operation (the whole contract)::

    import math
    from autograd_engine import Op, Value
    from autograd_engine.functions import sigmoid

    class Softplus(Op):
        r'''f(x) = log(1 + e^x);  df/dx = sigmoid(x).'''
        name = "my_softplus"
        symbol = "softplus"
        arity = 1

        def forward(self, x: float) -> float:
            return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

        def backward(self, grad, out, x):
            return (grad * sigmoid(x),)

    softplus = Softplus()
    y = softplus(Value(0.5))       # a Value with its own node in the graph

- ``forward`` receives plain floats and returns a float. Raise ``ValueError("...")`` with a short
  reason when an input is outside the op's domain; the engine turns it into a ``DomainError`` that
  names the op, the offending values and their labels.
- ``backward(grad, out, *inputs)`` returns one term per input: ``grad`` times the partial
  derivative of the output with respect to that input (the chain rule's vector-Jacobian product).
  It is called with floats for an ordinary ``backward()`` and with ``Value`` objects for
  ``create_graph=True``, so write it with Python operators and the helpers in
  :mod:`autograd_engine.functions` (``exp``, ``log``, ``sin``, ``cos``, ``sigmoid`` ...), never
  with ``math.*`` directly. ``out`` is the op's own result, handy when the derivative is cheaper in
  terms of it (``exp``: ``grad * out``). Compare inputs with ``<``/``>`` (they compare data), not
  ``==``, which compares ``Value`` objects by identity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from . import functions  # the helpers every backward rule uses, built-in or not
from . import value as _value  # a cycle: value.py imports this module; used at call time only
from .errors import DomainError, as_float

if TYPE_CHECKING:
    from .value import Value

__all__ = [
    "Abs",
    "Add",
    "Cos",
    "Div",
    "Exp",
    "LeakyRelu",
    "Log",
    "Mul",
    "Neg",
    "Op",
    "Pow",
    "PowConst",
    "Relu",
    "Sigmoid",
    "Sin",
    "Softplus",
    "Sqrt",
    "Sub",
    "Sum",
    "Tanh",
]

#: A number or a Value: what ``backward`` rules receive and return.
Scalar = Any


class Op:
    """Base class of every operation. Subclass it to define a new one (see the module docstring).

    Class attributes to set:
        name: a unique lowercase identifier (``"mul"``), used in error messages.
        symbol: what graphs show in the op's node, and what ``Value._op`` returns (``"*"``).
        arity: how many inputs the op takes; 0 means any number (like ``Sum``).

    Optional, used by the tests and by :func:`autograd_engine.testing.check_op`:
        domain: one ``(low, high)`` interval per input, where the op is smooth and safe to sample.
        edge_points: inputs at the edge of the domain where the op is still defined (``sqrt`` at 0).
        kinks: points where the derivative jumps (``relu`` at 0); samples keep away from them.
    """

    name: ClassVar[str] = ""
    symbol: ClassVar[str] = "?"
    arity: ClassVar[int] = 1
    domain: tuple[tuple[float, float], ...] = ((-3.0, 3.0),)
    edge_points: tuple[tuple[float, ...], ...] = ()
    kinks: tuple[float, ...] = ()

    # -- what a subclass implements -------------------------------------------------------------
    # Each subclass names its own inputs (forward(self, x), forward(self, a, b)), so the type
    # checker sees these two as callables of any arity; at run time the defaults below explain
    # what is missing.

    if TYPE_CHECKING:
        forward: Callable[..., float]
        backward: Callable[..., tuple[Scalar, ...]]
    else:

        def forward(self, *inputs):
            """Compute the op on plain floats. Raise ``ValueError(reason)`` outside the domain."""
            raise NotImplementedError(
                f"{type(self).__name__} must implement forward(self, *inputs)"
            )

        def backward(self, grad, out, *inputs):
            """Return ``grad * d(out)/d(input)`` per input (floats, or Values)."""
            raise NotImplementedError(
                f"{type(self).__name__} must implement backward(self, grad, out, *inputs)"
            )

    # -- how the engine applies it --------------------------------------------------------------

    def label(self) -> str:
        """The text drawn in the op's node: the symbol, plus any parameter (``**2``)."""
        return self.symbol

    def __call__(self, *operands: Value | float) -> Value:
        """Apply the op to Values or plain numbers and return the resulting ``Value``.

        Example:
            >>> from autograd_engine import Value, ops
            >>> ops.MUL(Value(2.0), 3).data
            6.0
        """
        if self.arity and len(operands) != self.arity:
            raise TypeError(
                f"{self.name} takes {self.arity} input(s), got {len(operands)}: {operands!r}"
            )
        return _value.apply(self, operands)

    def not_finite_error(self, parents: Sequence[Value], data: float) -> DomainError:
        """The error for a forward result that overflowed to inf (or became NaN)."""
        return DomainError(
            f"{self.name}: the result is not a finite float ({data!r}) for "
            f"{_inputs_text(parents)}. An overflow: scale the inputs down"
        )

    def domain_error(self, parents: Sequence[Value], exc: BaseException) -> DomainError:
        """Turn a failure inside ``forward`` into a DomainError naming the op and its inputs."""
        reason = str(exc)
        if isinstance(exc, OverflowError):
            reason = "the result overflows a float (larger than about 1.8e308)"
        elif isinstance(exc, ZeroDivisionError):
            reason = "division by zero"
        return DomainError(f"{self.name}: {reason}; got {_inputs_text(parents)}")


def _inputs_text(parents: Sequence[Value]) -> str:
    """``x = 0.0 (label 'a')``: the inputs of a failing op, for error messages."""
    names = ("x",) if len(parents) == 1 else ("a", "b") if len(parents) == 2 else None
    parts = []
    for i, p in enumerate(parents):
        name = names[i] if names else f"x{i}"
        tag = f" (label {p.label!r})" if p.label else ""
        parts.append(f"{name} = {p.data!r}{tag}")
    return ", ".join(parts)


def _at_zero(x: Scalar) -> bool:
    """x == 0 for a float or a Value (whose ``==`` compares identity, so compare with < and >)."""
    return not (x < 0.0 or x > 0.0)


def _format_number(c: float) -> str:
    return str(int(c)) if c.is_integer() and abs(c) < 1e15 else repr(c)


# ------------------------------------------------------------------------------------------------
# Arithmetic
# ------------------------------------------------------------------------------------------------


class Add(Op):
    r"""Addition. :math:`f(a, b) = a + b`; :math:`\partial f/\partial a = 1`,
    :math:`\partial f/\partial b = 1`."""

    name = "add"
    symbol = "+"
    arity = 2
    domain = ((-5.0, 5.0), (-5.0, 5.0))

    def forward(self, a: float, b: float) -> float:
        return a + b

    def backward(self, grad: Scalar, out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
        return grad, grad


class Sub(Op):
    r"""Subtraction. :math:`f(a, b) = a - b`; :math:`\partial f/\partial a = 1`,
    :math:`\partial f/\partial b = -1`."""

    name = "sub"
    symbol = "-"
    arity = 2
    domain = ((-5.0, 5.0), (-5.0, 5.0))

    def forward(self, a: float, b: float) -> float:
        return a - b

    def backward(self, grad: Scalar, out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
        return grad, -grad


class Mul(Op):
    r"""Multiplication. :math:`f(a, b) = a b`; :math:`\partial f/\partial a = b`,
    :math:`\partial f/\partial b = a`."""

    name = "mul"
    symbol = "*"
    arity = 2
    domain = ((-5.0, 5.0), (-5.0, 5.0))

    def forward(self, a: float, b: float) -> float:
        return a * b

    def backward(self, grad: Scalar, out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
        return grad * b, grad * a


class Div(Op):
    r"""Division. :math:`f(a, b) = a / b`; :math:`\partial f/\partial a = 1/b`,
    :math:`\partial f/\partial b = -a/b^2 = -f/b`. Undefined for :math:`b = 0`."""

    name = "div"
    symbol = "/"
    arity = 2
    domain = ((-5.0, 5.0), (0.2, 5.0))

    def forward(self, a: float, b: float) -> float:
        if b == 0.0:
            raise ValueError("division by zero (the divisor b is 0)")
        return a / b

    def backward(self, grad: Scalar, out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
        # -grad * (out / b), as PyTorch orders it: grad * out can underflow where out / b does not
        return grad / b, -grad * (out / b)


class Neg(Op):
    r"""Negation. :math:`f(x) = -x`; :math:`df/dx = -1`."""

    name = "neg"
    symbol = "neg"
    arity = 1

    def forward(self, x: float) -> float:
        return -x

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (-grad,)


class PowConst(Op):
    r"""Power with a constant exponent :math:`c`. :math:`f(x) = x^c`;
    :math:`df/dx = c\,x^{c-1}`.

    Defined for any :math:`x` when :math:`c` is a whole number (but :math:`0^c` needs
    :math:`c \ge 0`), and for :math:`x \ge 0` otherwise: a negative base with a fractional exponent
    has no real result. :math:`0^0 = 1` with derivative 0, as in Python and PyTorch. The derivative
    is infinite at :math:`x = 0` when :math:`0 < c < 1` (``x ** 0.5``), which backward reports.
    """

    name = "pow_const"
    symbol = "**"
    arity = 1

    def __init__(self, exponent: float = 2.0) -> None:
        self.exponent = as_float(exponent, "Value ** exponent")
        whole = self.exponent.is_integer()
        low = -3.0 if whole else 0.2
        self.domain = ((low, 3.0),)
        self.kinks = (0.0,) if self.exponent < 1 else ()

    def label(self) -> str:
        return f"**{_format_number(self.exponent)}"

    def forward(self, x: float) -> float:
        c = self.exponent
        if x == 0.0 and c < 0:
            raise ValueError(f"0 ** {_format_number(c)} is a division by zero")
        if x < 0.0 and not c.is_integer():
            raise ValueError(
                f"a negative base with the non-integer exponent {c!r} has no real result"
            )
        return float(x**c)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        c = self.exponent
        if c == 0.0:
            return (grad * 0.0,)
        if c < 1.0 and _at_zero(x):
            raise ValueError(f"the derivative of x ** {_format_number(c)} is infinite at x = 0")
        # the local derivative first, then times grad (as PyTorch): grad * c can underflow
        return (grad * (c * x ** (c - 1.0)),)


class Pow(Op):
    r"""Power with both base and exponent in the graph. :math:`f(a, b) = a^b`;
    :math:`\partial f/\partial a = b\,a^{b-1}`, :math:`\partial f/\partial b = a^b \ln a`.

    Needs :math:`a > 0`, because :math:`\partial f/\partial b` uses :math:`\ln a`. For a constant
    exponent use a plain number (``x ** 2``), which allows any base.
    """

    name = "pow"
    symbol = "**"
    arity = 2
    domain = ((0.2, 3.0), (-2.0, 2.0))

    def forward(self, a: float, b: float) -> float:
        if a <= 0.0:
            raise ValueError(
                "Value ** Value needs a positive base, because the derivative with respect to "
                "the exponent uses log(base); for a constant exponent write x ** 2 with a plain "
                "number"
            )
        return float(a**b)

    def backward(self, grad: Scalar, out: Scalar, a: Scalar, b: Scalar) -> tuple[Scalar, ...]:
        # each local derivative first, then times grad (as PyTorch), so grad * b cannot underflow
        return grad * (b * a ** (b - 1.0)), grad * (out * functions.log(a))


class Sum(Op):
    r"""Sum of any number of inputs, as one node. :math:`f(x_1..x_n) = \sum_i x_i`;
    :math:`\partial f/\partial x_i = 1`.

    One node instead of a chain of ``+`` nodes: a neuron's :math:`w \cdot x + b` over many inputs
    stays one step in the graph, and backward does one step for it.
    """

    name = "sum"
    symbol = "sum"
    arity = 0
    domain = ((-5.0, 5.0), (-5.0, 5.0), (-5.0, 5.0))

    def forward(self, *inputs: float) -> float:
        total = 0.0
        for x in inputs:  # left to right, like the builtin sum, so the float rounding matches it
            total += x
        return total

    def backward(self, grad: Scalar, out: Scalar, *inputs: Scalar) -> tuple[Scalar, ...]:
        return (grad,) * len(inputs)


# ------------------------------------------------------------------------------------------------
# Elementary functions
# ------------------------------------------------------------------------------------------------


class Exp(Op):
    r"""Exponential. :math:`f(x) = e^x`; :math:`df/dx = e^x = f`. Overflows above about 709.78."""

    name = "exp"
    symbol = "exp"

    def forward(self, x: float) -> float:
        return math.exp(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad * out,)


class Log(Op):
    r"""Natural logarithm. :math:`f(x) = \ln x`; :math:`df/dx = 1/x`. Defined for :math:`x > 0`."""

    name = "log"
    symbol = "log"
    domain = ((0.1, 5.0),)

    def forward(self, x: float) -> float:
        if x <= 0.0:
            raise ValueError("log is defined only for x > 0")
        return math.log(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad / x,)


class Sqrt(Op):
    r"""Square root. :math:`f(x) = \sqrt{x}`; :math:`df/dx = 1/(2\sqrt{x})`.

    Defined for :math:`x \ge 0`; at :math:`x = 0` the value is 0 but the derivative is infinite,
    so backward through ``sqrt(0)`` raises.
    """

    name = "sqrt"
    symbol = "sqrt"
    domain = ((0.1, 5.0),)
    edge_points = ((0.0,),)

    def forward(self, x: float) -> float:
        if x < 0.0:
            raise ValueError("sqrt is defined only for x >= 0")
        return math.sqrt(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        if _at_zero(out):
            raise ValueError("the derivative of sqrt is infinite at x = 0")
        return (grad * 0.5 / out,)


class Tanh(Op):
    r"""Hyperbolic tangent. :math:`f(x) = \tanh x`; :math:`df/dx = 1 - \tanh^2 x = 1 - f^2`."""

    name = "tanh"
    symbol = "tanh"

    def forward(self, x: float) -> float:
        return math.tanh(x)  # saturates to +-1 without overflow, even for |x| = 1000

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad * (1.0 - out * out),)


class Sigmoid(Op):
    r"""Logistic sigmoid. :math:`f(x) = 1/(1 + e^{-x})`; :math:`df/dx = f(1 - f)`."""

    name = "sigmoid"
    symbol = "sigmoid"

    def forward(self, x: float) -> float:
        # Only ever exponentiate a non-positive number, so |x| = 1000 cannot overflow.
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad * out * (1.0 - out),)


class Relu(Op):
    r"""Rectified linear unit. :math:`f(x) = \max(0, x)`; :math:`df/dx = 1` for :math:`x > 0`,
    else 0 (0 at exactly :math:`x = 0`, as in PyTorch)."""

    name = "relu"
    symbol = "ReLU"
    kinks = (0.0,)
    edge_points = ((0.0,),)

    def forward(self, x: float) -> float:
        return x if x > 0.0 else 0.0

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad if x > 0.0 else grad * 0.0,)


class LeakyRelu(Op):
    r"""Leaky ReLU with slope :math:`s` for negative inputs. :math:`f(x) = x` for :math:`x > 0`,
    else :math:`s x`; :math:`df/dx = 1` for :math:`x > 0`, else :math:`s`."""

    name = "leaky_relu"
    symbol = "leaky_relu"
    kinks = (0.0,)
    edge_points = ((0.0,),)

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = as_float(slope, "leaky_relu(slope)")

    def label(self) -> str:
        return f"leaky_relu({_format_number(self.slope)})"

    def forward(self, x: float) -> float:
        return x if x > 0.0 else self.slope * x

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad if x > 0.0 else grad * self.slope,)


class Softplus(Op):
    r"""Softplus, a smooth ReLU. :math:`f(x) = \ln(1 + e^x)`; :math:`df/dx = \sigma(x)`."""

    name = "softplus"
    symbol = "softplus"

    def forward(self, x: float) -> float:
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|.
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad * functions.sigmoid(x),)


class Sin(Op):
    r"""Sine. :math:`f(x) = \sin x`; :math:`df/dx = \cos x`."""

    name = "sin"
    symbol = "sin"

    def forward(self, x: float) -> float:
        return math.sin(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad * functions.cos(x),)


class Cos(Op):
    r"""Cosine. :math:`f(x) = \cos x`; :math:`df/dx = -\sin x`."""

    name = "cos"
    symbol = "cos"

    def forward(self, x: float) -> float:
        return math.cos(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (-grad * functions.sin(x),)


class Abs(Op):
    r"""Absolute value. :math:`f(x) = |x|`; :math:`df/dx = \operatorname{sign}(x)`, which is 0 at
    exactly :math:`x = 0` (as in PyTorch)."""

    name = "abs"
    symbol = "abs"
    kinks = (0.0,)
    edge_points = ((0.0,),)

    def forward(self, x: float) -> float:
        return abs(x)

    def backward(self, grad: Scalar, out: Scalar, x: Scalar) -> tuple[Scalar, ...]:
        return (grad if x > 0.0 else -grad if x < 0.0 else grad * 0.0,)


# The shared instances of the ops without parameters; Value's methods apply these.
ADD, SUB, MUL, DIV, NEG, POW = Add(), Sub(), Mul(), Div(), Neg(), Pow()
EXP, LOG, SQRT, TANH, SIGMOID = Exp(), Log(), Sqrt(), Tanh(), Sigmoid()
RELU, SOFTPLUS, SIN, COS, ABS, SUM = Relu(), Softplus(), Sin(), Cos(), Abs(), Sum()
