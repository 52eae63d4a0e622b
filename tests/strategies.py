"""Shared test helpers: every built-in op instantiated, and random expression graphs.

An :class:`Expression` is a small straight-line program: some inputs, then steps that each apply
one op to earlier nodes or to constants (on either side). The same program can be evaluated by
several independent backends (autograd_engine Values, plain floats, HIPS autograd, PyTorch,
micrograd), so their values and derivatives can be compared number by number.

Inputs of ``log``, ``sqrt``, a divisor, a fractional power and the base of ``Value ** Value`` are
made positive first (``u * u + 0.5``), so every generated expression stays inside every op's domain.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from autograd_engine import Value, grad, ops
from autograd_engine.stepper import apply_backward_steps, backward_steps

# -- every registered op, with its parameterised classes instantiated -----------------------------

#: Exponents for PowConst: squares, cubes, roots, reciprocals, a negative fraction, and zero.
POW_EXPONENTS: tuple[float, ...] = (2.0, 3.0, 0.5, -1.0, -2.5, 0.0, 1.5, 1.0)
#: Slopes for LeakyRelu, including a slope above 1.
LEAKY_SLOPES: tuple[float, ...] = (0.01, 0.2, 1.5)


#: Every built-in op class, by name: the subclasses of ``Op`` defined in ``autograd_engine.ops``.
BUILTIN_OPS: dict[str, type[ops.Op]] = {
    cls.name: cls
    for cls in vars(ops).values()
    if isinstance(cls, type)
    and issubclass(cls, ops.Op)
    and cls.__module__ == ops.__name__
    and cls is not ops.Op
}

#: The ``Value`` method that applies each built-in op, as a user calls it.
METHODS: dict[str, str] = {
    "abs": "__abs__",
    "add": "__add__",
    "cos": "cos",
    "div": "__truediv__",
    "exp": "exp",
    "leaky_relu": "leaky_relu",
    "log": "log",
    "mul": "__mul__",
    "neg": "__neg__",
    "pow": "__pow__",
    "pow_const": "__pow__",
    "relu": "relu",
    "sigmoid": "sigmoid",
    "sin": "sin",
    "softplus": "softplus",
    "sqrt": "sqrt",
    "sub": "__sub__",
    "sum": "sum",
    "tanh": "tanh",
}


def op_instances() -> list[ops.Op]:
    """One instance of every op in ``BUILTIN_OPS``, several for the parameterised ones."""
    instances: list[ops.Op] = []
    for name in sorted(BUILTIN_OPS):
        cls = BUILTIN_OPS[name]
        if cls is ops.PowConst:
            instances += [ops.PowConst(c) for c in POW_EXPONENTS]
        elif cls is ops.LeakyRelu:
            instances += [ops.LeakyRelu(s) for s in LEAKY_SLOPES]
        else:
            instances.append(cls())
    return instances


def op_id(op: ops.Op) -> str:
    """A readable pytest id for an op instance: ``mul``, ``pow_const(-2.5)``."""
    if isinstance(op, ops.PowConst):
        return f"{op.name}({op.exponent:g})"
    if isinstance(op, ops.LeakyRelu):
        return f"{op.name}({op.slope:g})"
    return op.name


def n_inputs(op: ops.Op) -> int:
    """How many inputs to give an op: its arity, or its domain's length for n-ary ops (sum)."""
    return op.arity or len(op.domain)


def apply_via_method(op: ops.Op, args: Sequence[Value]) -> Value:
    """Apply ``op`` the way a user does: through its ``Value`` method (``METHODS``)."""
    method = getattr(Value, METHODS[op.name])
    if isinstance(op, ops.PowConst):
        return method(args[0], op.exponent)  # type: ignore[no-any-return]
    if isinstance(op, ops.LeakyRelu):
        return method(args[0], op.slope)  # type: ignore[no-any-return]
    if op.arity == 0:
        return method(list(args))  # type: ignore[no-any-return]
    return method(*args)  # type: ignore[no-any-return]


# -- expressions -----------------------------------------------------------------------------------

Operand = tuple[str, float]  # ("node", index) or ("const", value)


@dataclass(frozen=True)
class Step:
    """One op applied to earlier nodes or constants; ``param`` is an exponent or a slope."""

    op: str
    args: tuple[Operand, ...]
    param: float = 0.0


@dataclass(frozen=True)
class Expression:
    """Inputs and steps; the last step is the output."""

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]

    def __repr__(self) -> str:  # the program as text, so a failing example reads like code
        def show(arg: Operand, guarded: bool) -> str:
            text = f"v{int(arg[1])}" if arg[0] == "node" else repr(arg[1])
            return f"pos({text})" if guarded else text

        lines = [f"v{i} = {x!r}  # input" for i, x in enumerate(self.inputs)]
        for k, step in enumerate(self.steps, start=len(self.inputs)):
            guards = _GUARDED_ARGS.get(step.op, ())
            if step.op == "pow_const" and step.param > 0 and step.param.is_integer():
                guards = ()
            shown = ", ".join(show(a, i in guards) for i, a in enumerate(step.args))
            params = f"; param={step.param!r}" if step.op in ("pow_const", "leaky_relu") else ""
            lines.append(f"v{k} = {step.op}({shown}){params}")
        return "Expression (pos(u) = u*u + 0.5):\n  " + "\n  ".join(lines)


