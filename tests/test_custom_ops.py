"""A user-defined op works everywhere a built-in op does, checked with the built-in ops' oracles.

Three ops are defined here the way a course author would (subclass ``Op``: forward, backward,
symbol): a unary op written with the helpers of ``autograd_engine.functions``, a binary op, and an
op with a restricted domain. Their first and second derivatives are compared with central finite
differences and with HIPS ``autograd``, the oracles used for the built-in ops; then they go
through ``backward``, ``create_graph``, ``no_grad``, ``topological_order``, drawing and the
backward step-through.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_engine import (
    DomainError,
    Op,
    Value,
    backward_steps,
    draw_dot,
    grad,
    gradcheck,
    gradgradcheck,
    no_grad,
    numerical_gradient,
    ops,
    topological_order,
)
from autograd_engine.functions import log, sigmoid
from autograd_engine.testing import check_op

autograd = pytest.importorskip("autograd")
anp = pytest.importorskip("autograd.numpy")
np = pytest.importorskip("numpy")


class MySoftplus(Op):
    r"""Softplus. :math:`f(x) = \ln(1 + e^x)`; :math:`df/dx = \sigma(x)`."""

    name = "my_softplus"
    symbol = "mysoftplus"
    arity = 1

    def forward(self, x: float) -> float:
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    def backward(self, grad: Any, out: Any, x: Any) -> tuple[Any, ...]:
        return (grad * sigmoid(x),)


class Hypot(Op):
    r"""Length of (a, b). :math:`f = \sqrt{a^2 + b^2}`; :math:`\partial f/\partial a = a/f`,
    :math:`\partial f/\partial b = b/f`."""

    name = "hypot"
    symbol = "hypot"
    arity = 2
    domain = ((-3.0, 3.0), (0.5, 3.0))  # b > 0 keeps f > 0, where f is smooth

    def forward(self, a: float, b: float) -> float:
        return math.hypot(a, b)

    def backward(self, grad: Any, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return grad * a / out, grad * b / out


class Logit(Op):
    r"""Log-odds. :math:`f(p) = \ln(p / (1 - p))`; :math:`df/dp = 1 / (p (1 - p))`, for
    :math:`0 < p < 1`."""

    name = "logit"
    symbol = "logit"
    arity = 1
    domain = ((0.05, 0.95),)

    def forward(self, p: float) -> float:
        if not 0.0 < p < 1.0:
            raise ValueError("logit is defined only for 0 < p < 1")
        return math.log(p / (1.0 - p))

    def backward(self, grad: Any, out: Any, p: Any) -> tuple[Any, ...]:
        return (grad / (p * (1.0 - p)),)


softplus, hypot, logit = MySoftplus(), Hypot(), Logit()

# The same functions for HIPS autograd, the independent oracle.
ORACLES: dict[str, Any] = {
    "my_softplus": lambda x: anp.logaddexp(0.0, x),
    "hypot": lambda a, b: anp.sqrt(a * a + b * b),
    "logit": lambda p: anp.log(p / (1.0 - p)),
}
USER_OPS = [softplus, hypot, logit]


def points(op: Op) -> st.SearchStrategy[list[float]]:
    n = op.arity or len(op.domain)
    return st.tuples(*[st.floats(lo, hi) for lo, hi in op.domain[:n]]).map(list)


def oracle_gradient(op: Op, xs: list[float]) -> list[float]:
    f = ORACLES[op.name]
    return [float(autograd.grad(f, i)(*xs)) for i in range(len(xs))]


def oracle_hessian(op: Op, xs: list[float]) -> list[list[float]]:
    f = ORACLES[op.name]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Output seems independent of input", UserWarning)
        return [
            [float(autograd.grad(autograd.grad(f, i), j)(*xs)) for j in range(len(xs))]
            for i in range(len(xs))
        ]


def close(a: float, b: float, tol: float = 1e-6) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


@pytest.mark.parametrize("op", USER_OPS, ids=lambda op: op.name)
@given(data=st.data())
def test_user_op_first_derivatives_match_central_differences_and_autograd(
    op: Op, data: st.DataObject
) -> None:
    xs = data.draw(points(op))
    inputs = [Value(x) for x in xs]
    analytic = grad(op(*inputs), inputs)
    numeric = numerical_gradient(op, xs)
    expected = oracle_gradient(op, xs)
    for i in range(len(xs)):
        assert close(analytic[i], expected[i], 1e-9), (op.name, xs, analytic, expected)
        assert close(analytic[i], numeric[i], 1e-5), (op.name, xs, analytic, numeric)


@pytest.mark.parametrize("op", USER_OPS, ids=lambda op: op.name)
@given(data=st.data())
def test_user_op_second_derivatives_match_autograd(op: Op, data: st.DataObject) -> None:
    xs = data.draw(points(op))
    inputs = [Value(x) for x in xs]
    first = grad(op(*inputs), inputs, create_graph=True)
    hessian = [grad(g, inputs) for g in first]
    expected = oracle_hessian(op, xs)
    for i in range(len(xs)):
        for j in range(len(xs)):
            assert close(hessian[i][j], expected[i][j], 1e-7), (op.name, xs, i, j)


@pytest.mark.parametrize("op", USER_OPS, ids=lambda op: op.name)
def test_user_op_passes_gradcheck_gradgradcheck_and_check_op(op: Op) -> None:
    middle = [(lo + hi) / 2 + 0.1 for lo, hi in op.domain]
    assert gradcheck(op, middle)
    assert gradgradcheck(op, middle)
    report = check_op(op, second_order=True)
    assert report, str(report)


def test_user_softplus_agrees_with_the_builtin_one() -> None:
    assert check_op(softplus, reference=ops.SOFTPLUS, second_order=True)
    for x in (-30.0, -1.5, 0.0, 2.0, 40.0):
        assert softplus(x).data == Value(x).softplus().data


def test_user_ops_compose_with_builtin_ops_like_autograd_says() -> None:
    def ours(x: Value, y: Value) -> Value:
        return softplus(x * y) * hypot(x, y).tanh() + logit((x * x + 1.0) ** -1) * y

    def theirs(x: Any, y: Any) -> Any:
        return (
            ORACLES["my_softplus"](x * y) * anp.tanh(ORACLES["hypot"](x, y))
            + ORACLES["logit"](1.0 / (x * x + 1.0)) * y
        )

    for xs in ([0.7, 1.3], [-1.2, 0.6], [2.0, 2.5]):
        inputs = [Value(x) for x in xs]
        out = ours(*inputs)
        assert close(out.data, float(theirs(*xs)), 1e-12)
        first = grad(out, inputs, create_graph=True)
        for i in range(2):
            assert close(first[i].data, float(autograd.grad(theirs, i)(*xs)), 1e-9)
            for j in range(2):
                second = grad(first[i], inputs)[j]
                assert close(second, float(autograd.grad(autograd.grad(theirs, i), j)(*xs)), 1e-7)


def test_backward_accumulates_through_a_user_op_used_twice() -> None:
    x = Value(0.8, label="x")
    y = hypot(x, x) * softplus(x)  # x feeds hypot twice, and softplus once
    y.backward()
    expected = oracle_gradient_of(lambda t: anp.sqrt(2 * t * t) * anp.logaddexp(0.0, t), 0.8)
    assert close(x.grad, expected, 1e-9)
    y.backward()  # a second backward adds the same gradient once more
    assert close(x.grad, 2 * expected, 1e-9)


def oracle_gradient_of(f: Any, x: float) -> float:
    return float(autograd.grad(f)(x))


def test_create_graph_through_a_user_op_gives_differentiable_grads() -> None:
    x = Value(0.3)
    y = logit(x)
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    assert close(x.grad.data, 1 / (0.3 * 0.7), 1e-12)
    (second,) = grad(x.grad, [x])
    expected = oracle_gradient_of(autograd.grad(ORACLES["logit"]), 0.3)
    assert close(second, expected, 1e-9)


def test_no_grad_records_nothing_for_a_user_op() -> None:
    a, b = Value(1.0), Value(2.0)
    with no_grad():
        out = hypot(a, b)
    assert out._prev == () and out._operation is None and out._op == ""
    assert close(out.data, math.sqrt(5.0), 1e-15)


def test_a_user_op_is_one_node_of_the_graph_with_its_symbol() -> None:
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    h = hypot(a, b)
    assert h.data == 5.0
    assert h._operation is hypot and h._op == "hypot" and h._prev == (a, b)
    out = softplus(h)
    assert topological_order(out) == [a, b, h, out]


def test_a_user_op_outside_its_domain_raises_a_domain_error_naming_it() -> None:
    p = Value(1.5, label="p")
    with pytest.raises(DomainError, match=r"logit: .*0 < p < 1.*1\.5 \(label 'p'\)"):
        logit(p)


def test_a_user_op_is_drawn_with_its_symbol() -> None:
    pytest.importorskip("graphviz")
    out = softplus(hypot(Value(1.0, label="a"), Value(2.0, label="b")))
    out.backward()
    source = draw_dot(out).source
    assert "label=<mysoftplus>" in source and "label=<hypot>" in source


def test_the_backward_step_through_uses_a_user_ops_rule() -> None:
    a = Value(0.5, label="a")
    out = softplus(a)
    steps = list(backward_steps(out))
    (update,) = steps[0].updates
    assert update.parent is a
    assert close(update.local_derivative, float(sigmoid(0.5)), 1e-15)
    assert "mysoftplus" in steps[0].describe()


def test_a_backward_written_with_the_helpers_gives_values_under_create_graph() -> None:
    x = Value(0.4)
    (term,) = softplus.backward(Value(1.0), softplus(x), x)
    assert isinstance(term, Value)
    assert close(term.data, float(sigmoid(0.4)), 1e-15)
    assert close(log(2.0), math.log(2.0), 1e-15)  # the helpers work on plain floats too


DOCS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "custom_ops.md"


def test_the_custom_ops_docs_page_runs_and_prints_what_it_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every python block of docs/custom_ops.md, run in order: its output is the one shown (the
    ``# ...`` lines at the left margin, or the ``text`` block right after it)."""
    pytest.importorskip("graphviz")  # the page draws a graph
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```(python|text)\n(.*?)```", DOCS_PAGE.read_text(encoding="utf-8"), re.S)
    namespace: dict[str, Any] = {"__name__": "docs_custom_ops"}
    ran = 0
    for k, (kind, code) in enumerate(blocks):
        if kind != "python":
            continue
        shown = [line[2:] for line in code.splitlines() if line.startswith("# ")]
        if k + 1 < len(blocks) and blocks[k + 1][0] == "text":
            shown = blocks[k + 1][1].splitlines()
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, f"custom_ops.md block {k}", "exec"), namespace)
        assert printed.getvalue().splitlines() == shown, f"block {k}:\n{code}"
        ran += 1
    assert ran >= 5
