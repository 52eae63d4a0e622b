"""``Value``: one float, its gradient, and the record of the operation that produced it.

Each operator below is one line naming the op from :mod:`autograd_engine.ops` that it applies,
where the op's forward and derivative live. Step into any of them in a debugger and you land in
the op.
An op can also be added the way micrograd's lecture does it, with ``Value(data, _children, _op)``
and a closure assigned to ``out._backward``: :class:`ClosureOp` records such a node.
"""

from __future__ import annotations

import functools
import linecache
import re
import sys
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

from . import autodiff as _autodiff
from . import ops as _ops  # a cycle: ops.py uses this module at call time only
from .errors import DomainError, as_float, describe, is_real_number
from .grad_mode import GRAD_MODE
from .ops import Op  # (ops.py reaches back into this module at call time only)

__all__ = ["ClosureOp", "Value", "float_of"]


def _binary_operator(op: Op, *, reflected: bool = False) -> Callable[[Value, Value | float], Value]:
    """The method ``self <op> other`` of Value (``other <op> self`` if ``reflected``: ``__rmul__``).

    It applies ``op`` to two operands: a number becomes a constant leaf, the op's ``forward``
    computes the result, which must be finite, and the new node records its inputs (unless grad
    mode is off). :func:`apply` takes the same steps for any number of operands; here they are
    written out in the method itself, because the operators are the engine's hot path and one
    more Python call per node would cost a fifth of the node's time.
    """

    def apply_binary_op(self: Value, other: Value | float) -> Value:
        if isinstance(other, Value):
            operand = other
        else:
            constant = _constant(other, op)
            if constant is None:  # not a number: Python then raises its usual TypeError
                return NotImplemented  # type: ignore[no-any-return]  # the operator protocol
            operand = constant
        if reflected:
            a, b = operand, self
        else:
            a, b = self, operand
        try:
            data = op.forward(a.data, b.data)
        except (ArithmeticError, ValueError) as exc:
            raise op.domain_error((a, b), exc) from None
        if data - data != 0.0:  # true only for inf and NaN: the cheapest finiteness test
            raise op.not_finite_error((a, b), data)
        out = _new_object(Value)
        out.data = data
        out.grad = 0.0
        out.label = ""
        if GRAD_MODE.get()[0]:
            out._first = a
            out._second = b
            out._operation = op
        else:
            out._first = out._second = None
            out._operation = None
        return out

    left, right = ("other", "self") if reflected else ("self", "other")
    apply_binary_op.__doc__ = (
        f"``{left} {op.symbol} {right}``: applies ``ops.{type(op).__name__}``."
    )
    return apply_binary_op


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
        _children: for an operation written the way micrograd's lecture writes them: the inputs
            of the operation whose result this is. ``out = Value(t, (x,), "tanh")`` records a
            node with these parents (in this order); assigning a function to ``out._backward``
            then gives it its backward step (see :class:`ClosureOp`). Empty for a leaf.
        _op: the symbol of that operation, shown in drawings and returned by ``_op``.
        label: an optional name, shown in drawings and error messages.

    Attributes:
        data: the float this node holds.
        grad: d(root)/d(this node), filled in by ``root.backward()``; 0.0 before. It is a float,
            or a Value after ``backward(create_graph=True)``.
        label: the name given at creation, or "".

    Every Value also takes new attributes, as micrograd's do (an optimizer's ``p.m = 0.0``, a
    drawing's ``out._vis_color = "red"``); the dict that holds them is made only when the first
    one is set.

    Example:
        >>> a = Value(2.0, label="a")
        >>> b = a * a + 1
        >>> b.backward()
        >>> a.grad
        4.0
    """

    # The inputs are kept in two slots rather than a tuple: one object per node instead of two,
    # which is 48 bytes less per node and half the work for Python's cyclic garbage collector.
    # ``_prev`` puts them back together (see there); only the hot loops read the slots.
    # "__dict__" lets any node take new attributes (micrograd's do), for 32 bytes a node.
    __slots__ = ("__dict__", "_first", "_operation", "_second", "data", "grad", "label")

    data: float
    grad: Any  # float, or Value after backward(create_graph=True)
    label: str
    _first: Value | None  # see _prev
    _second: Value | tuple[Value, ...] | None  # see _prev
    _operation: Op | None

    def __init__(
        self, data: Any, _children: Iterable[Value] = (), _op: str = "", label: str = ""
    ) -> None:
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
        self._first = self._second = None
        self._operation = None
        if _children or _op:
            parents, self._operation = _closure_node(self, _children, _op)
            self._first, self._second = _inputs_slots(parents)

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs of the op that made this Value, in operand order (``()`` for a leaf).

        micrograd's name (there a set). Stored in two slots, so that the hot loops can tell the
        cases apart by ``is None`` alone: one or two inputs are in ``_first`` and ``_second``;
        more than two are all in ``_second``, as a tuple, with ``_first`` None; a leaf has both
        None.
        """
        first, second = self._first, self._second
        if first is None:
            return () if second is None else second  # type: ignore[return-value]  # a tuple
        return (first,) if second is None else (first, second)  # type: ignore[return-value]

    @_prev.setter
    def _prev(self, parents: Iterable[Value]) -> None:
        # micrograd sets _prev once, in __init__; code that sets it again still can
        parents = tuple(parents)
        for i, parent in enumerate(parents):
            if not isinstance(parent, Value):
                raise TypeError(f"_prev holds Values only, got {describe(parent)} at position {i}")
        self._first, self._second = _inputs_slots(parents)

    @property
    def _op(self) -> str:
        """The symbol of the op that produced this Value ("" for a leaf), as in micrograd."""
        return self._operation.label() if self._operation is not None else ""

    # -- arithmetic: each line applies one op from ops.py --------------------------------------

    __add__ = _binary_operator(_ops.ADD)
    __radd__ = _binary_operator(_ops.ADD, reflected=True)
    __sub__ = _binary_operator(_ops.SUB)
    __rsub__ = _binary_operator(_ops.SUB, reflected=True)
    __mul__ = _binary_operator(_ops.MUL)
    __rmul__ = _binary_operator(_ops.MUL, reflected=True)
    __truediv__ = _binary_operator(_ops.DIV)
    __rtruediv__ = _binary_operator(_ops.DIV, reflected=True)
    __rpow__ = _binary_operator(_ops.POW, reflected=True)

    def __pow__(self, exponent: Value | float) -> Value:
        if isinstance(exponent, Value):
            return _power(self, exponent)
        if not is_real_number(exponent):
            return NotImplemented
        return _unary(_ops.PowConst(exponent), self)

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

    @property
    def _backward(self) -> Callable[[], None]:
        """One step of backward by hand, as in micrograd's lecture: ``node._backward()`` adds
        ``node.grad`` times each local derivative to the grads of the node's inputs (nothing for
        a leaf).

        Assigning a function, ``out._backward = _backward``, gives a node made by
        ``Value(data, _children, _op)`` its backward step, as in micrograd (see
        :class:`ClosureOp`); ``out._backward()`` and ``backward()`` then call it. A node made by
        a built-in op already has its rule (in :mod:`autograd_engine.ops`) and refuses one.

        Example:
            >>> a, b = Value(2.0), Value(3.0)
            >>> c = a * b
            >>> c.grad = 1.0
            >>> c._backward()
            >>> a.grad, b.grad
            (3.0, 2.0)
        """
        return functools.partial(_autodiff.backward_step, self)

    @_backward.setter
    def _backward(self, function: Callable[[], object]) -> None:
        op = self._operation
        if not callable(function):
            raise TypeError(
                f"_backward must be a function of no arguments, got {describe(function)}"
            )
        if isinstance(op, ClosureOp):
            op.function = function
        elif op is not None:
            raise AttributeError(
                f"this node was made by the built-in op {op.label()!r}, whose backward rule is "
                f"{type(op).__name__}.backward in autograd_engine.ops; to write your own op, "
                "make its node with Value(data, (inputs...), 'symbol') and assign out._backward "
                "to that node"
            )
        # a leaf has no inputs to pass a gradient to (as when Value(data, _children, _op) is
        # called inside no_grad(), which records no parents): there is nothing to call

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
        # math.exp(v), math.tanh(v) and float(v) all end up here: a float taken out of a Value
        # leaves the graph, and the gradient would silently stop there (micrograd raises too)
        raise TypeError(_float_conversion_message(sys._getframe(1)))

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


