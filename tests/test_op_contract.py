"""The Op contract: its worked example runs, and a rule that breaks it is named clearly."""

from __future__ import annotations

import math
import textwrap

import pytest
from strategies import differentiation_paths

from autograd_engine import Op, Value, grad, gradgradcheck, ops
from autograd_engine.autodiff import chain_rule_terms


class ShortMul(Op):
    name = "short_mul"
    symbol = "*?"
    arity = 2

    def forward(self, a, b):
        return a * b

    def backward(self, grad, out, a, b):
        return (grad * b,)


class ShortSum(Op):
    name = "short_sum"
    symbol = "sum?"
    arity = 0

    def forward(self, *xs):
        return sum(xs)

    def backward(self, grad, out, *xs):
        return (grad,)


@pytest.mark.parametrize("op, n", [(ShortMul(), 2), (ShortSum(), 3)])
def test_backward_names_the_contract_when_a_rule_returns_too_few_terms(op, n):
    xs = [Value(float(i + 1)) for i in range(n)]
    for x in xs:
        x.grad = 5.0
    out = op(*xs)
    with pytest.raises(TypeError, match="one term per input"):
        out.backward()
    assert all(x.grad == 5.0 for x in xs)
    with pytest.raises(TypeError, match="one term per input"):
        grad(out, xs)
    out.grad = 1.0
    with pytest.raises(TypeError, match="one term per input"):
        out._backward()


class BareDouble(Op):
    name = "bare_double"
    symbol = "2x?"
    arity = 1

    def forward(self, x):
        return 2 * x

    def backward(self, grad, out, x):
        return grad * 2  # the term itself, not a tuple of one term


def test_backward_names_the_contract_when_a_rule_returns_a_bare_number() -> None:
    x = Value(1.0)
    out = BareDouble()(x)
    for differentiate in (out.backward, lambda: grad(out, [x]), out._backward):
        out.grad = 1.0
        with pytest.raises(TypeError, match="one term per input"):
            differentiate()
    assert x.grad == 0.0


def _code_block_after(marker: str, doc: str) -> str:
    """The indented code block that follows ``marker::`` in a docstring, dedented."""
    lines = doc.split(f"{marker}::\n", 1)[1].splitlines()
    block = []
    for line in lines[1:]:  # a blank line follows the marker
        if line and not line.startswith(" "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block))


def test_the_define_an_op_example_in_the_ops_docstring_runs_and_differentiates() -> None:
    namespace: dict[str, object] = {}
    exec(
        _code_block_after("Defining an operation (the whole contract)", ops.__doc__ or ""),
        namespace,
    )
    y, softplus = namespace["y"], namespace["softplus"]
    assert isinstance(y, Value) and y._op == "softplus"
    assert y.data == pytest.approx(math.log1p(math.exp(0.5)), rel=1e-15)
    assert gradgradcheck(softplus, [0.5])


class ListSum(Op):
    """A correct n-ary rule that returns a list instead of a tuple."""

    name = "list_sum"
    symbol = "sum[]"
    arity = 0

    def forward(self, *xs: float) -> float:
        return sum(xs)

    def backward(self, grad: object, out: object, *xs: object) -> list[object]:
        return [grad] * len(xs)


def test_a_rule_returning_a_list_works_for_any_number_of_inputs_as_for_one_or_two() -> None:
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    out = ListSum()(*xs) * 2.0
    out.backward()
    assert [x.grad for x in xs] == [2.0, 2.0, 2.0]
    assert grad(out, xs) == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("op", [ShortMul(), BareDouble()], ids=lambda op: op.name)
def test_every_path_reports_a_broken_rule_with_the_same_message(op: Op) -> None:
    xs = [Value(2.0), Value(3.0)][: 2 if op.arity == 2 else 1]
    out = op(*xs)
    messages = set()
    for name, differentiate in differentiation_paths(out, xs).items():
        with pytest.raises(TypeError, match="one term per input") as info:
            differentiate()  # type: ignore[operator]
        messages.add(str(info.value).split(", got")[0])  # what arrived: floats or Values
        assert [x.grad for x in xs] == [0.0] * len(xs), name
    assert len(messages) == 1


def test_chain_rule_terms_is_the_step_every_path_takes() -> None:
    a, b = Value(2.0), Value(3.0)
    out = a * b
    assert chain_rule_terms(out, 10.0) == (30.0, 20.0)
    assert chain_rule_terms(a, 10.0) == ()  # a leaf passes nothing on
    da, db = chain_rule_terms(out, Value(10.0), create_graph=True)
    assert isinstance(da, Value) and (da.data, db.data) == (30.0, 20.0)
