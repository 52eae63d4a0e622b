"""``Value`` as a Python object: what it accepts, operators, comparisons, identity, display."""

from __future__ import annotations

import copy
import gc
import inspect
import math
import operator
import pickle
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from autograd_engine import DomainError, Value
from autograd_engine.value import float_of

np = pytest.importorskip("numpy")

# -- construction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (2, 2.0),
        (-3.5, -3.5),
        (True, 1.0),
        (False, 0.0),
        (Fraction(1, 4), 0.25),
        (np.float32(1.5), 1.5),
        (np.float64(-2.25), -2.25),
        (np.int64(7), 7.0),
        (np.int8(-3), -3.0),
        (np.uint16(9), 9.0),
        (np.bool_(True), 1.0),
        (np.bool_(False), 0.0),
    ],
    ids=lambda x: f"{type(x).__name__}({x})",
)
def test_real_numbers_are_accepted_and_stored_as_python_float(number: Any, expected: float) -> None:
    v = Value(number)
    assert type(v.data) is float
    assert v.data == expected


@pytest.mark.parametrize(
    "bad",
    [
        "2.0",
        None,
        1 + 2j,
        [1.0],
        (1.0,),
        {"a": 1.0},
        {1.0},
        np.array([1.0, 2.0]),
        np.array(1.0),
        np.complex128(1 + 1j),
        Decimal("1.5"),
        object(),
    ],
    ids=lambda x: type(x).__name__,
)
def test_anything_but_a_real_number_raises_type_error_naming_what_arrived(bad: object) -> None:
    with pytest.raises(TypeError) as info:
        Value(bad)
    assert type(bad).__name__ in str(info.value)


def test_type_error_message_shows_the_offending_value() -> None:
    with pytest.raises(TypeError, match="str 'abc'"):
        Value("abc")


def test_value_of_a_value_raises_type_error_suggesting_detach() -> None:
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


def test_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)  # type: ignore[arg-type]


def test_new_value_is_a_leaf_with_zero_grad() -> None:
    v = Value(2.0, label="a")
    assert (v.data, v.grad, v.label, v._prev, v._op, v._operation) == (2.0, 0.0, "a", (), "", None)
    assert Value(1.0).label == ""


def test_micrograds_constructor_with_children_and_op_records_a_node() -> None:
    a, b = Value(1.0), Value(2.0)
    out = Value(3.0, [a, b, a], "my+")  # any iterable of Values, kept in order as a tuple
    assert (out.data, out._prev, out._op, out.grad) == (3.0, (a, b, a), "my+", 0.0)
    assert Value(4.0, (), "const")._op == "const" and Value(4.0, (), "const")._prev == ()