_power = _binary_operator(_ops.POW)  # Value ** Value (``__pow__`` also takes plain exponents)

for _name, _method in list(vars(Value).items()):  # help(Value.__mul__) names the operator
    if getattr(_method, "__name__", "") == "apply_binary_op":
        _method.__name__, _method.__qualname__ = _name, f"Value.{_name}"
del _name, _method


class ClosureOp(Op):
    """The op of a node written the micrograd way: ``Value(data, _children, _op)`` and a function
    assigned to ``out._backward``, as in micrograd's lecture::

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")
            def _backward():
                self.grad += (1 - t**2) * out.grad
            out._backward = _backward
            return out

    ``backward()`` calls the function when the node's turn comes in reverse topological order,
    once ``out.grad`` is complete, as micrograd does. The engine's chain-rule step reads what the
    function added to each input's grad as that input's term (see :meth:`backward`), so such a
    node works wherever floats flow: ``backward()``, ``grad()``, ``_backward()`` by hand, the
    step-through, the numeric policy and its rollback, mixed freely with built-in ops.

    What it cannot do is give gradients a graph of their own: the function computes with floats,
    out of sight. ``backward(create_graph=True)`` and the compiled path raise a ``TypeError``
    naming the op; define the op as a subclass of :class:`~autograd_engine.Op` (a forward and a
    derivative rule, see ``docs/custom_ops.md``) to use it there.
    """

    name = "closure-style op"
    arity = 0  # as many inputs as _children holds

    def __init__(self, symbol: str, node: Value) -> None:
        self.symbol_text = symbol
        self.name = f"closure-style op {symbol!r}"  # type: ignore[misc]  # (each node its own)
        #: the node this op made: the function reads and writes grads through it and its inputs
        self.node = node
        #: the function assigned to ``out._backward``; None until it is assigned
        self.function: Callable[[], object] | None = None

    def label(self) -> str:
        """The ``_op`` symbol given to ``Value(data, _children, _op)``."""
        return self.symbol_text

    def forward(self, *inputs: float) -> float:
        """Not available: a closure-style node is made with its result already computed."""
        raise self.not_followable("computing its result again")

    def backward(self, grad: Any, out: Any, *inputs: Any) -> tuple[float, ...]:
        """One term per input: what the function adds to that input's grad when ``out.grad`` is
        ``grad``.

        The function runs with ``out.grad`` set to ``grad`` and its inputs' grads set to 0.0, and
        what it leaves in them are the terms; then every grad it touched is put back, so the
        caller adds each term exactly once (as it does for any op). An input used twice gets its
        whole gradient in its first position and 0.0 in the others.
        """
        if isinstance(grad, Value) or not is_real_number(grad):  # create_graph, or the compiler
            raise self.not_followable(
                "a pass that gives gradients a graph of their own (backward(create_graph=True))"
            )
        node = self.node
        function = self.function
        if function is None:
            if node._prev:
                raise TypeError(
                    f"the node made by Value(data, _children, {self.symbol_text!r}) has no "
                    "backward step: assign one, out._backward = _backward, before calling "
                    "backward() (micrograd would silently pass no gradient on)"
                )
            return ()
        inputs_once = list(dict.fromkeys(node._prev))
        earlier = [node.grad, *[p.grad for p in inputs_once]]
        try:
            node.grad = grad
            for p in inputs_once:
                p.grad = 0.0
            function()
            received = {p: p.grad for p in inputs_once}
        finally:
            node.grad = earlier[0]
            for p, g in zip(inputs_once, earlier[1:]):
                p.grad = g
        terms = []
        for i, p in enumerate(node._prev):
            term = received.pop(p, 0.0)
            if isinstance(term, Value):
                raise TypeError(
                    f"the _backward of {self.symbol_text!r} made the grad of input {i} a Value "
                    f"({term!r}); compute it from floats (other.data, out.grad), as micrograd's "
                    "closures do"
                )
            if is_real_number(term) and term - term != 0.0:  # inf or NaN
                raise DomainError(
                    f"the _backward of {self.symbol_text!r} gave input {i} the gradient {term!r}"
                )
            terms.append(term)
        return tuple(terms)

    def not_followable(self, what: str) -> TypeError:
        """The error for a use of the op that needs its forward or derivative as a rule."""
        return TypeError(
            f"the op {self.symbol_text!r} was written closure-style (Value(data, _children, "
            f"{self.symbol_text!r}) with a function assigned to out._backward), which computes "
            f"with floats and cannot be followed by {what}. Define it as a subclass of "
            "autograd_engine.Op with forward and backward rules (see docs/custom_ops.md)"
        )