#: Which arguments of an op are made positive before use (see ``positive``).
_GUARDED_ARGS: dict[str, tuple[int, ...]] = {
    "div": (1,),
    "log": (0,),
    "sqrt": (0,),
    "pow": (0,),
    "pow_const": (0,),
}


def positive(u: Any) -> Any:
    """``u * u + 0.5``: a value of any backend (or a float) made at least 0.5."""
    return u * u + 0.5


@dataclass(frozen=True)
class Backend:
    """How one library computes each elementary function; operators are Python's own."""

    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    tanh: Callable[[Any], Any]
    sigmoid: Callable[[Any], Any]
    relu: Callable[[Any], Any]
    leaky_relu: Callable[[Any, float], Any]
    softplus: Callable[[Any], Any]
    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    abs: Callable[[Any], Any]
    sum: Callable[[list[Any]], Any]


def _rule_pow_const(b: Backend, step: Step, a: Any) -> Any:
    c = step.param
    if c > 0 and c.is_integer():
        return a**c  # any base: whole positive exponents are defined everywhere
    return positive(a) ** c


#: How each op of ``BUILTIN_OPS`` appears in a generated expression, for any backend.
RULES: dict[str, Callable[..., Any]] = {
    "add": lambda b, s, x, y: x + y,
    "sub": lambda b, s, x, y: x - y,
    "mul": lambda b, s, x, y: x * y,
    "div": lambda b, s, x, y: x / positive(y),
    "neg": lambda b, s, x: -x,
    "abs": lambda b, s, x: b.abs(x),
    "pow_const": _rule_pow_const,
    "pow": lambda b, s, x, y: positive(x) ** y,
    "sum": lambda b, s, *xs: b.sum(list(xs)),
    "exp": lambda b, s, x: b.exp(x),
    "log": lambda b, s, x: b.log(positive(x)),
    "sqrt": lambda b, s, x: b.sqrt(positive(x)),
    "tanh": lambda b, s, x: b.tanh(x),
    "sigmoid": lambda b, s, x: b.sigmoid(x),
    "relu": lambda b, s, x: b.relu(x),
    "leaky_relu": lambda b, s, x: b.leaky_relu(x, s.param),
    "softplus": lambda b, s, x: b.softplus(x),
    "sin": lambda b, s, x: b.sin(x),
    "cos": lambda b, s, x: b.cos(x),
}

#: Ops whose derivative jumps at 0: kept exactly at 0 or clearly away from it (see ``evaluate``).
KINKED = frozenset({"relu", "leaky_relu", "abs"})


def evaluate(expr: Expression, backend: Backend, inputs: Sequence[Any]) -> Any:
    """Run the program with ``backend``'s functions on ``inputs``; return the output."""
    nodes = list(inputs)
    for step in expr.steps:
        args = [nodes[int(a[1])] if a[0] == "node" else a[1] for a in step.args]
        nodes.append(RULES[step.op](backend, step, *args))
    return nodes[-1]


def _float_sigmoid(x: float) -> float:
    return 0.5 * (math.tanh(x / 2) + 1.0)


def _float_softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


#: Plain Python floats and ``math``: the reference used to keep examples in range.
FLOATS = Backend(
    exp=math.exp,
    log=math.log,
    sqrt=math.sqrt,
    tanh=math.tanh,
    sigmoid=_float_sigmoid,
    relu=lambda x: max(x, 0.0),
    leaky_relu=lambda x, s: x if x > 0 else s * x,
    softplus=_float_softplus,
    sin=math.sin,
    cos=math.cos,
    abs=abs,
    sum=lambda xs: math.fsum(xs),
)

#: autograd_engine, through the public ``Value`` methods.
OURS = Backend(
    exp=Value.exp,
    log=Value.log,
    sqrt=Value.sqrt,
    tanh=Value.tanh,
    sigmoid=Value.sigmoid,
    relu=Value.relu,
    leaky_relu=Value.leaky_relu,
    softplus=Value.softplus,
    sin=Value.sin,
    cos=Value.cos,
    abs=abs,
    sum=Value.sum,
)

#: Largest magnitude any node may reach in a generated example: keeps exp and powers finite, and
#: the oracles' own formulas too (autograd differentiates tanh through cosh(x)**2, which overflows
#: near |x| = 355, and its second derivative through cosh(x)**4).
MAX_MAGNITUDE = 100.0


def reference_values(expr: Expression) -> list[float]:
    """Every node's value in plain floats; rejects (``assume``) examples that leave safe range.

    An example is rejected if a value overflows or exceeds ``MAX_MAGNITUDE``, or if a kinked op
    (relu, abs) gets an input that is tiny but not exactly 0: there, rounding differences between
    libraries could put the input on different sides of the kink.
    """
    nodes: list[float] = list(expr.inputs)
    for step in expr.steps:
        args = [nodes[int(a[1])] if a[0] == "node" else a[1] for a in step.args]
        if step.op in KINKED:
            assume(args[0] == 0.0 or abs(args[0]) > 1e-9)
        try:
            value = float(RULES[step.op](FLOATS, step, *args))
        except (OverflowError, ValueError, ZeroDivisionError):
            assume(False)
        assume(abs(value) <= MAX_MAGNITUDE)
        nodes.append(value)
    return nodes


