"""The numeric policy, case by case: no NaN or infinity ever enters a graph.

Out-of-domain inputs, overflow and infinite derivatives raise ``DomainError`` (a ``ValueError``)
whose message names the op, the offending value and its label; defined edge points give the
values and derivatives listed in the README's "Numeric policy" table. A backward pass that fails
leaves every ``.grad`` as it was.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from strategies import differentiation_paths

from autograd_engine import DomainError, Op, Value, grad, topological_order
from autograd_engine.stepper import apply_backward_steps, backward_steps

np = pytest.importorskip("numpy")


def value_and_derivative(f: Callable[[Value], Value], x: float) -> tuple[float, float]:
    v = Value(x)
    out = f(v)
    out.backward()
    assert grad(out, [v]) == [v.grad]  # the functional form agrees
    return out.data, v.grad


# -- out of the domain: DomainError naming op, value and label ------------------------------------

OUT_OF_DOMAIN = [
    ("log(0)", lambda a: a.log(), 0.0, "log"),
    ("log(-1)", lambda a: a.log(), -1.0, "log"),
    ("sqrt(-1)", lambda a: a.sqrt(), -1.0, "sqrt"),
    ("1 / a at 0", lambda a: 1 / a, 0.0, "div"),
    ("Value(1) / a at 0", lambda a: Value(1.0) / a, 0.0, "div"),
    ("a ** -1 at 0", lambda a: a**-1, 0.0, "pow_const"),
    ("a ** -2.5 at 0", lambda a: a**-2.5, 0.0, "pow_const"),
    ("a ** (1/3) at -8", lambda a: a ** (1 / 3), -8.0, "pow_const"),
    ("a ** 0.5 at -1", lambda a: a**0.5, -1.0, "pow_const"),
    ("a ** Value(2) at 0", lambda a: a ** Value(2.0), 0.0, "pow"),
    ("a ** Value(2) at -2", lambda a: a ** Value(2.0), -2.0, "pow"),
    ("exp(1000)", lambda a: a.exp(), 1000.0, "exp"),
    ("exp(710)", lambda a: a.exp(), 710.0, "exp"),
    ("a * 10 at 1e308", lambda a: a * 10, 1e308, "mul"),
    ("a + a at 1e308", lambda a: a + a, 1e308, "add"),
    ("a - (-a) at 1e308", lambda a: a - (-a), 1e308, "sub"),
    ("a / 1e-10 at 1e308", lambda a: a / 1e-10, 1e308, "div"),
    ("a ** 2 at 1e200", lambda a: a**2, 1e200, "pow_const"),
    ("a ** Value(2) at 1e200", lambda a: a ** Value(2.0), 1e200, "pow"),
    ("Value.sum([a, a]) at 1e308", lambda a: Value.sum([a, a]), 1e308, "sum"),
]


@pytest.mark.parametrize(
    ("f", "x", "op_name"), [case[1:] for case in OUT_OF_DOMAIN], ids=[c[0] for c in OUT_OF_DOMAIN]
)
def test_out_of_domain_or_overflow_raises_domain_error_naming_op_value_and_label(
    f: Callable[[Value], Value], x: float, op_name: str
) -> None:
    a = Value(x, label="my_input")
    with pytest.raises(DomainError) as info:
        f(a)
    message = str(info.value)
    assert op_name in message
    assert repr(x) in message
    assert "my_input" in message


def test_reflected_operators_out_of_domain_raise_too() -> None:
    with pytest.raises(DomainError, match="div"):
        Value(1.0) / 0
    with pytest.raises(DomainError, match="pow"):
        (-2.0) ** Value(0.5)
    with pytest.raises(DomainError, match="pow"):
        0 ** Value(1.0)
    with pytest.raises(DomainError, match="pow"):
        10.0 ** Value(400.0)


def test_domain_error_is_a_value_error() -> None:
    assert issubclass(DomainError, ValueError)
    with pytest.raises(ValueError):
        Value(-1.0).log()


def test_negative_base_with_fractional_exponent_never_gives_complex_data() -> None:
    for exponent in (0.5, 1 / 3, -0.5, 2.5):
        with pytest.raises(DomainError, match="negative base"):
            Value(-2.0) ** exponent


@pytest.mark.parametrize(
    "bad", [math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf")], ids=repr
)
def test_nan_and_inf_inputs_raise_domain_error(bad: float) -> None:
    x = Value(1.0)
    with pytest.raises(DomainError, match="finite"):
        Value(bad)
    for build in (
        lambda: x + bad,
        lambda: bad + x,
        lambda: x * bad,
        lambda: bad / x,
        lambda: x - bad,
        lambda: x**bad,
        lambda: bad**x,
        lambda: x.leaky_relu(bad),
        lambda: Value.sum([x, bad]),
    ):
        with pytest.raises(DomainError):
            build()


def test_nan_given_to_a_labelled_value_names_the_label() -> None:
    with pytest.raises(DomainError, match="w1") as info:
        Value(math.nan, label="w1")
    assert "nan" in str(info.value)


def test_numbers_too_large_for_a_float_raise_domain_error() -> None:
    with pytest.raises(DomainError, match="too large"):
        Value(10**400)
    with pytest.raises(DomainError, match="too large"):
        Value(Fraction(10**400, 3))
    with pytest.raises(DomainError):
        Value(1.0) + 10**400


# -- defined edge points: values and derivatives ---------------------------------------------------

EDGE_POINTS = [
    ("sqrt(0)", lambda a: a.sqrt(), 0.0, 0.0, None),
    ("0 ** 0", lambda a: a**0, 0.0, 1.0, 0.0),
    ("0 ** 0.0 as float", lambda a: a**0.0, 0.0, 1.0, 0.0),
    ("0 ** 1", lambda a: a**1, 0.0, 0.0, 1.0),
    ("0 ** 2", lambda a: a**2, 0.0, 0.0, 0.0),
    ("0 ** 1.5", lambda a: a**1.5, 0.0, 0.0, 0.0),
    ("(-2) ** 3", lambda a: a**3, -2.0, -8.0, 12.0),
    ("(-2) ** -1", lambda a: a**-1, -2.0, -0.5, -0.25),
    ("(-2) ** 2.0", lambda a: a**2.0, -2.0, 4.0, -4.0),
    ("relu(0)", lambda a: a.relu(), 0.0, 0.0, 0.0),
    ("relu(-0.0)", lambda a: a.relu(), -0.0, 0.0, 0.0),
    ("abs(0)", abs, 0.0, 0.0, 0.0),
    ("abs(-0.0)", abs, -0.0, 0.0, 0.0),
    ("leaky_relu(0, 0.2)", lambda a: a.leaky_relu(0.2), 0.0, 0.0, 0.2),
    ("tanh(1000)", lambda a: a.tanh(), 1000.0, 1.0, 0.0),
    ("tanh(-1000)", lambda a: a.tanh(), -1000.0, -1.0, 0.0),
    ("sigmoid(1000)", lambda a: a.sigmoid(), 1000.0, 1.0, 0.0),
    ("sigmoid(-1000)", lambda a: a.sigmoid(), -1000.0, 0.0, 0.0),
    ("softplus(1000)", lambda a: a.softplus(), 1000.0, 1000.0, 1.0),
    ("softplus(-1000)", lambda a: a.softplus(), -1000.0, 0.0, 0.0),
    ("exp(-1000)", lambda a: a.exp(), -1000.0, 0.0, 0.0),
    ("exp(709)", lambda a: a.exp(), 709.0, math.exp(709.0), math.exp(709.0)),
    ("log(1)", lambda a: a.log(), 1.0, 0.0, 1.0),
    ("1 ** Value", lambda a: Value(1.0) ** a, 5.0, 1.0, 0.0),
]


@pytest.mark.parametrize(
    ("f", "x", "value", "derivative"),
    [case[1:] for case in EDGE_POINTS],
    ids=[c[0] for c in EDGE_POINTS],
)
def test_edge_points_have_the_documented_value_and_derivative(
    f: Callable[[Value], Value], x: float, value: float, derivative: float | None
) -> None:
    if derivative is None:  # the value is defined, the derivative is infinite
        a = Value(x, label="edge")
        out = f(a)
        assert out.data == value
        with pytest.raises(DomainError, match="infinite") as info:
            out.backward()
        assert "edge" in str(info.value)
        assert a.grad == 0.0
    else:
        assert value_and_derivative(f, x) == (value, derivative)


def test_sqrt_at_zero_has_value_zero_and_backward_through_it_raises() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(DomainError, match="sqrt") as info:
        y.backward()
    assert "x" in str(info.value)
    with pytest.raises(DomainError, match="sqrt"):
        grad(y, [x])


def test_fractional_power_below_one_at_zero_has_an_infinite_derivative() -> None:
    for exponent in (0.5, 0.25):
        x = Value(0.0, label="x")
        y = x**exponent
        assert y.data == 0.0
        with pytest.raises(DomainError, match="infinite"):
            y.backward()


def test_second_derivative_of_x_to_the_1_5_at_zero_is_reported_infinite() -> None:
    x = Value(0.0)
    (first,) = grad(x**1.5, [x], create_graph=True)
    assert first.data == 0.0
    with pytest.raises(DomainError, match="infinite"):
        grad(first, [x])


# -- gradients that overflow, and what a failed backward leaves behind --------------------------


def test_gradient_overflowing_at_an_intermediate_node_raises_domain_error() -> None:
    x = Value(1e-300, label="x")
    u = x + 0.0
    y = (u * 1e300) * 1e300  # dy/d(u*1e300) = 1e300: fine; dy/du = 1e600: overflows
    with pytest.raises(DomainError):
        y.backward()
    assert [n.grad for n in topological_order(y)] == [0.0] * 7


def test_gradient_overflowing_at_a_leaf_raises_domain_error() -> None:
    x = Value(1e-310, label="tiny")  # d log(x)/dx = 1/x = 1e310 > the largest float
    y = x.log()
    with pytest.raises(DomainError) as info:
        y.backward()
    assert "tiny" in str(info.value)
    assert x.grad == 0.0 and y.grad == 0.0
    with pytest.raises(DomainError):
        grad(y, [x])


def test_gradient_overflowing_at_a_leaf_through_a_product_raises_domain_error() -> None:
    x, c, d = Value(1e-300, label="x"), Value(1e300), Value(1e300)
    z = (c * x) * d  # z = 1e300 is fine, dz/dx = c * d = 1e600 is not
    with pytest.raises(DomainError):
        z.backward()
    assert [n.grad for n in topological_order(z)] == [0.0] * 5
    with pytest.raises(DomainError):
        grad(z, [x])


def test_gradient_overflowing_when_added_to_the_earlier_grad_raises_domain_error() -> None:
    x = Value(1.0, label="x")
    y = x * 1e308
    y.backward()
    with pytest.raises(DomainError, match="zero_grad") as info:
        y.backward()  # 1e308 + 1e308 does not fit in a float
    assert "'x'" in str(info.value)
    assert (x.grad, y.grad) == (1e308, 1.0)


def test_create_graph_backward_whose_accumulated_grad_overflows_changes_no_grad() -> None:
    x, c = Value(1e308, label="x"), Value(1.0, label="c")
    y = x * c  # dy/dx = 1, dy/dc = 1e308
    y.backward()
    with pytest.raises(DomainError):
        y.backward(create_graph=True)  # x's 1 + 1 fits, c's 1e308 + 1e308 does not
    assert (x.grad, c.grad, y.grad) == (1.0, 1e308, 1.0)


def _graph_with_a_bad_branch() -> tuple[Value, list[Value]]:
    """A graph whose backward fails at sqrt(0) after some grads have been added."""
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(0.0, label="c")
    out = (a * b).tanh() + a * a + c.sqrt() * b
    return out, [a, b, c]


def test_failed_backward_leaves_every_grad_as_it_was() -> None:
    out, _ = _graph_with_a_bad_branch()
    # give every node some earlier gradient, from another root over the same leaves
    nodes = topological_order(out)
    for i, node in enumerate(nodes):
        node.grad = 0.5 * i - 1.0
    before = [n.grad for n in nodes]
    with pytest.raises(DomainError, match="sqrt"):
        out.backward()
    assert [n.grad for n in nodes] == before
    with pytest.raises(DomainError, match="sqrt"):
        out.backward(create_graph=True)
    assert [n.grad for n in nodes] == before


def test_failed_functional_grad_touches_no_grad() -> None:
    out, leaves = _graph_with_a_bad_branch()
    with pytest.raises(DomainError):
        grad(out, leaves)
    with pytest.raises(DomainError):
        grad(out, leaves, create_graph=True)
    assert all(n.grad == 0.0 for n in topological_order(out))


def test_backward_error_names_the_op_the_inputs_and_their_labels() -> None:
    out, _ = _graph_with_a_bad_branch()
    with pytest.raises(DomainError) as info:
        out.backward()
    message = str(info.value)
    assert "sqrt" in message and "0.0" in message and "'c'" in message


def test_no_value_in_a_successful_graph_holds_nan_or_inf() -> None:
    x = Value(-1000.0)
    out = x.sigmoid() + x.tanh() + x.softplus() + x.exp() + (-x).sigmoid() + (-x).tanh()
    out.backward()
    for node in topological_order(out):
        assert math.isfinite(node.data) and math.isfinite(node.grad)


def test_backward_interrupted_by_any_exception_leaves_every_grad_as_it_was() -> None:
    class ForgotTheTuple(Op):
        r"""f(x) = 2x; df/dx = 2, but backward returns a bare number instead of a tuple."""

        name = "test_forgot_the_tuple"
        symbol = "2x"

        def forward(self, x: float) -> float:
            return 2 * x

        def backward(self, grad: Any, out: Any, x: Any) -> Any:
            return grad * 2

    x = Value(1.0)
    y = ForgotTheTuple()(x) * 3
    nodes = topological_order(y)
    for node in nodes:
        node.grad = 5.0
    with pytest.raises(TypeError):
        y.backward()
    assert [n.grad for n in nodes] == [5.0] * len(nodes)


def test_infinite_local_derivative_raises_even_when_the_arriving_gradient_is_zero() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() * 0  # 0 times infinity: no value, so no silent NaN either
    with pytest.raises(DomainError, match="sqrt"):
        y.backward()


def test_ordering_against_infinity_or_nan_compares_as_floats() -> None:
    v = Value(1.0)
    assert v < math.inf and v > -math.inf and math.inf > v
    assert not (v < math.nan) and not (v >= math.nan)


class _UserOp(Op):
    r"""f(x) = whatever ``result`` returns; df/dx = 1 (a stand-in for a student's op)."""

    name = "test_user_op"
    symbol = "user"

    def __init__(self, result: Callable[[float], Any]) -> None:
        self.result = result

    def forward(self, x: float) -> Any:
        return self.result(x)

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any]:
        return (grad,)