def _closure_node(
    node: Value, children: Iterable[Value], op: str
) -> tuple[tuple[Value, ...], Op | None]:
    """``_prev`` and ``_operation`` for ``Value(data, _children, _op)``: the children in the
    order given and a :class:`ClosureOp`; nothing is recorded inside ``no_grad()``."""
    if not isinstance(op, str):
        raise TypeError(f"Value(data, _children, _op) expects _op to be a str, got {describe(op)}")
    if isinstance(children, Value) or not isinstance(children, Iterable):
        raise TypeError(
            "Value(data, _children, _op) expects _children to be a tuple of Values, such as "
            f"(self, other) or (self,), got {describe(children)}"
        )
    parents = tuple(children)
    for i, parent in enumerate(parents):
        if not isinstance(parent, Value):
            raise TypeError(
                "Value(data, _children, _op) expects every child to be a Value, got "
                f"{describe(parent)} at position {i}; wrap a number as Value(number) first"
            )
    if not GRAD_MODE.get()[0]:
        return (), None
    return parents, ClosureOp(op, node)


# the Value operation to suggest for a math function whose name is not a Value method's
_WRITE_INSTEAD = {"pow": "v ** y", "fabs": "abs(v)"}


def _float_conversion_message(frame: FrameType) -> str:
    """Why ``float(v)`` / ``math.exp(v)`` is refused, naming the Value method to call instead.

    The caller's source says which function was called (``math.exp(x)``); when it cannot be
    read (no source file, or a conversion inside a library) the message lists the methods.
    """
    written, name = _called_function(frame)
    if name in _WRITE_INSTEAD:
        advice = f"Write {_WRITE_INSTEAD[name]} instead"
    elif name and not name.startswith("_") and callable(getattr(Value, name, None)):
        advice = f"Call v.{name}() instead"
    else:
        advice = (
            "Instead of float() and math.* call the Value methods, which stay in the graph "
            "(v.exp(), v.tanh(), v.log(), v.sqrt(), v.sin(), v.cos(), v ** y)"
        )
    what = f"{written}() got a Value" if written else "A Value cannot be converted to a float"
    return (
        f"{what}: a float taken out of a Value leaves the graph, and no gradient would flow back "
        f"through it. {advice}, or pass v.data where a plain number is meant. (In an Op's "
        "backward rule, which gets floats or Values, use autograd_engine.functions: exp(x), "
        "tanh(x) ... take both.)"
    )