def pow_exponent_is_exactly_zero(expr: Expression) -> bool:
    """True if some ``a ** b`` step (both Values) has b exactly 0.

    There, both oracles get the mixed second derivative wrong: d2(a**b)/da db at b = 0 is 1/a,
    but torch masks the base's derivative to 0 where the exponent is 0 (giving 0), and autograd
    swaps a**(b-1) for a**1 there (giving 1). Our value is checked by hand in test_higher_order.
    """
    values = reference_values(expr)
    return any(step.op == "pow" and values[int(step.args[1][1])] == 0.0 for step in expr.steps)


ALL_OP_NAMES: tuple[str, ...] = tuple(sorted(RULES))
_UNARY = frozenset(name for name in RULES if BUILTIN_OPS[name].arity == 1)
_CONSTANTS = st.sampled_from((-2.5, -1.0, -0.5, 0.5, 1.0, 2.0, 3.0))
INPUT_FLOATS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


@st.composite
def expressions(
    draw: st.DrawFn,
    op_names: Sequence[str] = ALL_OP_NAMES,
    max_inputs: int = 3,
    max_steps: int = 8,
) -> Expression:
    """A random expression graph over ``op_names`` that stays inside every op's domain.

    Steps reuse earlier nodes (shared subexpressions, a node used twice), put constants on either
    side of binary ops, and every node that nothing else uses is added into the output, so every
    step influences the result.
    """
    count = draw(st.integers(1, max_inputs))
    inputs = tuple(draw(st.lists(INPUT_FLOATS, min_size=count, max_size=count)))
    steps: list[Step] = []
    used: set[int] = set()

    def node(n_nodes: int) -> Operand:
        index = draw(st.integers(0, n_nodes - 1))
        used.add(index)
        return ("node", float(index))

    def operand(n_nodes: int) -> Operand:
        return node(n_nodes) if draw(st.booleans()) else ("const", draw(_CONSTANTS))

    for k in range(draw(st.integers(1, max_steps))):
        n = count + k  # nodes available to this step
        name = draw(st.sampled_from(op_names))
        args: tuple[Operand, ...]
        if name in _UNARY:
            args = (node(n),)
        elif name == "sum":
            args = (node(n), *(operand(n) for _ in range(draw(st.integers(1, 3)))))
        elif name == "pow":
            args = (operand(n), node(n))  # the exponent is a node, else it is pow_const
        else:
            const_side = draw(st.sampled_from((None, 0, 1)))  # constants on either side
            args = tuple(
                ("const", draw(_CONSTANTS)) if side == const_side else node(n) for side in (0, 1)
            )
        param = 0.0
        if name == "pow_const":
            param = draw(st.sampled_from(POW_EXPONENTS))
        elif name == "leaky_relu":
            param = draw(st.sampled_from(LEAKY_SLOPES))
        steps.append(Step(name, args, param))
    sinks = [k for k in range(count, count + len(steps)) if k not in used]
    if len(sinks) > 1:
        steps.append(Step("sum", tuple(("node", float(k)) for k in sinks)))
    return Expression(inputs, tuple(steps))


# -- comparing numbers -----------------------------------------------------------------------------


def assert_close(
    actual: Sequence[float], expected: Sequence[float], rel: float = 1e-9, what: str = ""
) -> None:
    """Each pair equal within ``rel``, relative to the largest magnitude in ``expected``."""
    assert len(actual) == len(expected), what
    scale = max([1.0, *(abs(e) for e in expected)])
    for i, (a, e) in enumerate(zip(actual, expected)):
        assert abs(a - e) <= rel * scale, f"{what}[{i}]: got {a!r}, expected {e!r}"


def micrograd_example() -> tuple[Value, dict[str, Value]]:
    """The micrograd lecture's first graph, L = (a*b + c) * f, and its nodes by label."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    loss = d * f
    loss.label = "L"
    return loss, {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "L": loss}


def differentiation_paths(out: Value, xs: list[Value]) -> dict[str, Callable[[], object]]:
    """Every way to differentiate through ``out`` with respect to ``xs``, by name.

    All of them go through the one chain-rule step, so a rule's error or a term's conversion
    must be the same on each. The manual step (``out._backward()``) runs with ``out.grad`` set
    to 1 and puts it back to 0 after.
    """

    def manual() -> None:
        out.grad = 1.0
        try:
            out._backward()
        finally:
            out.grad = 0.0

    return {
        "backward": out.backward,
        "backward(create_graph)": lambda: out.backward(create_graph=True),
        "grad": lambda: grad(out, xs),
        "grad(create_graph)": lambda: grad(out, xs, create_graph=True),
        "_backward": manual,
        "backward_steps": lambda: list(backward_steps(out)),
        "apply_backward_steps": lambda: apply_backward_steps(backward_steps(out)),
    }