@pytest.mark.parametrize(
    ("children", "op", "message"),
    [
        ((1.0,), "+", "every child to be a Value, got float 1.0 at position 0"),
        (Value(1.0), "tanh", "_children to be a tuple of Values"),
        (3, "+", "_children to be a tuple of Values"),
        ((), 7, "_op to be a str, got int 7"),
    ],
)
def test_bad_children_or_op_raise_type_error_saying_what_was_expected(
    children: Any, op: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        Value(2.0, children, op)


def test_every_value_takes_new_attributes_as_micrograds_do() -> None:
    p = Value(1.0)
    p.m = 0.0  # type: ignore[attr-defined]  # an optimizer's state (EurekaLabsAI's micrograd)
    p._vis_color = "red"  # type: ignore[attr-defined]  # a drawing colour
    assert (p.m, p._vis_color) == (0.0, "red")  # type: ignore[attr-defined]
    out = Value(2.0, (p,), "f")
    out.note = "closure-style nodes too"  # type: ignore[attr-defined]
    made = (p * 2).relu()
    made.colour = "red"  # type: ignore[attr-defined]  # and nodes made by operators and methods
    assert made.colour == "red"  # type: ignore[attr-defined]
    assert type(p) is Value and type(made) is Value and type(out) is Value
    restored = pickle.loads(pickle.dumps(p))
    assert (restored.data, restored.m) == (1.0, 0.0)
    assert copy.deepcopy(p).m == 0.0  # type: ignore[attr-defined]
    graph = copy.deepcopy(made)  # a node, its inputs and its attributes
    assert (graph.data, graph.colour, graph._prev[0]._prev[0].m) == (2.0, "red", 0.0)  # type: ignore[attr-defined]


def test_help_shows_the_constructors_parameters() -> None:
    assert list(inspect.signature(Value).parameters) == ["data", "_children", "_op", "label"]


def test_pythons_own_messages_name_the_type_value() -> None:
    with pytest.raises(TypeError, match="'Value' and 'str'"):
        Value(1.0) + "a"  # type: ignore[arg-type]


# -- operators ------------------------------------------------------------------------------------

BINARY = [
    (operator.add, 2.0, 3.0, 5.0),
    (operator.sub, 2.0, 3.0, -1.0),
    (operator.mul, 2.0, 3.0, 6.0),
    (operator.truediv, 3.0, 2.0, 1.5),
    (operator.pow, 2.0, 3.0, 8.0),
]


@pytest.mark.parametrize(
    ("op", "a", "b", "expected"), BINARY, ids=lambda x: getattr(x, "__name__", "")
)
def test_operators_take_a_value_or_a_number_on_either_side(
    op: Callable[[Any, Any], Any], a: float, b: float, expected: float
) -> None:
    for left, right in ((Value(a), Value(b)), (Value(a), b), (a, Value(b)), (int(a), Value(b))):
        out = op(left, right)
        assert isinstance(out, Value)
        assert out.data == expected
        if op is operator.pow and not isinstance(right, Value):
            assert [p.data for p in out._prev] == [a]  # a plain exponent is part of the op
        else:
            assert [p.data for p in out._prev] == [a, b]  # a number became a constant leaf


def test_unary_operators() -> None:
    assert (-Value(2.0)).data == -2.0
    assert abs(Value(-2.5)).data == 2.5
    assert (+Value(1.0) if hasattr(Value, "__pos__") else Value(1.0)).data == 1.0


def test_constant_operand_is_a_new_leaf_holding_the_number() -> None:
    x = Value(3.0)
    out = 2 - x
    const, same = out._prev
    assert same is x
    assert (const.data, const._prev, const._operation) == (2.0, (), None)


def test_prev_lists_parents_in_operand_order_repeating_a_parent_used_twice() -> None:
    a, b = Value(2.0), Value(3.0)
    assert (a * a)._prev == (a, a)
    assert (b - a)._prev == (b, a)
    assert (a / b)._prev == (a, b)
    assert Value.sum([a, b, a])._prev == (a, b, a)


@pytest.mark.parametrize(
    "bad", ["a", None, 1 + 2j, [1.0], {"k": 1}], ids=lambda x: type(x).__name__
)
def test_operators_with_unsupported_types_raise_pythons_usual_type_error(bad: object) -> None:
    v = Value(1.0)
    for op in (operator.add, operator.sub, operator.mul, operator.truediv, operator.pow):
        # Python's own messages ("unsupported operand type(s) for +: 'Value' and 'str'",
        # "can't multiply sequence by non-int of type 'Value'") all name the Value type
        with pytest.raises(TypeError, match="Value"):
            op(v, bad)
        with pytest.raises(TypeError, match="Value"):
            op(bad, v)


def test_unsupported_operand_lets_the_other_type_handle_the_operator() -> None:
    class Other:
        def __radd__(self, left: object) -> str:
            return "Other.__radd__"

        def __rmul__(self, left: object) -> str:
            return "Other.__rmul__"

        def __rpow__(self, left: object) -> str:
            return "Other.__rpow__"

    assert Value(1.0) + Other() == "Other.__radd__"
    assert Value(1.0) * Other() == "Other.__rmul__"
    assert Value(1.0) ** Other() == "Other.__rpow__"


def test_numpy_scalars_work_on_either_side_of_an_operator() -> None:
    v = Value(2.0)
    for scalar in (np.float64(3.0), np.float32(3.0), np.int64(3)):
        right = v * scalar
        assert isinstance(right, Value) and right.data == 6.0
        assert type(right._prev[1].data) is float
        left = scalar * v
        assert isinstance(left, Value) and left.data == 6.0
    assert (v ** np.int64(2)).data == 4.0


def test_value_sum_builds_one_node_over_values_and_numbers() -> None:
    a, b = Value(1.0), Value(2.0)
    s = Value.sum(x for x in (a, b, 3, np.float32(0.5)))
    assert s.data == 6.5
    assert len(s._prev) == 4 and s._prev[:2] == (a, b)
    assert Value.sum([]).data == 0.0
    with pytest.raises(TypeError, match="str"):
        Value.sum([a, "b"])  # type: ignore[list-item]


def test_builtin_sum_of_values_works() -> None:
    values = [Value(float(i)) for i in range(10)]
    total = sum(values)
    assert isinstance(total, Value) and total.data == 45.0
    total.backward()
    assert all(v.grad == 1.0 for v in values)


# -- comparisons, identity, hashing ---------------------------------------------------------------


def test_ordering_compares_data_with_values_and_numbers_on_either_side() -> None:
    one, two = Value(1.0), Value(2.0)
    assert one < two and one <= two and two > one and two >= one
    assert not (two < one) and one <= Value(1.0) and one >= Value(1.0)
    assert one < 1.5 and one < 1.5 and one >= 1 and one >= 1 and one < np.float64(2)
    assert sorted([two, one, Value(-1.0)], key=None)[0].data == -1.0
    assert max(one, two) is two and min(one, two) is one


def test_ordering_against_infinity_works_as_for_floats() -> None:
    loss = Value(3.0)
    best = math.inf  # the usual start of "keep the best loss"
    assert loss < best and best > loss and loss > -math.inf
    assert not (loss < math.nan)


def test_ordering_against_a_non_number_raises_type_error() -> None:
    with pytest.raises(TypeError):
        _ = Value(1.0) < "a"  # type: ignore[operator]


def test_equality_and_hash_are_by_identity_not_by_data() -> None:
    a, b = Value(2.0), Value(2.0)
    assert a == a and a != b and (a == b) is False
    assert a != 2.0 and (a == 2.0) is False
    assert len({a, b, a}) == 2
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert hash(a) == hash(a) and hash(a) != hash(b)


# -- conversions and display ----------------------------------------------------------------------


def test_repr_is_like_micrograds() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1)) == "Value(data=-1.0, grad=0.0)"
    assert repr(Value(2.0, label="a")) == "Value(data=2.0, grad=0.0, label='a')"
    x = Value(3.0)
    (x * x).backward()
    assert repr(x) == "Value(data=3.0, grad=6.0)"