def _called_function(frame: FrameType) -> tuple[str, str]:
    """The function being called at ``frame``'s current instruction, as written and its last
    name (``("math.exp", "exp")`` for ``math.exp(x)``); empty when the source is not available."""
    co_positions = getattr(frame.f_code, "co_positions", None)  # Python 3.11 and later
    if co_positions is None:
        return "", ""
    positions = list(co_positions())
    index = frame.f_lasti // 2  # positions are given per 2-byte code unit
    if not 0 <= index < len(positions):
        return "", ""
    line, end_line, column, end_column = positions[index]
    if line is None or line != end_line or column is None or end_column is None:
        return "", ""
    text = linecache.getline(frame.f_code.co_filename, line)[column:end_column]
    found = re.match(r"\s*((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*))\s*\(", text)
    return (found.group(1), found.group(2)) if found else ("", "")


def float_of(x: Value | float) -> float:
    """The plain number in ``x``: ``x.data`` for a Value, ``float(x)`` for a number.

    For code that needs a float where a Value may arrive (a ``grad`` after
    ``backward(create_graph=True)``, a model's output to plot), since ``float(v)`` on a Value
    raises ``TypeError``.

    Example:
        >>> float_of(Value(2.5)), float_of(3)
        (2.5, 3.0)
    """
    return x.data if isinstance(x, Value) else float(x)