def test_user_op_returning_a_complex_number_raises_domain_error() -> None:
    root = _UserOp(lambda x: x**0.5)  # Python gives (-4.0) ** 0.5 == 2j
    with pytest.raises(DomainError, match="complex") as info:
        root(Value(-4.0, label="area"))
    assert "test_user_op" in str(info.value) and "area" in str(info.value)


def test_user_op_returning_an_int_or_numpy_float_stores_a_python_float() -> None:
    for result in (lambda x: max(0, x), lambda x: np.float64(x) * 2, lambda x: Fraction(1, 2)):
        out = _UserOp(result)(Value(-1.0))
        assert type(out.data) is float


def test_user_op_returning_a_non_number_raises_type_error() -> None:
    with pytest.raises(TypeError, match="NoneType"):
        _UserOp(lambda x: None)(Value(1.0))
    with pytest.raises(DomainError):
        _UserOp(lambda x: math.inf)(Value(1.0))


def test_an_overflow_adding_back_grads_left_by_a_create_graph_pass_changes_no_grad() -> None:
    x, c = Value(1e308, label="x"), Value(1.0, label="c")
    y = x * c
    y.backward(create_graph=True)  # grads are now Values: x.grad 1.0, c.grad 1e308
    before = {v: v.grad for v in (x, c, y)}
    with pytest.raises(DomainError, match="No grad was changed"):
        y.backward()  # x's sum is fine, c's sum 1e308 + 1e308 overflows
    assert all(v.grad is g for v, g in before.items())