@pytest.mark.parametrize(
    ("call", "advice"),
    [
        (lambda v: math.exp(v), "math.exp() got a Value: .* Call v.exp() instead"),
        (lambda v: math.tanh(v), "math.tanh() got a Value: .* Call v.tanh() instead"),
        (lambda v: math.log(v), "math.log() got a Value: .* Call v.log() instead"),
        (lambda v: math.pow(v, 2), "math.pow() got a Value: .* Write v ** y instead"),
        (lambda v: math.fabs(v), "math.fabs() got a Value: .* Write abs(v) instead"),
        (lambda v: float(v), "float() got a Value: .*(v.exp(), v.tanh()"),
    ],
)
def test_float_and_math_functions_on_a_value_raise_type_error_naming_what_to_call(
    call: Callable[[Value], Any], advice: str
) -> None:
    with pytest.raises(TypeError, match=re.escape(advice).replace(r"\.\*", ".*")) as info:
        call(Value(2.5))
    assert "v.data" in str(info.value)  # and how to get the plain number on purpose


def test_math_on_a_value_no_longer_cuts_the_graph_silently() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError):
        x * math.exp(x)  # type: ignore[arg-type]  # d/dx would have come out e, not 2e
    y = x * x.exp()
    y.backward()
    assert x.grad == pytest.approx(2 * math.e, rel=1e-15)


def test_numpy_functions_call_the_value_methods() -> None:
    x = Value(0.5)
    y = np.exp(x)
    assert isinstance(y, Value) and y._op == "exp"