def _data_of(x: Value | float) -> float:
    if isinstance(x, Value):
        return x.data
    if is_real_number(x):
        return x  # compared as Python compares numbers: a bound like math.inf is fine here
    return as_float(x, "comparison with a Value")  # raises TypeError naming what arrived


# -- applying an op: run its forward on the inputs' data, check it, record the node ------------
# Three shapes of the same steps (one input: _unary; two: the methods of _binary_operator; any
# number: apply), because Value's operators are the engine's hot path and Python charges for
# every extra call and tuple.

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
        out._first, out._second = _inputs_slots(parents)
        out._operation = op
    else:
        out._first = out._second = None
        out._operation = None
    return out


def _inputs_slots(
    parents: tuple[Value, ...],
) -> tuple[Value | None, Value | tuple[Value, ...] | None]:
    """What ``_first`` and ``_second`` hold for a node with these inputs (see ``Value._prev``)."""
    if len(parents) == 2:
        return parents
    if len(parents) == 1:
        return parents[0], None
    return None, (parents or None)


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
    out._first = out._second = None
    out._operation = None
    return out


def _unary(op: Op, x: Value) -> Value:
    try:
        data = op.forward(x.data)
    except (ArithmeticError, ValueError) as exc:
        raise op.domain_error((x,), exc) from None
    if data - data != 0.0:
        raise op.not_finite_error((x,), data)
    # _record's steps written out: this runs once per node built, and a call costs
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._second = None
    if GRAD_MODE.get()[0]:
        out._first = x
        out._operation = op
    else:
        out._first = None
        out._operation = None
    return out


def _constant_or_error(x: object, op: Op) -> Value:
    constant = _constant(x, op)
    if constant is None:
        raise TypeError(f"{op.name}() expects Values or real numbers, got {describe(x)}")
    return constant


def apply(op: Op, operands: tuple[Value | float, ...]) -> Value:
    """``op(*operands)`` for any number of Values or numbers (numbers become constant leaves)."""
    inputs = [x.data for x in operands if isinstance(x, Value)]
    parents: tuple[Value, ...]
    if len(inputs) == len(operands):  # every operand a Value: the common case, one pass
        parents = operands  # type: ignore[assignment]  # (as just checked)
    else:  # numbers become constant leaves
        parents = tuple(
            [x if isinstance(x, Value) else _constant_or_error(x, op) for x in operands]
        )
        inputs = [p.data for p in parents]
    try:
        data = op.forward(*inputs)
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