# -- the policy on every path that writes a grad, for a backward term of any type ----------------


class _OddTerms(Op):
    """a * b whose rule returns what ``make(grad, a, b)`` gives instead of its two terms."""

    name = "odd_terms"
    symbol = "*?"
    arity = 2

    def __init__(self, make: Callable[[Any, Any, Any], Any]) -> None:
        self.make = make

    def forward(self, a: float, b: float) -> float:
        return a * b

    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> Any:
        return self.make(grad, a, b)


def _data(x: Any) -> Any:
    return x.data if isinstance(x, Value) else x


# terms that are real numbers of another type: each converted to a float as forward results are
REAL_TERMS = {
    "numpy float32": lambda g, a, b: (np.float32(0.1) * _data(g), np.float32(3.0)),
    "numpy float64": lambda g, a, b: (np.float64(0.1), np.float64(2.5)),
    "int and bool": lambda g, a, b: (3, True),
    "Fraction": lambda g, a, b: (Fraction(1, 3), Fraction(-7, 2)),
    "list": lambda g, a, b: [0.25, 0.5],
}

# anything else: a TypeError naming the op, and no grad changed
BAD_TERMS = {
    "complex": lambda g, a, b: (_data(g) * (2 + 0j), g * b),
    "set": lambda g, a, b: {g * b, g * a},
    "dict": lambda g, a, b: {"a": g * b, "b": g * a},
    "str": lambda g, a, b: ("0.5", g),
    "None": lambda g, a, b: (None, g),
    "a bare number": lambda g, a, b: g * b,
    "a generator": lambda g, a, b: (t for t in (g * b, g * a)),
    "three terms": lambda g, a, b: (g, g, g),
}