def test_float_of_reads_the_data_of_a_value_and_converts_a_number() -> None:
    assert (float_of(Value(2.5)), float_of(3), float_of(np.float32(0.5))) == (2.5, 3.0, 0.5)
    assert type(float_of(3)) is float


def test_format_spec_formats_the_data_like_a_float() -> None:
    v = Value(3.14159)
    assert f"{v:.2f}" == "3.14"
    assert f"{v:>8.3f}" == "   3.142"
    assert f"{v:e}" == format(3.14159, "e")
    assert f"{v}" == repr(v) == str(v)


def test_detach_gives_a_leaf_with_the_same_data_that_stops_gradients() -> None:
    x = Value(3.0)
    y = x * x
    d = y.detach()
    assert (d.data, d._prev, d._operation, d.grad) == (9.0, (), None, 0.0)
    assert d is not y
    (d * x).backward()  # d is a constant here: d(d*x)/dx = d = 9, not 3x^2 = 27
    assert x.grad == 9.0 and y.grad == 0.0


def test_nan_and_inf_inputs_raise_domain_error_not_type_error() -> None:
    with pytest.raises(DomainError):
        Value(math.nan)
    with pytest.raises(DomainError):
        Value(1.0) + math.inf


def test_the_float_or_value_functions_treat_numpy_scalars_and_fractions_as_plain_numbers() -> None:
    from autograd_engine import functions

    for number in (np.float32(0.5), np.int64(2), Fraction(1, 2)):
        for f, reference in ((functions.exp, math.exp), (functions.sin, math.sin)):
            result = f(number)
            assert type(result) is float
            assert result == reference(float(number))
    assert isinstance(functions.exp(Value(0.5)), Value)


def _tracked_objects_made_by(build: Callable[[], object]) -> int:
    """How many objects the cyclic collector tracks that ``build()`` left alive."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # no collection in between: the count only grows and shrinks with objects
    try:
        before = gc.get_count()[0]
        kept = build()
        after = gc.get_count()[0]
    finally:
        if was_enabled:
            gc.enable()
    del kept
    return after - before


def test_a_node_with_one_or_two_inputs_is_one_object_for_the_garbage_collector() -> None:
    # the inputs live in the node's own slots, not in a tuple of their own: one object per node,
    # so the collector runs half as often while a graph is built (see README, Speed)
    a, b = Value(2.0), Value(3.0)
    for build in (lambda: [a * b for _ in range(1000)], lambda: [a.relu() for _ in range(1000)]):
        made = _tracked_objects_made_by(build)
        assert 1000 <= made < 1050  # 1,000 nodes and the list that holds them (not 2,000)
    made = _tracked_objects_made_by(lambda: [Value.sum([a, b, a]) for _ in range(1000)])
    assert 2000 <= made < 2050  # more than two inputs: the node and the tuple of its inputs


def test_prev_reads_and_sets_the_inputs_as_a_tuple_in_operand_order() -> None:
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    for inputs in ((), (a,), (a, b), (a, b, c), (a, a, b, a)):
        node = Value(0.0)
        node._prev = list(inputs)  # any iterable, as micrograd's set(_children)
        assert node._prev == inputs
    assert (a * b)._prev == (a, b) and a.relu()._prev == (a,)
    assert Value.sum([a, b, c])._prev == (a, b, c) and Value.sum([])._prev == ()
    node = a * b
    with pytest.raises(TypeError, match="position 1"):
        node._prev = (a, 2.0)  # type: ignore[assignment]
    assert node._prev == (a, b)  # unchanged


def test_each_operator_method_is_named_after_its_operator_and_names_its_op() -> None:
    # the binary operators are made by one function; help() and debuggers still tell them apart
    expected = {"__add__": "Add", "__radd__": "Add", "__sub__": "Sub", "__rsub__": "Sub"}
    expected |= {"__mul__": "Mul", "__rmul__": "Mul", "__truediv__": "Div", "__rpow__": "Pow"}
    for name, op_class in expected.items():
        method = getattr(Value, name)
        assert (method.__name__, method.__qualname__) == (name, f"Value.{name}")
        assert f"ops.{op_class}" in method.__doc__
    assert (Value.__rsub__.__doc__ or "").startswith("``other - self``")