@pytest.mark.parametrize("kind", list(REAL_TERMS))
def test_a_real_term_of_any_type_becomes_a_float_on_every_path(kind: str) -> None:
    op = _OddTerms(REAL_TERMS[kind])
    expected = [float(t) for t in REAL_TERMS[kind](1.0, 2.0, 3.0)]
    for name in differentiation_paths(op(Value(2.0), Value(3.0)), []):
        xs = [Value(2.0), Value(3.0)]
        out = op(*xs)
        result = differentiation_paths(out, xs)[name]()
        if name.startswith("grad"):
            got = [_data(g) for g in result]  # type: ignore[union-attr]
        elif name == "backward_steps":
            got = [u.contribution for u in result[0].updates]  # type: ignore[index]
        else:
            got = [_data(x.grad) for x in xs]
        assert got == expected, name
        assert all(type(g) is float for g in got), name
        if name in ("backward", "_backward", "apply_backward_steps"):
            assert all(type(x.grad) is float for x in xs), name


@pytest.mark.parametrize("kind", list(BAD_TERMS))
def test_a_term_that_is_not_a_real_number_raises_naming_the_op_on_every_path(kind: str) -> None:
    op = _OddTerms(BAD_TERMS[kind])
    for name in differentiation_paths(op(Value(2.0), Value(3.0)), []):
        xs = [Value(2.0), Value(3.0)]
        for x in xs:
            x.grad = 0.5
        out = op(*xs)
        with pytest.raises(TypeError, match=r"_OddTerms\.backward") as info:
            differentiation_paths(out, xs)[name]()
        assert "No grad was changed" in str(info.value), name
        assert [x.grad for x in xs] == [0.5, 0.5], name


def test_a_float_pass_refuses_a_value_term_naming_the_op() -> None:
    held = Value(2.0)
    op = _OddTerms(lambda g, a, b: (g * held, g * a))  # a Value, where floats are expected
    xs = [Value(2.0), Value(3.0)]
    out = op(*xs)
    for name, differentiate in differentiation_paths(out, xs).items():
        if "create_graph" in name:  # Values are what a create_graph pass expects
            continue
        for x in xs:
            x.grad = 0.0
        with pytest.raises(TypeError, match=r"_OddTerms.backward returned Value"):
            differentiate()
        assert [x.grad for x in xs] == [0.0, 0.0], name
    assert [g.data for g in grad(out, xs, create_graph=True)] == [2.0, 2.0]  # 1 * held, 1 * a


def test_manual_backward_step_that_would_store_inf_raises_and_changes_nothing() -> None:
    x = Value(1.0, label="x")
    y = x * 1e308
    y.grad = 10.0  # the term for x, 10 * 1e308, overflows
    with pytest.raises(DomainError, match="label 'x'"):
        y._backward()
    assert (x.grad, y._prev[1].grad) == (0.0, 0.0)
    y.grad = 1.0
    x.grad = 1e308  # the term fits, the sum 1e308 + 1e308 does not
    with pytest.raises(DomainError, match="zero_grad"):
        y._backward()
    assert (x.grad, y._prev[1].grad) == (1e308, 0.0)


def test_apply_backward_steps_is_all_or_nothing() -> None:
    x = Value(0.0, label="x")
    y = x.sqrt() + Value(2.0) * 3.0  # the sqrt's step fails after the other steps
    earlier = {n: n.grad for n in topological_order(y)}
    with pytest.raises(DomainError, match="sqrt"):
        apply_backward_steps(backward_steps(y))
    assert {n: n.grad for n in topological_order(y)} == earlier
    w = Value(1.0)
    z = w * 1e308
    w.grad = 1e308
    with pytest.raises(DomainError, match="zero_grad"):
        apply_backward_steps(backward_steps(z))  # w's 1e308 + 1e308 overflows, z's is fine
    assert (w.grad, z.grad) == (1e308, 0.0)


# -- rounding: the rules multiply in PyTorch's order, so tiny gradients do not underflow ---------

EXTREME_POWERS = [  # (x, c, grad): grad * c underflows, c * x ** (c - 1) does not
    (1e-280, 0.1, 1e-323),
    (1e-10, 0.5, 5e-324),
    (1e-280, 0.5, 1e-320),
    (1e-100, -1.0, 1e-300),
    (3.0, 2.0, 1e-320),
]
EXTREME_QUOTIENTS = [  # (a, b, grad): grad * out underflows, out / b does not
    (1e-300, 1e-100, 1e-200),
    (3e-160, 1e-150, 1e-160),
    (1e-170, 1e-10, 1e-150),  # grad * out is subnormal: digits lost
]


def _torch_gradients(f: Callable[..., Any], inputs: list[float], g: float) -> list[float]:
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    f(*ts).backward(torch.tensor(g, dtype=torch.float64))
    return [t.grad.item() for t in ts]


def _our_gradients(f: Callable[..., Value], inputs: list[float], g: float) -> list[float]:
    xs = [Value(x) for x in inputs]
    out = f(*xs)
    out.grad = g
    out._backward()
    via_backward = [x.grad for x in xs]
    assert grad(out * g, xs) == via_backward  # the same numbers through a whole pass
    return via_backward


@pytest.mark.parametrize("x, c, g", EXTREME_POWERS)
def test_power_rule_does_not_underflow_where_pytorch_does_not(x: float, c: float, g: float) -> None:
    ours = _our_gradients(lambda v: v**c, [x], g)
    assert ours == _torch_gradients(lambda t: t**c, [x], g)
    assert ours[0] != 0.0


@pytest.mark.parametrize("a, b, g", EXTREME_QUOTIENTS)
def test_division_rule_does_not_underflow_where_pytorch_does_not(
    a: float, b: float, g: float
) -> None:
    ours = _our_gradients(lambda u, v: u / v, [a, b], g)
    assert ours == _torch_gradients(lambda u, v: u / v, [a, b], g)
    assert ours[1] != 0.0


@pytest.mark.parametrize("bad", ["0.5", None, 1j, [1.0]], ids=["str", "None", "complex", "list"])
def test_a_grad_that_is_not_a_number_is_reported_and_nothing_changes(bad: object) -> None:
    x = Value(2.0, label="x")
    y = x * 3.0
    x.grad = bad
    with pytest.raises(TypeError, match="is not a number") as info:
        y.backward()
    assert "zero_grad" in str(info.value)
    assert x.grad is bad and y.grad == 0.0
